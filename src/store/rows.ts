import type { ProcessSample, Snapshot } from '../sampler/types.js';
import { slopePerSecond, type HistoryLookup } from './history.js';

export type SortKey = 'risk' | 'rss' | 'adj' | 'growth' | 'pid' | 'name';
export const SORT_KEYS: readonly SortKey[] = ['risk', 'rss', 'adj', 'growth', 'pid', 'name'];

/** A table row is the sample itself (no copy per tick). */
export type Row = ProcessSample;

/** Fill growthKiBps (RSS slope over the recent history) for these rows. */
export function fillGrowth(rows: Iterable<Row>, history: HistoryLookup): void {
  for (const r of rows) {
    const h = history.get(r.key);
    r.growthKiBps = h ? slopePerSecond(h.rssKiB) : null;
  }
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

/** A filter of digits alone means that PID; anything else matches name, command line or container name, ignoring case. */
export function matchesFilter(p: ProcessSample, filter: string): boolean {
  if (filter === '') return true;
  if (/^\d+$/.test(filter)) return String(p.pid) === filter;
  const f = filter.toLowerCase();
  return p.name.toLowerCase().includes(f) || p.cmdline.toLowerCase().includes(f) || (p.container?.toLowerCase().includes(f) ?? false);
}

/** In this memory cgroup or below it. */
export function inCgroup(p: ProcessSample, cgroup: string | null): boolean {
  if (cgroup === null) return true;
  if (p.cgroup === null) return false;
  return cgroup === '/' || p.cgroup === cgroup || p.cgroup.startsWith(`${cgroup}/`);
}

/** The table's rows: filtered and sorted (ties by PID); growth is filled only when sorting by it. */
export function buildRows(
  snap: Snapshot | null,
  history: HistoryLookup,
  sort: SortKey,
  inverted: boolean,
  filter: string,
  cgroup: string | null = null,
): Row[] {
  if (!snap) return [];
  const rows = filter === '' && cgroup === null ? snap.processes.slice() : snap.processes.filter((p) => matchesFilter(p, filter) && inCgroup(p, cgroup));
  if (sort === 'growth') fillGrowth(rows, history);
  rows.sort((a, b) => {
    const c = compare(a, b, sort) || a.pid - b.pid;
    return inverted ? -c : c;
  });
  return rows;
}
