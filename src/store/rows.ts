import type { ProcessSample, Snapshot } from '../sampler/types.js';
import { displayName, GROWTH_WINDOW } from '../text/columns.js';
import { compareText } from '../text/compare.js';
import { slopePerSecond, type HistoryLookup } from './history.js';

export type SortKey = 'risk' | 'rss' | 'adj' | 'growth' | 'pid' | 'name';
export const SORT_KEYS: readonly SortKey[] = ['risk', 'rss', 'adj', 'growth', 'pid', 'name'];

/** A table row is the sample itself (no copy per tick). */
export type Row = ProcessSample;

/** Fill growthKiBps (RSS slope over the recent history) for these rows. */
export function fillGrowth(rows: Iterable<Row>, history: HistoryLookup): void {
  for (const r of rows) {
    const h = history.get(r.key);
    r.growthKiBps = h ? slopePerSecond(h.rssKiB, GROWTH_WINDOW) : null;
  }
}

function compare(a: Row, b: Row, sort: SortKey, names?: Map<Row, string>): number {
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
      // What COMMAND shows first (the basename of argv[0], or comm), not comm alone.
      return compareText(names?.get(a) ?? displayName(a), names?.get(b) ?? displayName(b)) || a.pid - b.pid;
  }
}

/**
 * A parsed filter: `pid:N` (that PID only), `user:NAME` (that user's processes), then free text
 * matched against the name, the command line and the container's name, ignoring case. Digits alone match the PID too,
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
  return p.name.toLowerCase().includes(f.text) || p.cmdline.toLowerCase().includes(f.text) || (p.container?.toLowerCase().includes(f.text) ?? false);
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
  const names = sort === 'name' ? new Map(rows.map((r) => [r, displayName(r)])) : undefined;
  rows.sort((a, b) => {
    const c = compare(a, b, sort, names) || a.pid - b.pid;
    return inverted ? -c : c;
  });
  return rows;
}

/**
 * The tree view: `rows` (already filtered and sorted) as a process tree, each process under its
 * nearest ancestor that is also shown, siblings in the sort order. `all` (the whole snapshot)
 * links a process to its ancestors through parents that are filtered out. Returns the rows in
 * tree order and the prefix to draw before each name ("├─ ", "│  └─ ").
 */
export function treeRows(rows: readonly Row[], all: readonly ProcessSample[]): { rows: Row[]; prefix: Map<string, string> } {
  const ppidOf = new Map(all.map((p) => [p.pid, p.ppid]));
  const shown = new Map(rows.map((r) => [r.pid, r]));
  const children = new Map<number, Row[]>();
  const roots: Row[] = [];
  for (const r of rows) {
    let parent = r.ppid;
    const seen = new Set<number>([r.pid]);
    // Walk up through the parents that are not shown (and never round a loop of reused PIDs).
    while (parent > 0 && !shown.has(parent) && !seen.has(parent)) {
      seen.add(parent);
      parent = ppidOf.get(parent) ?? 0;
    }
    if (parent > 0 && shown.has(parent) && !seen.has(parent)) {
      const list = children.get(parent);
      if (list) list.push(r);
      else children.set(parent, [r]);
    } else roots.push(r);
  }
  const out: Row[] = [];
  const prefix = new Map<string, string>();
  const placed = new Set<number>();
  const walk = (r: Row, lead: string, branch: string) => {
    if (placed.has(r.pid)) return;
    placed.add(r.pid);
    out.push(r);
    if (branch) prefix.set(r.key, branch);
    const kids = children.get(r.pid) ?? [];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      walk(k, lead + (last ? '   ' : '│  '), lead + (last ? '└─ ' : '├─ '));
    });
  };
  for (const r of roots) walk(r, '', '');
  // Anything left (a loop of parents) goes at the end, flat.
  for (const r of rows) if (!placed.has(r.pid)) out.push(r);
  return { rows: out, prefix };
}
