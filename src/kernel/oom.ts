/**
 * The kernel's OOM victim rule (mm/oom_kill.c), in one place: oom_badness() for each
 * kernel generation, what /proc/PID/oom_score prints from it, the "totalpages" of a
 * system and of a memory cgroup OOM (mem_cgroup_get_max), the choice among equal points
 * (oom_evaluate_task), and the identity of a process (pid + start time). Pure: the
 * monitor's system victim (proc/risk.ts), its per-cgroup victims (cgroup/victim.ts) and
 * the guard's choice (guard/victim.ts) all compute through these functions, so they agree.
 *
 * Units. The kernel counts pages; /proc shows KiB that are exact multiples of them:
 *   get_mm_rss           = statm resident = VmRSS / page
 *   MM_SWAPENTS          = VmSwap / page
 *   mm_pgtables_bytes / PAGE_SIZE = ⌊VmPTE / page⌋   (VmPTE is mm_pgtables_bytes >> 10)
 *   totalram_pages + total_swap_pages = (MemTotal + SwapTotal) / page
 * so ⌊KiB / page⌋ per term gives the kernel's page counts exactly. All arithmetic below is
 * on integers (the kernel's long); JavaScript doubles hold them exactly below 2^53.
 */
import { kernelAtLeast } from '../proc/system.js';
import type { KernelVersion } from '../proc/types.js';

export const OOM_SCORE_ADJ_MIN = -1000;
export const OOM_SCORE_ADJ_MAX = 1000;
export const DEFAULT_PAGE_KIB = 4;

// ------------------------------------------------------------------ rules by kernel

/**
 * How /proc/PID/oom_score reads (kept as the snapshot's `scoreScale`):
 * - 'v5.9':     (1000 + points × 1000 / totalpages) × 2/3: idle 666, adj +1000 up to 1333, exempt 0.
 * - 'permille': 2.6.36 … 5.8: points × 1000 / totalpages (0..1000, up to 2000 with a positive adj from 3.5).
 * - 'legacy':   before 2.6.36: the old badness() heuristic (total_vm, CPU time, nice): no share.
 */
export type ScoreScale = 'v5.9' | 'permille' | 'legacy';

/**
 * oom_badness() by generation:
 * - 'long':     5.9+ (Yafang Shao, "make the calculation of oom badness more accurate"):
 *               signed points = rss + swap + page tables + adj × ⌊totalpages / 1000⌋, the
 *               unkillable LONG_MIN.
 * - 'pages':    3.5 … 5.8: the same points in pages, but unsigned: at least 1 for any
 *               eligible task, 0 for the unkillable (never chosen).
 * - 'permille': 2.6.36 … 3.4 ("oom: badness heuristic rewrite"): ⌊memory × 1000 / totalpages⌋
 *               + adj, clamped to 1 … 1000 (2.6.36/37 kept it in an int, which wraps past ~8 GiB:
 *               not reproduced).
 * - 'legacy':   before 2.6.36: badness() weighs total_vm, CPU time, nice and children, which
 *               the figures here cannot give; oom_score is the kernel's own value and is used
 *               as is, and figures fall back to the 'long' formula as an estimate.
 */
export type BadnessFormula = 'long' | 'pages' | 'permille' | 'legacy';

/**
 * The CAP_SYS_ADMIN discount, removed in 4.17 ("remove 3% bonus for CAP_SYS_ADMIN processes"):
 * - 'permille-30': 2.6.36 … 3.4, 30‰ off the per-mille points;
 * - 'adj-30':      3.5 … 3.13, adj − 30 before it is scaled;
 * - 'points-3pct': 3.14 … 4.16 ("base root bonus on current usage"), points − ⌊points × 3 / 100⌋.
 */
export type RootBonus = 'none' | 'permille-30' | 'adj-30' | 'points-3pct';

export interface OomRules {
  scale: ScoreScale;
  formula: BadnessFormula;
  rootBonus: RootBonus;
  /**
   * Equal points: from 5.3 oom_evaluate_task skips only `points < chosen_points`, so the
   * later task in scan order replaces the chosen one ('later'). Before, "prefer thread
   * group leaders for display purposes" (and before that a strict `>`) kept the first
   * ('earlier').
   */
  ties: 'later' | 'earlier';
  /** oom_score is the very number the kernel compares (legacy, 2.6.36 … 3.4), not a rounding of it. */
  scoreIsPoints: boolean;
}

export const MODERN_RULES: OomRules = { scale: 'v5.9', formula: 'long', rootBonus: 'none', ties: 'later', scoreIsPoints: false };

/** The rules of the running kernel; an unknown version gets the current ones. */
export function oomRules(kernel: KernelVersion | null): OomRules {
  if (kernel === null || kernelAtLeast(kernel, 5, 9)) return MODERN_RULES;
  const pages = (rootBonus: RootBonus, ties: OomRules['ties']): OomRules => ({
    scale: 'permille',
    formula: 'pages',
    rootBonus,
    ties,
    scoreIsPoints: false,
  });
  if (kernelAtLeast(kernel, 5, 3)) return pages('none', 'later');
  if (kernelAtLeast(kernel, 4, 17)) return pages('none', 'earlier');
  if (kernelAtLeast(kernel, 3, 14)) return pages('points-3pct', 'earlier');
  if (kernelAtLeast(kernel, 3, 5)) return pages('adj-30', 'earlier');
  if (kernelAtLeast(kernel, 2, 6, 36)) {
    return { scale: 'permille', formula: 'permille', rootBonus: 'permille-30', ties: 'earlier', scoreIsPoints: true };
  }
  return { scale: 'legacy', formula: 'legacy', rootBonus: 'none', ties: 'earlier', scoreIsPoints: true };
}

// ------------------------------------------------------------------ badness

/** What oom_badness() reads of a task, as /proc shows it. */
export interface BadnessInput {
  pid: number;
  /** VmRSS (or statm resident × page), KiB. */
  rssKiB: number;
  /** VmSwap, KiB. */
  swapKiB: number;
  /** VmPTE, KiB. */
  pgtablesKiB: number;
  /** null when unreadable: counted as 0. */
  oomScoreAdj: number | null;
  /** PF_KTHREAD: never chosen. */
  kernelThread?: boolean;
  /** No mm left (a zombie, an exiting task): find_lock_task_mm() fails, never chosen. */
  zombie?: boolean;
  /** Holds CAP_SYS_ADMIN: only kernels before 4.17 give it a discount. Unknown counts as no. */
  capSysAdmin?: boolean;
}

/**
 * Can the OOM killer choose this task at all? oom_unkillable_task() (global init, kernel
 * threads), find_lock_task_mm() (no mm) and oom_score_adj == OOM_SCORE_ADJ_MIN. PIDs are
 * those of /proc as read: inside a PID namespace its init is spared too.
 */
export function oomKillable(t: Pick<BadnessInput, 'pid' | 'oomScoreAdj' | 'kernelThread' | 'zombie'>): boolean {
  return t.pid > 1 && t.kernelThread !== true && t.zombie !== true && t.oomScoreAdj !== OOM_SCORE_ADJ_MIN;
}

/** ⌊KiB / page⌋: the kernel's page count behind a /proc KiB figure. */
export function kibToPages(kib: number, pageKiB = DEFAULT_PAGE_KIB): number {
  return Math.floor(kib / pageKiB);
}

/** rss + swap entries + page-table pages of a task, in pages. */
export function memoryPages(t: Pick<BadnessInput, 'rssKiB' | 'swapKiB' | 'pgtablesKiB'>, pageKiB = DEFAULT_PAGE_KIB): number {
  return kibToPages(t.rssKiB, pageKiB) + kibToPages(t.swapKiB, pageKiB) + kibToPages(t.pgtablesKiB, pageKiB);
}

/**
 * oom_badness(p, totalpages) as the kernel with these rules computes it; null where the
 * kernel returns LONG_MIN (5.9+) or 0 (before), i.e. the task is never chosen. The unit is
 * pages, except for the 'permille' formula (per mille of totalpages, as that kernel did).
 */
export function oomBadness(t: BadnessInput, totalPages: number, pageKiB = DEFAULT_PAGE_KIB, rules: OomRules = MODERN_RULES): number | null {
  if (!oomKillable(t)) return null;
  let adj = t.oomScoreAdj ?? 0;
  let points = memoryPages(t, pageKiB);
  const root = t.capSysAdmin === true;
  switch (rules.formula) {
    case 'long':
    case 'legacy':
      return points + adj * Math.floor(totalPages / 1000);
    case 'pages':
      if (root && rules.rootBonus === 'points-3pct') points -= Math.floor((points * 3) / 100);
      if (root && rules.rootBonus === 'adj-30') adj -= 30;
      points += adj * Math.floor(totalPages / 1000);
      return points > 0 ? points : 1;
    case 'permille': {
      points = Math.floor((points * 1000) / Math.max(1, totalPages));
      if (root && rules.rootBonus === 'permille-30') points -= 30;
      points += adj;
      return points <= 0 ? 1 : Math.min(points, 1000);
    }
  }
}

/**
 * What /proc/PID/oom_score prints for a task whose oom_badness() against RAM + swap is
 * `points` (null: never chosen). 5.9+: (1000 + points × 1000 / totalpages) × 2 / 3 in long
 * arithmetic (C division truncates toward zero); 3.5 … 5.8: points × 1000 / totalpages;
 * before: the points themselves.
 */
export function oomScoreFromPoints(points: number | null, totalPages: number, rules: OomRules = MODERN_RULES): number {
  if (points === null) return 0;
  switch (rules.formula) {
    case 'long':
      return Math.trunc(((1000 + Math.trunc((points * 1000) / totalPages)) * 2) / 3);
    case 'pages':
      return Math.floor((points * 1000) / totalPages);
    case 'permille':
    case 'legacy':
      return points;
  }
}

/**
 * The share of RAM + swap the kernel charges a process, in per mille, read back from its
 * oom_score (adj included; negative when adj outweighs its memory). null when the scale
 * has no such meaning (legacy kernels) or the process is exempt (adj -1000).
 */
export function permilleFromScore(oomScore: number, oomScoreAdj: number | null, scale: ScoreScale): number | null {
  if (oomScoreAdj === OOM_SCORE_ADJ_MIN) return null;
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

/** What the kernel prints as oom_score for a badness‰ (the inverse of permilleFromScore). */
export function scoreFromPermille(permille: number, scale: ScoreScale): number {
  return scale === 'v5.9' ? Math.trunc(((1000 + permille) * 2) / 3) : Math.max(0, permille);
}

// ------------------------------------------------------------------ totals

/** totalpages of a system-wide OOM: totalram_pages + total_swap_pages. */
export function systemOomTotalPages(m: { totalKiB: number; swapTotalKiB: number }, pageKiB = DEFAULT_PAGE_KIB): number {
  return kibToPages(m.totalKiB, pageKiB) + kibToPages(m.swapTotalKiB, pageKiB);
}

export interface MemcgTotalInput {
  version: 1 | 2;
  /** The OOMing memcg's own memory.max / memory.limit_in_bytes, KiB. */
  limitKiB: number;
  /** v2 memory.swap.max, or v1 memsw.limit − limit; null = unlimited. */
  swapLimitKiB: number | null;
  /** v1: the memcg's memory.swappiness; v2: vm.swappiness. null = unknown (taken as non-zero). */
  swappiness: number | null;
  /** SwapTotal from /proc/meminfo, KiB. */
  swapTotalKiB: number;
}

/**
 * mem_cgroup_get_max(): the totalpages of a memcg OOM, in KiB. The limit, plus, when the
 * memcg may swap (swappiness != 0), its swap allowance capped by the swap that exists:
 * memsw.max − max on v1 with swap accounting, swap.max on v2.
 */
export function memcgOomTotalKiB(m: MemcgTotalInput): number {
  if (m.swappiness === 0) return m.limitKiB;
  const swap = m.swapLimitKiB === null ? m.swapTotalKiB : Math.min(m.swapLimitKiB, m.swapTotalKiB);
  return m.limitKiB + Math.max(0, swap);
}

/** totalpages from a total in KiB (RAM + swap, or mem_cgroup_get_max), never 0 (constrained_alloc's `?: 1`). */
export function totalPagesOf(totalKiB: number, pageKiB = DEFAULT_PAGE_KIB): number {
  return Math.max(1, kibToPages(totalKiB, pageKiB));
}

// ------------------------------------------------------------------ the choice

/** Where a task stands in the kernel's scan. */
export interface ScanPosition {
  pid: number;
  /** Start time (clock ticks after boot); unknown counts as 0. */
  startTimeTicks?: number;
}

/**
 * The order of the kernel's scan, negative when a comes first. A system OOM walks the task
 * list (for_each_process), where fork appends: creation order, which start time and then
 * PID give (PIDs grow within a tick unless they wrap). A memcg OOM walks the memcg tree in
 * pre-order and each cgroup's tasks; the same creation order is used there, which matches
 * it within one cgroup.
 */
export function scanOrder(a: ScanPosition, b: ScanPosition): number {
  return (a.startTimeTicks ?? 0) - (b.startTimeTicks ?? 0) || a.pid - b.pid;
}

/**
 * oom_evaluate_task() made independent of the order the caller visits tasks in: negative
 * when task a (with points pa) is preferred to b. More points win; on equal points the
 * later task in scan order ('later' rules: the newest process) or the earlier one.
 */
export function compareVictims(pa: number, a: ScanPosition, pb: number, b: ScanPosition, rules: OomRules = MODERN_RULES): number {
  if (pa !== pb) return pb - pa;
  const order = scanOrder(a, b);
  return rules.ties === 'later' ? -order : order;
}

/** The task select_bad_process() would choose; null when none can be chosen (points null). */
export function selectVictim<T extends ScanPosition>(
  tasks: Iterable<T>,
  points: (t: T) => number | null,
  rules: OomRules = MODERN_RULES,
): { task: T; points: number } | null {
  let best: { task: T; points: number } | null = null;
  for (const t of tasks) {
    const p = points(t);
    if (p === null) continue;
    if (best === null || compareVictims(p, t, best.points, best.task, rules) < 0) best = { task: t, points: p };
  }
  return best;
}

// ------------------------------------------------------------------ identity

/**
 * A process's identity: a PID names a process only with its start time (the PID may be
 * reused), so "pid:start" keys rows, tags, history and the guard's skip list.
 */
export function processKey(p: { pid: number; startTimeTicks: number }): string {
  return `${p.pid}:${p.startTimeTicks}`;
}

/** The PID and start time of a key made by processKey(); null for anything else. */
export function parseProcessKey(key: string): { pid: number; startTimeTicks: number } | null {
  const m = /^(\d+):(\d+)$/.exec(key);
  if (!m) return null;
  const pid = Number(m[1]);
  const startTimeTicks = Number(m[2]);
  return Number.isSafeInteger(pid) && Number.isSafeInteger(startTimeTicks) ? { pid, startTimeTicks } : null;
}
