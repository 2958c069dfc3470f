import type { KernelVersion, LoadAvg, MemInfo, OomSettings, Pressure } from '../proc/types.js';
import type { ScoreScale } from '../kernel/oom.js';
import type { CgroupMemory } from '../cgroup/types.js';

/**
 * One process in a snapshot. The sampler reuses these objects from tick to tick (no copy
 * per tick): read them while handling a snapshot, do not keep them across ticks.
 */
export interface ProcessSample {
  /** pid:starttime, the identity of the process. */
  key: string;
  pid: number;
  startTimeTicks: number;
  /** comm from stat: at most 15 bytes, raw (sanitize before drawing). */
  name: string;
  /** argv joined by spaces; "" when not readable (sanitize before drawing). */
  cmdline: string;
  state: string;
  ppid: number;
  pgrp: number;
  uid: number | null;
  user: string;
  /** /proc/PID/oom_score as read this tick. */
  oomScore: number;
  oomScoreAdj: number | null;
  /** The kernel's badness as a share of RAM+swap in per mille (null: adj -1000 or legacy kernel). */
  badnessPermille: number | null;
  rssKiB: number;
  anonKiB: number | null;
  fileKiB: number | null;
  shmemKiB: number | null;
  swapKiB: number;
  pgtablesKiB: number;
  /** Memory cgroup path relative to the controller root; null when unknown. */
  cgroup: string | null;
  /** Epoch ms of the last status read (RSS split, swap, page tables). */
  detailTime: number;
  /** Working set of the memcg an OOM from its cgroup would hit, as % of that memcg's limit; null without a limit. */
  limitPct: number | null;
  /** Combined danger 0..100: max over its OOM domains (limited cgroups and the system) of fill% × its share of the victim's badness. */
  danger: number;
  /** The kernel would kill it first if its cgroup's OOM domain ran out. */
  cgroupVictim: boolean;
  /** Container, pod or service label from its cgroup path, when recognised. */
  container: string | null;
  /** The kernel would pick it first in a system-wide OOM now. */
  nextVictim: boolean;
  /** RSS slope over the recent history, KiB/s; filled by the store for the rows that need it. */
  growthKiBps: number | null;
  /** A leak suspect (steady RSS growth): its slope, KiB/s; filled by the store (src/store/forecast.ts). */
  leakKiBps?: number | null;
  /** With --rules: the rule that set its adj (and still holds); filled by src/tui/host.ts. */
  rule?: string | null;
}

/** One memory cgroup as the cgroup view and the JSON show it. */
export interface CgroupSample {
  memory: CgroupMemory;
  /** The memcg whose limit an OOM from here would hit (itself or an ancestor); null when unlimited. */
  oomDomain: string | null;
  /** Fill of that domain: working set over its limit, percent. */
  domainFillPct: number | null;
  /** Headroom of that domain (limit − working set), KiB; null when unlimited. */
  headroomKiB: number | null;
  nextVictimPid: number | null;
  /** Processes directly in this cgroup. */
  processCount: number;
  label: string;
}

export interface SystemSample {
  kernel: KernelVersion | null;
  scale: ScoreScale;
  memory: MemInfo | null;
  pressure: Pressure | null;
  oomKills: number | null;
  settings: OomSettings;
  /** /proc/loadavg and /proc/uptime (seconds since boot), for the header; null when unreadable. */
  load?: LoadAvg | null;
  uptimeSec?: number | null;
}

export interface Snapshot {
  seq: number;
  /** Epoch ms. */
  time: number;
  system: SystemSample;
  /** Every user-space process with an mm, in /proc order. */
  processes: ProcessSample[];
  nextVictimPid: number | null;
  /** Memory cgroups of the processes seen (and their ancestors); empty without a memory controller. */
  cgroups: CgroupSample[];
  /** Milliseconds spent producing this snapshot. */
  costMs: number;
  /** Problems worth telling the user (unreadable /proc, hidepid...). */
  warnings: string[];
}
