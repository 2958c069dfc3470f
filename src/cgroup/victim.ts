/**
 * The kernel's choice of victim for a memory cgroup OOM (pure), through kernel/oom.ts.
 *
 * A memcg OOM scans every task in the subtree of the memcg whose limit was hit
 * (mem_cgroup_scan_tasks) and scores each with oom_badness(p, totalpages), where
 * totalpages = mem_cgroup_get_max(memcg) (kernel/oom.ts memcgOomTotalKiB).
 */
import {
  DEFAULT_PAGE_KIB,
  MODERN_RULES,
  compareVictims,
  oomBadness,
  totalPagesOf,
  type BadnessInput,
  type OomRules,
} from '../kernel/oom.js';

export interface VictimCandidate extends BadnessInput {
  /** Scan position: on equal points the kernel's tie rule decides (the newest process on current kernels). */
  startTimeTicks?: number;
}

export interface RankedVictim {
  pid: number;
  /** oom_badness() in this memcg (pages). */
  points: number;
}

/**
 * The pid the kernel would kill if the memcg with this total (mem_cgroup_get_max, KiB)
 * ran out; `procs` are the processes of its whole subtree. null when none is killable.
 */
export function cgroupNextVictim(
  procs: Iterable<VictimCandidate>,
  totalKiB: number,
  pageKiB = DEFAULT_PAGE_KIB,
  rules: OomRules = MODERN_RULES,
): number | null {
  return rankVictims(procs, totalKiB, pageKiB, rules)[0]?.pid ?? null;
}

/** Killable candidates by the kernel's preference, victim first. */
export function rankVictims(
  procs: Iterable<VictimCandidate>,
  totalKiB: number,
  pageKiB = DEFAULT_PAGE_KIB,
  rules: OomRules = MODERN_RULES,
): RankedVictim[] {
  const totalPages = totalPagesOf(totalKiB, pageKiB);
  const scored: { p: VictimCandidate; points: number }[] = [];
  for (const p of procs) {
    const points = oomBadness(p, totalPages, pageKiB, rules);
    if (points !== null) scored.push({ p, points });
  }
  scored.sort((a, b) => compareVictims(a.points, a.p, b.points, b.p, rules));
  return scored.map(({ p, points }) => ({ pid: p.pid, points }));
}
