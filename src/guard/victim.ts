import type { Candidate, GuardPolicy, Victim } from './types.js';

export const SELF_PROTECT_ADJ = -1000;

export function identity(p: { pid: number; startTimeTicks: number }): string {
  return `${p.pid}:${p.startTimeTicks}`;
}

/** Never chosen, whatever the policy: init, kernel threads, zombies, adj -1000, oomtop and its helpers, --ignore. */
export function isForbidden(
  c: Candidate,
  policy: Pick<GuardPolicy, 'ignore'>,
  protectedPids: ReadonlySet<number>,
): boolean {
  return (
    c.pid <= 1 ||
    c.kernelThread ||
    c.zombie ||
    c.oomScoreAdj === SELF_PROTECT_ADJ ||
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

/**
 * The kernel's oom_badness for a scope whose total is totalKiB (RAM+swap for a system OOM,
 * the cgroup's limit for a memcg OOM): rss + swap + page tables + adj × total / 1000,
 * in per mille of the total.
 */
export function badnessPermille(c: Candidate, totalKiB: number): number {
  if (totalKiB <= 0) return 0;
  const adj = c.oomScoreAdj ?? 0;
  const points = c.rssKiB + c.swapKiB + c.pteKiB + (adj * totalKiB) / 1000;
  return (points * 1000) / totalKiB;
}

const TIER_RANK = { preferred: 2, normal: 1, avoided: 0 } as const;

/**
 * The process to end in a scope: the one the kernel would pick (highest badness, or
 * largest RSS with --sort-by-rss), except that any --prefer match beats every other
 * process and an --avoid match is chosen only when nothing else is left. Ties go to the
 * newest process, as in the kernel's select_bad_process.
 */
export function chooseVictim(
  procs: readonly Candidate[],
  totalKiB: number,
  policy: Pick<GuardPolicy, 'prefer' | 'avoid' | 'ignore' | 'sortByRss'>,
  protectedPids: ReadonlySet<number>,
  skip: readonly string[] = [],
): Victim | null {
  let best: Victim | null = null;
  let bestKey = 0;
  for (const c of procs) {
    if (isForbidden(c, policy, protectedPids)) continue;
    if (skip.length > 0 && skip.includes(identity(c))) continue;
    const tier: Victim['tier'] =
      policy.prefer !== null && matches(policy.prefer, c)
        ? 'preferred'
        : policy.avoid !== null && matches(policy.avoid, c)
          ? 'avoided'
          : 'normal';
    const badness = badnessPermille(c, totalKiB);
    const key = policy.sortByRss ? c.rssKiB : badness;
    if (best !== null) {
      const dt = TIER_RANK[tier] - TIER_RANK[best.tier];
      if (dt < 0) continue;
      if (dt === 0) {
        if (key < bestKey) continue;
        if (
          key === bestKey &&
          (c.startTimeTicks < best.startTimeTicks || (c.startTimeTicks === best.startTimeTicks && c.pid < best.pid))
        ) {
          continue;
        }
      }
    }
    best = {
      pid: c.pid,
      startTimeTicks: c.startTimeTicks,
      name: c.name,
      cmdline: c.cmdline,
      rssKiB: c.rssKiB,
      badnessPermille: badness,
      tier,
    };
    bestKey = key;
  }
  return best;
}
