import React from 'react';
import { bold, inverse, paint } from './ansi.js';
import { fit } from '../text/format.js';
import { layoutColumns as layout, titleFor, type ColumnDef, type Tone } from '../text/columns.js';
import type { SortKey } from '../store/rows.js';
import { Lines } from './Lines.js';

/**
 * A column of a drawn table: the shared definition (src/text/columns.ts) and, for views that
 * colour cells themselves, a colour. Width 0 marks the flex column.
 */
export interface Column<R> extends ColumnDef<R> {
  color?(row: R): string | undefined;
}

const asDef = <R,>(c: Column<R>): Column<R> => (c.width === 0 && !c.flex ? { ...c, flex: true } : c);

/** Keep the highest-priority columns that fit in `total` cells (one space between columns). */
export function layoutColumns<R>(columns: Column<R>[], total: number): Column<R>[] {
  return layout(columns.map(asDef), total).columns as Column<R>[];
}

type ToneColor = (t: Tone | undefined) => string | undefined;

/** One row as a string: cells fitted, neighbouring cells of one colour in one SGR span. */
function rowText<R>(cols: Column<R>[], ws: number[], row: R, selected: boolean, toneColor: ToneColor): string {
  let out = '';
  let span = '';
  let spanColor: string | undefined;
  const push = (text: string, color: string | undefined) => {
    if (color !== spanColor) {
      out += paint(span, spanColor);
      span = '';
      spanColor = color;
    }
    span += text;
  };
  cols.forEach((c, i) => {
    const sep = i < cols.length - 1 ? ' ' : '';
    if (c.segments) {
      for (const s of c.segments(row, ws[i]!)) {
        const color = selected ? undefined : toneColor(s.tone);
        if (s.bold) {
          out += paint(span, spanColor);
          span = '';
          out += bold(paint(s.text, color));
        } else push(s.text, color);
      }
      push(sep, spanColor);
      return;
    }
    const text = fit(c.value(row), ws[i]!, c.align) + sep;
    const color = selected ? undefined : (c.color?.(row) ?? toneColor(c.tone?.(row)));
    push(text, color);
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
  /** Colours for the columns' tones (the theme's); none by default. */
  toneColor?: ToneColor;
  /** The sort in force, for the indicator on its column's title. */
  sort?: { key: SortKey; inverted: boolean };
}

/**
 * A fixed-width table: rows of pre-padded cells, every cell sanitized and cut with an
 * ellipsis, colours as SGR spans, the whole body one <Text>. Nothing wraps.
 */
export function Table<R>({ columns, rows, width, selected, headerColor, toneColor = () => undefined, sort }: TableProps<R>): React.ReactElement {
  const laid = layout(columns.map(asDef), width);
  const cols = laid.columns as Column<R>[];
  const ws = laid.widths;
  const header = cols.map((c, i) => fit(titleFor(c, sort?.key ?? null, sort?.inverted ?? false), ws[i]!, c.align)).join(' ');
  // The body is one block of pre-styled lines: a handful of React and layout nodes per
  // frame instead of one per cell, and nothing new in Ink's measure cache (see Lines).
  const body = rows.map((row) => rowText(cols, ws, row, selected?.(row) ?? false, toneColor));
  // The header bar spans the whole width: its padding sits inside the inverse span.
  const head = headerColor === undefined ? inverse(bold(fit(header, width))) : bold(paint(fit(header, width), headerColor));
  return <Lines lines={[head, ...body]} width={width} />;
}
