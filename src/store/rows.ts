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

/**
 * A parsed filter: `pid:N` (that PID only), `user:NAME` (that user's processes), then free text
 * matched against the name and the command line, ignoring case. Digits alone match the PID too,
 * so `/310` finds PID 310 and every command line containing 310.
 */
export interface Filter {
  pid: number | null;
  user: string | null;
  text: string;
}

export function parseFilter(filter: string): Filter {
  const out: Filter = { pid: null, user: null, text: '' };
  let rest = filter.trimStart();
  for (;;) {
    const m = /^(pid|user):(\S*)\s*/i.exec(rest);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'pid') out.pid = /^\d+$/.test(m[2]!) ? Number(m[2]) : -1; // -1: a PID that cannot match
    else out.user = m[2]!;
    rest = rest.slice(m[0].length);
  }
  out.text = rest.trimEnd().toLowerCase();
  return out;
}

export function matchesFilter(p: ProcessSample, filter: string | Filter): boolean {
  if (filter === '') return true;
  const f = typeof filter === 'string' ? parseFilter(filter) : filter;
  if (f.pid !== null && p.pid !== f.pid) return false;
  if (f.user !== null && f.user !== '' && p.user !== f.user && String(p.uid) !== f.user) return false;
  if (f.text === '') return true;
  if (/^\d+$/.test(f.text) && String(p.pid) === f.text) return true;
  return p.name.toLowerCase().includes(f.text) || p.cmdline.toLowerCase().includes(f.text);
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
  const parsed = parseFilter(filter);
  const rows = filter === '' && cgroup === null ? snap.processes.slice() : snap.processes.filter((p) => matchesFilter(p, parsed) && inCgroup(p, cgroup));
  if (sort === 'growth') fillGrowth(rows, history);
  rows.sort((a, b) => {
    const c = compare(a, b, sort) || a.pid - b.pid;
    return inverted ? -c : c;
  });
  return rows;
}
