import type { Row } from '../store/rows.js';

/** Plain-text cells shared by the TUI table and the --once table (no React here). */

/**
 * Every badge that applies, most serious first: V next victim system-wide, C next victim of its
 * cgroup, L leak suspect (steady growth), then one of R adj set by a rule (--rules; the ADJ column shows its value), N never
 * killed (adj -1000), P protected (adj < 0), E expendable (adj > 0). "" when none applies.
 */
export function badge(r: Row): string {
  const adj = r.oomScoreAdj ?? 0;
  return `${r.nextVictim ? 'V' : ''}${r.cgroupVictim ? 'C' : ''}${r.leakKiBps ? 'L' : ''}${r.rule ? 'R' : adj === -1000 ? 'N' : adj < 0 ? 'P' : adj > 0 ? 'E' : ''}`;
}

/** The badges, for help screens and --once. */
export const BADGE_LEGEND: readonly [string, string][] = [
  ['V', 'next victim of a system-wide OOM now'],
  ['C', 'next victim if its cgroup runs out'],
  ['L', 'leak suspect: RSS grows steadily (GROW/s; oomtop report over days)'],
  ['R', 'adj set by a rule (--rules)'],
  ['N', 'never killed (adj -1000)'],
  ['P', 'protected (adj < 0)'],
  ['E', 'expendable (adj > 0)'],
  ['*', 'tagged'],
];

export function fmtRisk(r: Row): string {
  if (r.oomScoreAdj === -1000 || r.pid === 1) return 'never';
  if (r.badnessPermille === null) return '?';
  return `${(r.badnessPermille / 10).toFixed(r.badnessPermille < 100 && r.badnessPermille > -100 ? 1 : 0)}%`;
}

export function fmtLimitPct(r: Row): string {
  return r.limitPct === null ? '-' : `${Math.round(r.limitPct)}%`;
}
