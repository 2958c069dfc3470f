import {
  DEFAULT_PAGE_KIB,
  MODERN_RULES,
  compareVictims,
  oomBadness,
  oomKillable,
  totalPagesOf,
  type OomRules,
} from '../kernel/oom.js';

type SystemCandidate = { pid: number; oomScore: number; oomScoreAdj: number | null; kernelThread?: boolean; startTimeTicks: number };
type WithMemory = { rssKiB: number; swapKiB: number; pgtablesKiB: number };

/**
 * The process the kernel would pick in a system-wide OOM now. The monitor ranks by the
 * kernel's own oom_score first: it is read fresh every tick, while swap and page tables
 * come from status only now and then. oom_score is a rounding of the kernel's points
 * (steps of ~1.5‰, about 110 MiB on a 72 GiB box) and never out of their order, so equal
 * scores are split by oom_badness() from the figures when they are known (not on kernels
 * whose oom_score is the points themselves), and a true tie by the kernel's rule
 * (kernel/oom.ts compareVictims: the newest process on current kernels).
 */
export function pickNextVictim<T extends SystemCandidate>(
  procs: Iterable<T>,
  memory?: { totalKiB: number; pageKiB?: number },
  rules: OomRules = MODERN_RULES,
): T | null {
  const pageKiB = memory?.pageKiB ?? DEFAULT_PAGE_KIB;
  const totalPages = totalPagesOf(memory?.totalKiB ?? 0, pageKiB);
  const split = memory !== undefined && !rules.scoreIsPoints;
  const points = (p: T) => (split && 'rssKiB' in p ? (oomBadness(p as T & WithMemory, totalPages, pageKiB, rules) ?? 0) : 0);
  let best: T | null = null;
  let bestPoints = 0;
  for (const p of procs) {
    if (!oomKillable(p)) continue;
    if (best !== null && p.oomScore < best.oomScore) continue;
    const pp = points(p);
    if (best === null || p.oomScore > best.oomScore || compareVictims(pp, p, bestPoints, best, rules) < 0) {
      best = p;
      bestPoints = pp;
    }
  }
  return best;
}
