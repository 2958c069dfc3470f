/**
 * The kernel's choice of victim for a memory cgroup OOM (pure).
 *
 * mm/oom_kill.c (5.9+), oom_badness(p, totalpages):
 *   skip (LONG_MIN) kernel threads, global init, adj == OOM_SCORE_ADJ_MIN (-1000),
 *   MMF_OOM_SKIP and tasks in vfork;
 *   points = get_mm_rss + MM_SWAPENTS + mm_pgtables_bytes / PAGE_SIZE   (pages)
 *   adj   *= totalpages / 1000          (integer division first)
 *   points += adj
 * oom_evaluate_task keeps the task when points >= chosen_points (so on a tie the later
 * task in scan order wins). A memcg OOM scans every task in the subtree of the memcg whose
 * limit was hit (mem_cgroup_scan_tasks), and totalpages = mem_cgroup_get_max(memcg):
 *   memory.max + min(swap allowance, total_swap_pages) when swappiness != 0,
 *   where the swap allowance is memsw.max - memory.max on v1 (swap accounting on) and
 *   memory.swap.max on v2; no swap configured means totalpages = memory.max.
 * Before 5.9 the score was clamped per mille and root got a 3 % bonus; the ordering by
 * points here matches 5.9+ exactly and older kernels closely.
 */

export interface VictimCandidate {
  pid: number;
  /** VmRSS (file + anon + shmem), KiB. */
  rssKiB: number;
  /** VmSwap, KiB. */
  swapKiB: number;
  /** VmPTE (mm_pgtables_bytes / 1024), KiB. */
  pgtablesKiB: number;
  /** null when unreadable: treated as 0. */
  oomScoreAdj: number | null;
  /** False for pid 1, kernel threads (and anything else the caller knows the kernel skips). */
  killable: boolean;
  /** Tie-break: on equal points the newest process (then the higher pid) wins. */
  startTimeTicks?: number;
}

export const OOM_SCORE_ADJ_MIN = -1000;
export const DEFAULT_PAGE_KIB = 4;

/** oom_badness() in pages; null where the kernel returns LONG_MIN (never chosen). */
export function badnessPages(p: VictimCandidate, totalPages: number, pageKiB = DEFAULT_PAGE_KIB): number | null {
  if (!p.killable) return null;
  const adj = p.oomScoreAdj ?? 0;
  if (adj === OOM_SCORE_ADJ_MIN) return null;
  const points =
    Math.floor(p.rssKiB / pageKiB) + Math.floor(p.swapKiB / pageKiB) + Math.floor(p.pgtablesKiB / pageKiB);
  return points + adj * Math.floor(totalPages / 1000);
}

/**
 * The pid the kernel would kill if the memcg with this total (mem_cgroup_get_max, KiB)
 * ran out; `procs` are the processes of its whole subtree. null when none is killable.
 */
export function cgroupNextVictim(
  procs: Iterable<VictimCandidate>,
  totalKiB: number,
  pageKiB = DEFAULT_PAGE_KIB,
): number | null {
  return rankVictims(procs, totalKiB, pageKiB)[0]?.pid ?? null;
}

export interface RankedVictim {
  pid: number;
  points: number;
}

/** Killable candidates by the kernel's preference, victim first. */
export function rankVictims(
  procs: Iterable<VictimCandidate>,
  totalKiB: number,
  pageKiB = DEFAULT_PAGE_KIB,
): RankedVictim[] {
  const totalPages = Math.floor(totalKiB / pageKiB);
  const scored: { p: VictimCandidate; points: number }[] = [];
  for (const p of procs) {
    const points = badnessPages(p, totalPages, pageKiB);
    if (points !== null) scored.push({ p, points });
  }
  scored.sort(
    (a, b) =>
      b.points - a.points ||
      (b.p.startTimeTicks ?? 0) - (a.p.startTimeTicks ?? 0) ||
      b.p.pid - a.p.pid,
  );
  return scored.map(({ p, points }) => ({ pid: p.pid, points }));
}

export interface OomTotalInput {
  version: 1 | 2;
  /** The memcg's own memory limit (memory.max / memory.limit_in_bytes), KiB. */
  limitKiB: number;
  /** v2 memory.swap.max, or v1 memsw.limit - limit; null = unlimited. */
  swapLimitKiB: number | null;
  /** v1: memory.swappiness of the memcg; v2: vm.swappiness. null = unknown (assume non-zero). */
  swappiness: number | null;
  /** SwapTotal from /proc/meminfo. */
  swapTotalKiB: number;
}

/** mem_cgroup_get_max(): the "totalpages" of a memcg OOM, in KiB. */
export function oomTotalKiB(m: OomTotalInput): number {
  if (m.swappiness === 0) return m.limitKiB;
  const swap = m.swapLimitKiB === null ? m.swapTotalKiB : Math.min(m.swapLimitKiB, m.swapTotalKiB);
  return m.limitKiB + Math.max(0, swap);
}
