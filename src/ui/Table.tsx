import React from 'react';
import { bold, inverse, paint } from './ansi.js';
import { fit } from '../text/format.js';
import { columnWidths as widths, layoutColumns, type Column } from '../text/columns.js';
import { Lines } from './Lines.js';

// The column definitions and their layout are plain data, shared with the --once table.
export { layoutColumns, type Column } from '../text/columns.js';

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
