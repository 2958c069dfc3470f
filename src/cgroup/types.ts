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
  /**
   * The mount's root inside the hierarchy (4th mountinfo field), "/" normally. Inside a
   * container without a cgroup namespace it is e.g. "/docker/<id>": /proc/PID/cgroup paths
   * then start with it and are stripped before joining with `root`.
   */
  mountRoot?: string;
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
  /** The image it runs, when the runtime told it (Docker Engine). */
  image?: string | null;
  /** Compose labels (com.docker.compose.project / .service), when set. */
  compose?: { project: string; service: string | null } | null;
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
  /** Smallest memory+swap limit up the hierarchy (v1 hierarchical_memsw_limit); null when none. */
  effectiveMemswLimitKiB?: number | null;
  /** v1 memory.oom_control oom_kill_disable: tasks hang instead of being killed. */
  oomKillDisabled?: boolean | null;
  /** v2 memory.oom.group: an OOM kills every task of the cgroup together. */
  oomGroup?: boolean | null;
  /** v2 memory.events "max" / v1 memory.failcnt: times usage hit the limit. */
  maxEvents?: number | null;
  /** memory.swappiness (v1); null where the file is absent (v2 uses the global value). */
  swappiness?: number | null;
}

/** v1 memory.oom_control. */
export interface OomControl {
  /** oom_kill_disable: the kernel holds tasks at the limit instead of killing. */
  oomKillDisable: boolean;
  /** under_oom: tasks are being held at the limit right now. */
  underOom: boolean;
  /** oom_kill: kills by the kernel's OOM killer in this cgroup (null on kernels before 4.13). */
  oomKill: number | null;
}

/** A cgroup's swap in KiB: the allowance and what is in use. */
export interface CgroupSwap {
  limitKiB: number;
  usageKiB: number;
}
