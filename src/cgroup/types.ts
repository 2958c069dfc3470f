import type { Pressure } from '../proc/types.js';

export type CgroupVersion = 1 | 2;

/** Where the memory controller lives. Paths are absolute (already joined with --cgroup-root). */
export interface MemoryHierarchy {
  version: CgroupVersion;
  /** Absolute directory of the memory controller's root, e.g. /sys/fs/cgroup/memory (v1) or /sys/fs/cgroup (v2). */
  root: string;
  /** v1 memory controller alongside a v2 tree (hybrid). */
  hybrid: boolean;
  /** The v2 mount in a hybrid layout, if any (for memory.pressure there is none on v1). */
  unifiedRoot: string | null;
}

export type ContainerRuntime =
  | 'docker'
  | 'containerd'
  | 'cri-o'
  | 'podman'
  | 'kubernetes'
  | 'lxc'
  | 'systemd-service'
  | 'systemd-scope'
  | 'user-session';

export interface PodInfo {
  uid: string;
  qos: 'guaranteed' | 'burstable' | 'besteffort';
  name: string | null;
}

export interface ContainerInfo {
  runtime: ContainerRuntime;
  /** Container id (64 hex) or unit name. */
  id: string | null;
  /** Friendly name when a runtime could tell it; else null. */
  name: string | null;
  pod: PodInfo | null;
}

export interface CgroupMemory {
  /** Path relative to the controller root, "/" for the root itself. */
  path: string;
  version: CgroupVersion;
  usageKiB: number;
  /** This cgroup's own limit; null when unlimited. */
  limitKiB: number | null;
  /** Smallest limit on the way up to the root; null when none. */
  effectiveLimitKiB: number | null;
  highKiB: number | null;
  swapUsageKiB: number | null;
  swapLimitKiB: number | null;
  /** usage minus inactive file pages (the Kubernetes working set). */
  workingSetKiB: number;
  inactiveFileKiB: number;
  /** Kills counted by the kernel in this cgroup (v2 memory.events oom_kill, v1 memory.oom_control oom_kill). */
  oomKills: number | null;
  /** v2 memory.events "oom" (times the limit was hit and reclaim failed). */
  oomEvents: number | null;
  /** v1 memory.oom_control under_oom. */
  underOom: boolean | null;
  pressure: Pressure | null;
  container: ContainerInfo | null;
}
