import type { ProcessSample, Snapshot } from '../sampler/types.js';
import { processKey, slopePerSecond, type ProcessHistory } from './history.js';

export type SortKey = 'risk' | 'rss' | 'adj' | 'growth' | 'pid' | 'name';
export const SORT_KEYS: readonly SortKey[] = ['risk', 'rss', 'adj', 'growth', 'pid', 'name'];

export interface Row extends ProcessSample {
  key: string;
  /** RSS slope over the recent history, KiB/s (null until there are 3 samples). */
  growthKiBps: number | null;
  nextVictim: boolean;
}

function compare(a: Row, b: Row, sort: SortKey): number {
  switch (sort) {
    case 'risk':
      // Combined danger (cgroup headroom included), then the kernel's own score.
      return b.danger - a.danger || b.oomScore - a.oomScore || b.rssKiB - a.rssKiB;
    case 'rss':
      return b.rssKiB - a.rssKiB;
    case 'adj':
      return (b.oomScoreAdj ?? 0) - (a.oomScoreAdj ?? 0) || b.oomScore - a.oomScore;
    case 'growth':
      return (b.growthKiBps ?? -Infinity) - (a.growthKiBps ?? -Infinity) || b.rssKiB - a.rssKiB;
    case 'pid':
      return a.pid - b.pid;
    case 'name':
      return a.name.localeCompare(b.name) || a.pid - b.pid;
  }
}

/** A filter of digits alone means that PID; anything else matches name or command line, ignoring case. */
export function matchesFilter(p: ProcessSample, filter: string): boolean {
  if (filter === '') return true;
  if (/^\d+$/.test(filter)) return String(p.pid) === filter;
  const f = filter.toLowerCase();
  return p.name.toLowerCase().includes(f) || p.cmdline.toLowerCase().includes(f);
}

/** In this memory cgroup or below it. */
export function inCgroup(p: ProcessSample, cgroup: string | null): boolean {
  if (cgroup === null) return true;
  if (p.cgroup === null) return false;
  return cgroup === '/' || p.cgroup === cgroup || p.cgroup.startsWith(`${cgroup}/`);
}

/** The table's rows: filtered, with growth and the next-victim mark, sorted (ties by PID). */
export function buildRows(
  snap: Snapshot | null,
  history: ReadonlyMap<string, ProcessHistory>,
  sort: SortKey,
  inverted: boolean,
  filter: string,
  cgroup: string | null = null,
): Row[] {
  if (!snap) return [];
  const rows: Row[] = [];
  for (const p of snap.processes) {
    if (!matchesFilter(p, filter) || !inCgroup(p, cgroup)) continue;
    const key = processKey(p.pid, p.startTimeTicks);
    const h = history.get(key);
    rows.push({ ...p, key, growthKiBps: h ? slopePerSecond(h.rssKiB) : null, nextVictim: p.pid === snap.nextVictimPid });
  }
  rows.sort((a, b) => {
    const c = compare(a, b, sort) || a.pid - b.pid;
    return inverted ? -c : c;
  });
  return rows;
}
