/** Shapes read from /proc. All sizes are KiB unless a name says otherwise. */

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Total stall time in microseconds. */
  total: number;
}

/** /proc/pressure/memory or a cgroup v2 memory.pressure file. */
export interface Pressure {
  some: PressureLine;
  /** Absent on some kernels for the system-wide CPU file; present for memory. */
  full: PressureLine | null;
}

export interface MemInfo {
  totalKiB: number;
  freeKiB: number;
  availableKiB: number;
  buffersKiB: number;
  cachedKiB: number;
  shmemKiB: number;
  swapTotalKiB: number;
  swapFreeKiB: number;
  committedKiB: number;
  commitLimitKiB: number;
  /** True when MemAvailable was missing (kernels before 3.14) and was estimated. */
  availableEstimated: boolean;
}

/** The OOM-related sysctls under /proc/sys/vm; null where unreadable. */
export interface OomSettings {
  panicOnOom: number | null;
  oomKillAllocatingTask: number | null;
  oomDumpTasks: number | null;
  overcommitMemory: number | null;
  overcommitRatio: number | null;
  overcommitKbytes: number | null;
  swappiness: number | null;
}

export interface KernelVersion {
  release: string;
  major: number;
  minor: number;
  patch: number;
}

/** Fields of /proc/PID/stat that oomtop uses. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** Process flags (PF_KTHREAD = 0x00200000). */
  flags: number;
  utimeTicks: number;
  stimeTicks: number;
  /** Start time in clock ticks after boot: with the pid, the identity of a process. */
  startTimeTicks: number;
  vsizeBytes: number;
  rssPages: number;
}

/** Fields of /proc/PID/status that oomtop uses. */
export interface ProcStatus {
  name: string;
  uid: number;
  vmRssKiB: number;
  rssAnonKiB: number | null;
  rssFileKiB: number | null;
  rssShmemKiB: number | null;
  vmSwapKiB: number;
  vmPteKiB: number;
  /** False for kernel threads (no VmSize line). */
  hasMm: boolean;
}

/** /proc/loadavg: load averages and scheduling entities (threads included). */
export interface LoadAvg {
  one: number;
  five: number;
  fifteen: number;
  running: number;
  tasks: number;
}
