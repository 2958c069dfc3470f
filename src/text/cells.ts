import type { Row } from '../store/rows.js';

/** Plain-text cells shared by the TUI table and the --once table (no React here). */

/** V next victim, C next victim of its cgroup, R adj set by a rule (--rules), N never killed (adj -1000), P protected (adj < 0), E expendable (adj > 0). */
export function badge(r: Row): string {
  if (r.nextVictim) return 'V';
  if (r.cgroupVictim) return 'C';
  if (r.rule) return 'R';
  if (r.oomScoreAdj === -1000) return 'N';
  if ((r.oomScoreAdj ?? 0) < 0) return 'P';
  if ((r.oomScoreAdj ?? 0) > 0) return 'E';
  return ' ';
}

export function fmtRisk(r: Row): string {
  if (r.oomScoreAdj === -1000 || r.pid === 1) return 'never';
  if (r.badnessPermille === null) return '?';
  return `${(r.badnessPermille / 10).toFixed(r.badnessPermille < 100 && r.badnessPermille > -100 ? 1 : 0)}%`;
}

export function fmtLimitPct(r: Row): string {
  return r.limitPct === null ? '-' : `${Math.round(r.limitPct)}%`;
}
