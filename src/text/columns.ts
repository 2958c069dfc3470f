/**
 * Table columns as plain data, with no React: the process table's column definitions and
 * the layout rules that both the TUI table (src/ui/Table.tsx, ProcessTable.tsx) and the
 * `--once` table (src/cli/once.ts) render through, so the two cannot drift apart.
 */
import type { Row } from '../store/rows.js';
import type { LogSeverity } from '../store/events.js';
import { badge, fmtLimitPct, fmtRisk } from './cells.js';
import { fit, fmtRate } from './format.js';
import { fmtKiB } from './size.js';

export interface Column<R> {
  key: string;
  title: string;
  /** Fixed width in cells; the one column with width 0 takes the remaining space. */
  width: number;
  align?: 'left' | 'right';
  value(row: R): string;
  color?(row: R): string | undefined;
  /** Lower drops first when the terminal is narrow; Infinity never drops. */
  priority: number;
}

/** Keep the highest-priority columns that fit in `total` cells (one space between columns). */
export function layoutColumns<R>(columns: Column<R>[], total: number, minFlex = 10): Column<R>[] {
  const kept = [...columns];
  const need = (cols: Column<R>[]) => cols.reduce((n, c) => n + c.width, 0) + cols.length - 1 + (cols.some((c) => c.width === 0) ? minFlex : 0);
  while (need(kept) > total) {
    let drop = -1;
    for (let i = 0; i < kept.length; i++) {
      if (kept[i]!.priority === Infinity) continue;
      if (drop < 0 || kept[i]!.priority < kept[drop]!.priority) drop = i;
    }
    if (drop < 0) break;
    kept.splice(drop, 1);
  }
  return kept;
}

/** The width of each column in `total` cells: the flexible one gets what the others leave. */
export function columnWidths<R>(columns: Column<R>[], total: number): number[] {
  const fixed = columns.reduce((n, c) => n + c.width, 0) + columns.length - 1;
  return columns.map((c) => (c.width === 0 ? Math.max(1, total - fixed) : c.width));
}

/** What the process columns need from a theme (src/ui/theme.ts's Theme has it). */
export interface ColumnTheme {
  color: boolean;
  severity(s: LogSeverity): string | undefined;
}

/** No colours: the `--once` table. */
export const PLAIN: ColumnTheme = { color: false, severity: () => undefined };

export function processColumns(theme: ColumnTheme, tagged: ReadonlySet<string>): Column<Row>[] {
  const badgeColor = (r: Row) => {
    if (!theme.color) return undefined;
    const b = badge(r);
    return b === 'V' || b === 'C' ? 'red' : b === 'N' ? 'cyan' : b === 'R' ? 'magenta' : b === 'P' ? 'green' : b === 'E' ? 'yellow' : undefined;
  };
  return [
    { key: 'flag', title: '', width: 2, priority: Infinity, value: (r) => `${tagged.has(r.key) ? '*' : ' '}${badge(r)}`, color: badgeColor },
    { key: 'pid', title: 'PID', width: 7, align: 'right', priority: Infinity, value: (r) => String(r.pid) },
    { key: 'user', title: 'USER', width: 8, priority: 3, value: (r) => r.user },
    { key: 'score', title: 'SCORE', width: 5, align: 'right', priority: 8, value: (r) => String(r.oomScore), color: (r) => (r.nextVictim ? theme.severity('bad') : undefined) },
    { key: 'adj', title: 'ADJ', width: 5, align: 'right', priority: 6, value: (r) => (r.oomScoreAdj === null ? '?' : String(r.oomScoreAdj)), color: badgeColor },
    { key: 'risk', title: 'RISK', width: 6, align: 'right', priority: 9, value: fmtRisk },
    { key: 'rss', title: 'RSS', width: 6, align: 'right', priority: 7, value: (r) => fmtKiB(r.rssKiB) },
    { key: 'anon', title: 'ANON', width: 6, align: 'right', priority: 1, value: (r) => fmtKiB(r.anonKiB) },
    { key: 'swap', title: 'SWAP', width: 6, align: 'right', priority: 4, value: (r) => fmtKiB(r.swapKiB) },
    { key: 'growth', title: 'GROWTH', width: 8, align: 'right', priority: 5, value: (r) => fmtRate(r.growthKiBps), color: (r) => ((r.growthKiBps ?? 0) > 1024 ? theme.severity('warn') : undefined) },
    {
      key: 'limit',
      title: '%LIM',
      width: 5,
      align: 'right',
      priority: 7.5,
      value: fmtLimitPct,
      color: (r) => (r.limitPct === null ? undefined : r.limitPct >= 90 ? theme.severity('bad') : r.limitPct >= 75 ? theme.severity('warn') : undefined),
    },
    { key: 'cgroup', title: 'CGROUP', width: 18, priority: 2, value: (r) => r.container ?? r.cgroup ?? '-' },
    { key: 'cmd', title: 'COMMAND', width: 0, priority: Infinity, value: (r) => (r.cmdline ? r.cmdline : `[${r.name}]`) },
  ];
}

/**
 * A plain-text table (no colours, no dropping): the header and one line per row, every
 * cell fitted to its column exactly as the TUI fits it, trailing blanks cut. The
 * flexible column gets `flexWidth` cells.
 */
export function plainTable<R>(columns: Column<R>[], rows: R[], flexWidth: number): string[] {
  const ws = columns.map((c) => (c.width === 0 ? flexWidth : c.width));
  const line = (cells: string[]) => cells.join(' ').trimEnd();
  return [line(columns.map((c, i) => fit(c.title, ws[i]!, c.align))), ...rows.map((r) => line(columns.map((c, i) => fit(c.value(r), ws[i]!, c.align))))];
}
