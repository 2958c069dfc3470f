import type { KernelVersion } from './types.js';
import { kernelAtLeast } from './system.js';

/**
 * How /proc/PID/oom_score maps to the kernel's badness, by kernel version.
 *
 * - 'v5.9':    oom_score = (1000 + badness‰) × 2/3, badness‰ = points × 1000 / totalpages
 *              (mm/oom_kill.c since 5.9: an idle process reads 666, adj +1000 up to 1333,
 *              adj -1000 reads 0).
 * - 'permille': 2.6.36 … 5.8: oom_score is badness‰ itself (0..1000, or up to 2000 with
 *              a positive adj on 3.x+ where points are not clamped).
 * - 'legacy':  before 2.6.36 the score came from a different heuristic (total_vm, nice,
 *              run time): no honest share can be derived from it.
 *
 * points = rss + swap + page tables (pages) + oom_score_adj × totalpages / 1000, where
 * totalpages is RAM + swap for a system-wide OOM.
 */
export type ScoreScale = 'v5.9' | 'permille' | 'legacy';

export function scoreScale(kernel: KernelVersion | null): ScoreScale {
  if (kernel === null) return 'v5.9';
  if (kernelAtLeast(kernel, 5, 9)) return 'v5.9';
  if (kernelAtLeast(kernel, 2, 6, 36)) return 'permille';
  return 'legacy';
}

/**
 * The share of RAM+swap the kernel charges the process, in per mille, including the
 * oom_score_adj bonus (negative when adj outweighs its memory). null when the scale has
 * no such meaning (legacy kernels) or the process is exempt (adj -1000).
 */
export function badnessPermille(oomScore: number, oomScoreAdj: number | null, scale: ScoreScale): number | null {
  if (oomScoreAdj === -1000) return null;
  switch (scale) {
    case 'v5.9':
      // The kernel truncates (1000 + p) × 2/3, so one score covers one or two values of p;
      // take the highest, which gives an idle process (666) 0‰ rather than -1‰.
      return Math.ceil(((oomScore + 1) * 3) / 2) - 1 - 1000;
    case 'permille':
      return oomScore;
    case 'legacy':
      return null;
  }
}

/** What the kernel would print as oom_score for a given badness‰ (inverse of the above). */
export function scoreFromPermille(permille: number, scale: ScoreScale): number {
  return scale === 'v5.9' ? Math.trunc(((1000 + permille) * 2) / 3) : Math.max(0, permille);
}

/** Can the kernel's OOM killer pick this process at all? */
export function isKillable(p: { pid: number; oomScoreAdj: number | null; kernelThread?: boolean }): boolean {
  return p.pid !== 1 && p.kernelThread !== true && p.oomScoreAdj !== -1000;
}

/**
 * The badness in pages as the kernel counts it for a system-wide OOM: rss + swap + page
 * tables + adj × ⌊totalpages / 1000⌋ (mm/oom_kill.c oom_badness).
 */
export function badnessPoints(
  p: { rssKiB: number; swapKiB: number; pgtablesKiB: number; oomScoreAdj: number | null },
  totalKiB: number,
  pageKiB = 4,
): number {
  const totalPages = Math.floor(totalKiB / pageKiB);
  return (p.rssKiB + p.swapKiB + p.pgtablesKiB) / pageKiB + (p.oomScoreAdj ?? 0) * Math.floor(totalPages / 1000);
}

type VictimCandidate = { pid: number; oomScore: number; oomScoreAdj: number | null; kernelThread?: boolean; startTimeTicks: number };
type WithMemory = { rssKiB: number; swapKiB: number; pgtablesKiB: number };

/**
 * The process the kernel would pick in a system-wide OOM now: the highest score among
 * killable processes. oom_score is rounded to steps of ~1.5‰ (about 110 MiB on a 72 GiB
 * box), so equal scores are split by the exact points when the figures are known; a true
 * tie goes to the later one in task-list order (select_bad_process replaces on >=), the
 * newest process.
 */
export function pickNextVictim<T extends VictimCandidate>(procs: Iterable<T>, memory?: { totalKiB: number; pageKiB?: number }): T | null {
  let best: T | null = null;
  let bestPoints = 0;
  const points = (p: T) =>
    memory && 'rssKiB' in p ? badnessPoints(p as T & WithMemory, memory.totalKiB, memory.pageKiB) : 0;
  for (const p of procs) {
    if (!isKillable(p)) continue;
    if (best === null || p.oomScore > best.oomScore) {
      best = p;
      bestPoints = points(p);
      continue;
    }
    if (p.oomScore < best.oomScore) continue;
    const pp = points(p);
    if (pp > bestPoints || (pp === bestPoints && (p.startTimeTicks > best.startTimeTicks || (p.startTimeTicks === best.startTimeTicks && p.pid > best.pid)))) {
      best = p;
      bestPoints = pp;
    }
  }
  return best;
}
