import React from 'react';
import { bold, inverse, paint } from './ansi.js';
import { fit } from '../text/format.js';
import { Lines } from './Lines.js';

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

function widths<R>(columns: Column<R>[], total: number): number[] {
  const fixed = columns.reduce((n, c) => n + c.width, 0) + columns.length - 1;
  return columns.map((c) => (c.width === 0 ? Math.max(1, total - fixed) : c.width));
}

/** One row as a string: cells fitted, neighbouring cells of one colour in one SGR span. */
function rowText<R>(cols: Column<R>[], ws: number[], row: R, selected: boolean): string {
  let out = '';
  let span = '';
  let spanColor: string | undefined;
  cols.forEach((c, i) => {
    const text = fit(c.value(row), ws[i]!, c.align) + (i < cols.length - 1 ? ' ' : '');
    const color = selected ? undefined : c.color?.(row);
    if (color !== spanColor) {
      out += paint(span, spanColor);
      span = '';
      spanColor = color;
    }
    span += text;
  });
  out += paint(span, spanColor);
  return selected ? inverse(out) : out;
}

export interface TableProps<R> {
  columns: Column<R>[];
  rows: R[];
  width: number;
  selected?: (row: R) => boolean;
  headerColor?: string;
}

/**
 * A fixed-width table: rows of pre-padded cells, every cell sanitized and cut with an
 * ellipsis, colours as SGR spans, the whole body one <Text>. Nothing wraps.
 */
export function Table<R>({ columns, rows, width, selected, headerColor }: TableProps<R>): React.ReactElement {
  const cols = layoutColumns(columns, width);
  const ws = widths(cols, width);
  const header = cols.map((c, i) => fit(c.title, ws[i]!, c.align)).join(' ');
  // The body is one block of pre-styled lines: a handful of React and layout nodes per
  // frame instead of one per cell, and nothing new in Ink's measure cache (see Lines).
  const body = rows.map((row) => rowText(cols, ws, row, selected?.(row) ?? false));
  // The header bar spans the whole width: its padding sits inside the inverse span.
  const head = headerColor === undefined ? inverse(bold(fit(header, width))) : bold(paint(fit(header, width), headerColor));
  return <Lines lines={[head, ...body]} width={width} />;
}
