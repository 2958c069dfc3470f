import React from 'react';
import { Text } from 'ink';
import { fit } from './format.js';

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

/**
 * A row as few styled spans as possible: neighbouring cells of the same colour are one
 * string, so Ink has a handful of spans per row to measure and colour, not one per cell.
 */
function spans<R>(cols: Column<R>[], ws: number[], row: R, selected: boolean): { text: string; color: string | undefined }[] {
  const out: { text: string; color: string | undefined }[] = [];
  cols.forEach((c, i) => {
    const text = fit(c.value(row), ws[i]!, c.align) + (i < cols.length - 1 ? ' ' : '');
    const color = selected ? undefined : c.color?.(row);
    const last = out[out.length - 1];
    if (last && last.color === color) last.text += text;
    else out.push({ text, color });
  });
  return out;
}

export interface TableProps<R> {
  columns: Column<R>[];
  rows: R[];
  rowKey(row: R): string;
  width: number;
  selected?: (row: R) => boolean;
  headerColor?: string;
}

/**
 * A fixed-width table: one pre-padded <Text> per row (cells are nested spans for colour),
 * rows keyed, every cell sanitized and cut with an ellipsis. Nothing wraps.
 */
export function Table<R>({ columns, rows, rowKey, width, selected, headerColor }: TableProps<R>): React.ReactElement {
  const cols = layoutColumns(columns, width);
  const ws = widths(cols, width);
  const header = cols.map((c, i) => fit(c.title, ws[i]!, c.align)).join(' ');
  return (
    <>
      <Text bold inverse={headerColor === undefined} color={headerColor} wrap="truncate">
        {fit(header, width)}
      </Text>
      {rows.map((row) => {
        const isSel = selected?.(row) ?? false;
        return (
          <Text key={rowKey(row)} inverse={isSel} wrap="truncate">
            {spans(cols, ws, row, isSel).map((sp, i) =>
              sp.color === undefined ? sp.text : <Text key={i} color={sp.color}>{sp.text}</Text>,
            )}
          </Text>
        );
      })}
    </>
  );
}
