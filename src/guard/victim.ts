import {
  DEFAULT_PAGE_KIB,
  MODERN_RULES,
  compareVictims,
  oomBadness,
  oomKillable,
  processKey,
  totalPagesOf,
  type BadnessInput,
  type OomRules,
} from '../kernel/oom.js';
import type { Candidate, GuardPolicy, Victim } from './types.js';

/** Never chosen, whatever the policy: init, kernel threads, zombies, adj -1000, oomtop and its helpers, --ignore. */
export function isForbidden(
  c: Candidate,
  policy: Pick<GuardPolicy, 'ignore'>,
  protectedPids: ReadonlySet<number>,
): boolean {
  return (
    !oomKillable(c) ||
    protectedPids.has(c.pid) ||
    (policy.ignore !== null && matches(policy.ignore, c))
  );
}

function matches(re: RegExp, c: Candidate): boolean {
  re.lastIndex = 0;
  if (re.test(c.name)) return true;
  re.lastIndex = 0;
  return re.test(c.cmdline);
}

/** The kernel's view of a candidate: oom_badness() reads these. */
function badnessInput(c: Candidate): BadnessInput {
  return {
    pid: c.pid,
    rssKiB: c.rssKiB,
    swapKiB: c.swapKiB,
    pgtablesKiB: c.pteKiB,
    oomScoreAdj: c.oomScoreAdj,
    kernelThread: c.kernelThread,
    zombie: c.zombie,
  };
}

/** How the guard computes the kernel's badness: page size and the running kernel's rules. */
export interface OomArithmetic {
  pageKiB: number;
  rules: OomRules;
}

export const DEFAULT_OOM: OomArithmetic = { pageKiB: DEFAULT_PAGE_KIB, rules: MODERN_RULES };

const TIER_RANK = { preferred: 2, normal: 1, avoided: 0 } as const;

/**
 * The process to end in a scope: the one the kernel would pick (kernel/oom.ts: highest
 * oom_badness against the scope's total, ties by the kernel's rule), or the largest RSS
 * with --sort-by-rss, except that any --prefer match beats every other process and an
 * --avoid match is chosen only when nothing else is left. totalKiB is RAM + swap for the
 * system, mem_cgroup_get_max for a cgroup.
 */
export function chooseVictim(
  procs: readonly Candidate[],
  totalKiB: number,
  policy: Pick<GuardPolicy, 'prefer' | 'avoid' | 'ignore' | 'sortByRss'>,
  protectedPids: ReadonlySet<number>,
  skip: readonly string[] = [],
  oom: OomArithmetic = DEFAULT_OOM,
): Victim | null {
  const totalPages = totalPagesOf(totalKiB, oom.pageKiB);
  let best: Victim | null = null;
  let bestKey = 0;
  for (const c of procs) {
    if (isForbidden(c, policy, protectedPids)) continue;
    if (skip.length > 0 && skip.includes(processKey(c))) continue;
    const tier: Victim['tier'] =
      policy.prefer !== null && matches(policy.prefer, c)
        ? 'preferred'
        : policy.avoid !== null && matches(policy.avoid, c)
          ? 'avoided'
          : 'normal';
    const points = oomBadness(badnessInput(c), totalPages, oom.pageKiB, oom.rules);
    if (points === null) continue;
    const key = policy.sortByRss ? c.rssKiB : points;
    if (best !== null) {
      const dt = TIER_RANK[tier] - TIER_RANK[best.tier];
      if (dt < 0) continue;
      if (dt === 0 && compareVictims(key, c, bestKey, best, oom.rules) >= 0) continue;
    }
    best = {
      pid: c.pid,
      startTimeTicks: c.startTimeTicks,
      name: c.name,
      cmdline: c.cmdline,
      rssKiB: c.rssKiB,
      badnessPermille: oom.rules.formula === 'permille' ? points : (points * 1000) / totalPages,
      tier,
    };
    bestKey = key;
  }
  return best;
}
