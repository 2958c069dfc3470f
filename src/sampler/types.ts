import type { KernelVersion, MemInfo, OomSettings, Pressure } from '../proc/types.js';
import type { ScoreScale } from '../proc/risk.js';

export interface ProcessSample {
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
  oomScore: number;
  /** false when oomScore was estimated from rss/swap/page tables/adj between exact reads. */
  oomScoreExact: boolean;
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
}

export interface SystemSample {
  kernel: KernelVersion | null;
  scale: ScoreScale;
  memory: MemInfo | null;
  pressure: Pressure | null;
  oomKills: number | null;
  settings: OomSettings;
}

export interface Snapshot {
  seq: number;
  /** Epoch ms. */
  time: number;
  system: SystemSample;
  /** Every user-space process with an mm, in /proc order. */
  processes: ProcessSample[];
  nextVictimPid: number | null;
  /** Milliseconds spent producing this snapshot. */
  costMs: number;
  /** Problems worth telling the user (unreadable /proc, hidepid...). */
  warnings: string[];
}
