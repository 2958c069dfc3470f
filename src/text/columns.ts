import type { LogSeverity } from '../store/events.js';
import type { Row, SortKey } from '../store/rows.js';
import { badge, fmtLimitPct, fmtRisk } from './cells.js';
import { fit, width as cellWidth } from './format.js';
import { fmtKiB } from './size.js';
import { sanitize } from './sanitize.js';

/**
 * The process table's columns, shared by the TUI and `--once` (no React here): what each
 * column shows, how wide it may be, which drops first, and how the space is shared out.
 */

/** How a piece of a cell is drawn; views map tones to colours (or to nothing under NO_COLOR). */
export type Tone = LogSeverity | 'accent' | 'dim' | 'never';

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

export interface ColumnDef<R> {
  key: string;
  title: string;
  /** Minimum width in cells. The flex column's minimum is set by the layout (flexMin). */
  width: number;
  /** Grows up to this many cells when the terminal has room (default: fixed at `width`). */
  max?: number;
  /** The one column that takes the space left over (COMMAND). */
  flex?: boolean;
  align?: 'left' | 'right';
  /** Lower drops first when the terminal is narrow; Infinity never drops. */
  priority: number;
  /** The sort this column shows, for the indicator in its title. */
  sort?: SortKey;
  value(row: R): string;
  tone?(row: R): Tone | undefined;
  /** A cell of several styled pieces, fitted to `cells` (COMMAND: the name highlighted). */
  segments?(row: R, cells: number): Segment[];
}

export interface LaidOut<R> {
  columns: ColumnDef<R>[];
  widths: number[];
}

/**
 * The flex column (COMMAND) keeps at least this many cells: other columns drop before it
 * shrinks below it, so the process name stays readable at 80 columns.
 */
export function flexMin(total: number): number {
  return Math.max(16, Math.min(40, Math.floor(total * 0.4)));
}

/**
 * Keep the highest-priority columns that fit in `total` cells (one space between columns), then
 * share out what is left: the growing columns (CGROUP, USER) get a part each up to their
 * maximum, the flex column all the rest.
 */
export function layoutColumns<R>(columns: readonly ColumnDef<R>[], total: number, minFlex = flexMin(total)): LaidOut<R> {
  const kept = [...columns];
  const need = (cols: ColumnDef<R>[]) => cols.reduce((n, c) => n + (c.flex ? minFlex : c.width), 0) + cols.length - 1;
  while (need(kept) > total) {
    let drop = -1;
    for (let i = 0; i < kept.length; i++) {
      if (kept[i]!.priority === Infinity) continue;
      if (drop < 0 || kept[i]!.priority < kept[drop]!.priority) drop = i;
    }
    if (drop < 0) break;
    kept.splice(drop, 1);
  }
  const widths = kept.map((c) => (c.flex ? 0 : c.width));
  let left = Math.max(0, total - need(kept));
  const growing = kept.map((c, i) => i).filter((i) => (kept[i]!.max ?? kept[i]!.width) > kept[i]!.width);
  const hasFlex = kept.some((c) => c.flex);
  if (growing.length > 0) {
    // Without a flex column everything left goes to the growing ones.
    const share = Math.floor(left / (growing.length + (hasFlex ? 2 : 0)));
    for (const i of growing) {
      const add = Math.min(kept[i]!.max! - kept[i]!.width, share);
      widths[i]! += add;
      left -= add;
    }
  }
  kept.forEach((c, i) => {
    if (c.flex) widths[i] = minFlex + left;
  });
  return { columns: kept, widths };
}

/** Whether the rows run smallest first: PID and name sort ascending, the rest largest first; I inverts. */
export function sortsAscending(sort: SortKey, inverted: boolean): boolean {
  return (sort === 'pid' || sort === 'name') !== inverted;
}

/** The title with the sort indicator: ▲ smallest first, ▼ largest first (the header's ↑ ↓ agree). */
export function titleFor<R>(c: ColumnDef<R>, sort: SortKey | null, inverted: boolean): string {
  if (!c.sort || c.sort !== sort) return c.title;
  return `${c.title}${sortsAscending(sort, inverted) ? '▲' : '▼'}`;
}

/** Fit styled pieces to exactly `cells` cells: sanitized, cut with one ellipsis, padded. */
export function fitSegments(segs: readonly Segment[], cells: number): Segment[] {
  if (cells <= 0) return [];
  const clean = segs.map((s) => ({ ...s, text: sanitize(s.text) })).filter((s) => s.text !== '');
  const total = clean.reduce((n, s) => n + cellWidth(s.text), 0);
  if (total <= cells) return total < cells ? [...clean, { text: ' '.repeat(cells - total) }] : clean;
  const out: Segment[] = [];
  let used = 0;
  for (const s of clean) {
    const w = cellWidth(s.text);
    if (used + w <= cells - 1) {
      out.push(s);
      used += w;
      continue;
    }
    // The piece that does not fit: cut it, with the ellipsis (the trailing space forces the cut
    // when it would end exactly at the edge with more to come).
    out.push({ ...s, text: fit(`${s.text} `, cells - used) });
    break;
  }
  return out;
}

/** What COMMAND shows of a process: the program's directory, its name, its arguments. */
export interface CommandParts {
  /** The directory of argv[0] with its trailing slash, or "". */
  path: string;
  /** The program name: the basename of argv[0], or comm when argv[0] does not name it. */
  name: string;
  /** The rest of the command line (for a comm that argv[0] does not name: all of it). */
  args: string;
}

/**
 * Split a process's command line for display. `comm` is the kernel's name (at most 15 bytes);
 * the command line is argv joined by spaces, "" for a zombie or a process without one. The
 * basename of argv[0] is the name when comm agrees with it (comm may be cut at 15 bytes, and
 * programs that rewrite argv, like "postgres: checkpointer", keep comm as a prefix); otherwise
 * (a script run through its interpreter: comm "mydaemon", argv "/bin/sh /opt/mydaemon") comm
 * is the name and the whole command line follows it.
 */
export function commandParts(comm: string, cmdline: string): CommandParts {
  if (cmdline === '') return { path: '', name: `[${comm}]`, args: '' };
  const sp = cmdline.indexOf(' ');
  const argv0 = sp < 0 ? cmdline : cmdline.slice(0, sp);
  const args = sp < 0 ? '' : cmdline.slice(sp + 1);
  const slash = argv0.lastIndexOf('/');
  const base = argv0.slice(slash + 1);
  if (base !== '' && (comm === '' || base.startsWith(comm) || comm.startsWith(base))) {
    return { path: argv0.slice(0, slash + 1), name: base, args };
  }
  return { path: '', name: comm, args: cmdline };
}

/** The name COMMAND shows first (what the name sort orders by). */
export function displayName(p: { pid: number; name: string; cmdline: string }, selfPid: number = process.pid): string {
  return p.pid === selfPid ? 'oomtop' : commandParts(p.name, p.cmdline).name;
}

/**
 * COMMAND's pieces for `cells` cells: the tree prefix, then the name (bold) and the
 * arguments; the program's directory (dimmed) only when the whole line fits, so the name is
 * never what gets cut. oomtop's own row says so.
 */
export function commandSegments(p: { pid: number; name: string; cmdline: string }, cells: number, opts: { selfPid?: number; prefix?: string } = {}): Segment[] {
  const pre: Segment[] = opts.prefix ? [{ text: opts.prefix, tone: 'dim' }] : [];
  if (p.pid === (opts.selfPid ?? process.pid)) {
    return fitSegments([...pre, { text: 'oomtop', bold: true }, { text: ' (this monitor) ', tone: 'accent' }, { text: p.cmdline || `[${p.name}]`, tone: 'dim' }], cells);
  }
  const c = commandParts(p.name, p.cmdline);
  const rest = c.args ? ` ${c.args}` : '';
  const full = cellWidth(sanitize(`${opts.prefix ?? ''}${c.path}${c.name}${rest}`));
  const withPath = c.path !== '' && full <= cells;
  return fitSegments([...pre, ...(withPath ? [{ text: c.path, tone: 'dim' as const }] : []), { text: c.name, bold: true }, { text: rest }], cells);
}

/** COMMAND as one plain string, whole (path included): what the segments cut to fit. */
export function commandText(p: { pid: number; name: string; cmdline: string }, opts: { selfPid?: number; prefix?: string } = {}): string {
  const pre = opts.prefix ?? '';
  if (p.pid === (opts.selfPid ?? process.pid)) return `${pre}oomtop (this monitor) ${p.cmdline || `[${p.name}]`}`;
  const c = commandParts(p.name, p.cmdline);
  return `${pre}${c.path}${c.name}${c.args ? ` ${c.args}` : ''}`;
}

/** The badge cell's tone: by its most serious letter. */
function badgeTone(r: Row): Tone | undefined {
  const b = badge(r);
  if (b.includes('V') || b.includes('C') || b.includes('L')) return 'bad';
  if (b.includes('R')) return 'accent';
  if (b.includes('N')) return 'never';
  if (b.includes('P')) return 'good';
  if (b.includes('E')) return 'warn';
  return undefined;
}

/** The window of the growth slope, in samples (store/history slopePerSecond). */
export const GROWTH_WINDOW = 10;

/** Growth per second, for the GROW/s column (the unit is in the title). */
export function fmtGrowth(kibPerSec: number | null): string {
  if (kibPerSec === null) return '-';
  if (Math.abs(kibPerSec) < 1) return '0';
  return `${kibPerSec > 0 ? '+' : ''}${fmtKiB(kibPerSec)}`;
}

export interface ProcessColumnsOptions {
  tagged?: ReadonlySet<string>;
  selfPid?: number;
  /** Tree view: the prefix drawn before each process's name. */
  treePrefix?: ReadonlyMap<string, string> | null;
  /**
   * A leak suspect (badge L) is among the rows: GROW/s then outranks ADJ, so the slope shows
   * on the leaking row at 80 columns (the badge still says P or E for a set oom_score_adj).
   */
  leaking?: boolean;
}

/** GROW/s's priority: below ADJ (6) normally, above it when a leak suspect is listed. */
export const GROWTH_PRIORITY = { normal: 5, leaking: 6.5 } as const;

/** The process table's columns, in screen order. */
export function processColumns(opts: ProcessColumnsOptions = {}): ColumnDef<Row>[] {
  const tagged = opts.tagged ?? new Set<string>();
  const selfPid = opts.selfPid ?? process.pid;
  const self = (r: Row): Tone | undefined => (r.pid === selfPid ? 'dim' : undefined);
  return [
    { key: 'flag', title: '', width: 4, priority: Infinity, value: (r) => `${tagged.has(r.key) ? '*' : ' '}${badge(r)}`, tone: badgeTone },
    { key: 'pid', title: 'PID', width: 7, align: 'right', priority: Infinity, sort: 'pid', value: (r) => String(r.pid), tone: self },
    { key: 'user', title: 'USER', width: 8, priority: 3, value: (r) => r.user, tone: self },
    { key: 'score', title: 'SCORE', width: 5, align: 'right', priority: 8, value: (r) => String(r.oomScore), tone: (r) => (r.nextVictim ? 'bad' : self(r)) },
    { key: 'adj', title: 'ADJ', width: 5, align: 'right', priority: 6, sort: 'adj', value: (r) => (r.oomScoreAdj === null ? '?' : String(r.oomScoreAdj)), tone: badgeTone },
    { key: 'risk', title: 'RISK', width: 6, align: 'right', priority: 9, sort: 'risk', value: fmtRisk, tone: self },
    { key: 'rss', title: 'RSS', width: 6, align: 'right', priority: 7, sort: 'rss', value: (r) => fmtKiB(r.rssKiB), tone: self },
    { key: 'anon', title: 'ANON', width: 6, align: 'right', priority: 1, value: (r) => fmtKiB(r.anonKiB), tone: self },
    { key: 'swap', title: 'SWAP', width: 6, align: 'right', priority: 4, value: (r) => fmtKiB(r.swapKiB), tone: self },
    { key: 'growth', title: 'GROW/s', width: 7, align: 'right', priority: opts.leaking ? GROWTH_PRIORITY.leaking : GROWTH_PRIORITY.normal, sort: 'growth', value: (r) => fmtGrowth(r.growthKiBps), tone: (r) => (r.leakKiBps ? 'bad' : (r.growthKiBps ?? 0) > 1024 ? 'warn' : self(r)) },
    {
      key: 'limit',
      title: '%LIM',
      width: 5,
      align: 'right',
      priority: 7.5,
      value: fmtLimitPct,
      tone: (r) => (r.limitPct === null ? self(r) : r.limitPct >= 90 ? 'bad' : r.limitPct >= 75 ? 'warn' : self(r)),
    },
    { key: 'cgroup', title: 'CGROUP', width: 18, max: 48, priority: 2, value: (r) => r.container ?? r.cgroup ?? '-', tone: self },
    {
      key: 'cmd',
      title: 'COMMAND',
      width: 0,
      flex: true,
      priority: Infinity,
      sort: 'name',
      value: (r) => commandText(r, { selfPid, prefix: opts.treePrefix?.get(r.key) }),
      segments: (r, cells) => commandSegments(r, cells, { selfPid, prefix: opts.treePrefix?.get(r.key) }),
    },
  ];
}

/** One plain-text line of a laid-out table (no styles): for `--once`. */
export function plainRow<R>(laid: LaidOut<R>, row: R): string {
  return laid.columns
    .map((c, i) => (c.segments ? c.segments(row, laid.widths[i]!).map((s) => s.text).join('') : fit(c.value(row), laid.widths[i]!, c.align)))
    .join(' ')
    .trimEnd();
}

export function plainHeader<R>(laid: LaidOut<R>, sort: SortKey | null = null, inverted = false): string {
  return laid.columns.map((c, i) => fit(titleFor(c, sort, inverted), laid.widths[i]!, c.align)).join(' ').trimEnd();
}
