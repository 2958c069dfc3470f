import React from 'react';
import type { StatusLine, ViewState } from '../store/store.js';
import { fit } from '../text/format.js';
import { layoutSegments, styled, wrap, type Segment } from '../text/layout.js';
import { background, bold, paint } from './ansi.js';
import { Lines } from './Lines.js';
import type { Theme } from './theme.js';

/** A status message shows this long (ms), then the keys come back. */
export const STATUS_MS = 8000;
/** A long status message wraps onto at most this many lines while it shows. */
export const STATUS_LINES = 3;

export interface FooterProps {
  view: ViewState;
  status: StatusLine | null;
  readOnly: boolean;
  /** Rows shown (after the filter), for the filter prompt. */
  matches: number;
  width: number;
  theme: Theme;
  now: number;
  /** Lines the screen can spare for a message with a fix (it takes more than three if it must). */
  maxLines?: number;
}

/**
 * A status message wrapped to the width: up to three lines; an error's fix ("— fix: …") is
 * never cut: the explanation before it is shortened instead, and the fix may take up to
 * `maxLines` lines in all. The whole text stays in the event log.
 */
export function statusLines(text: string, width: number, maxLines: number): string[] {
  const at = text.indexOf(' — fix: ');
  if (at < 0) return wrap(text, width, { indent: '  ', maxLines: Math.min(STATUS_LINES, maxLines) });
  const fix = wrap(text.slice(at + 3), width - 2, { maxLines }).map((l) => `  ${l}`);
  const room = Math.max(1, Math.max(STATUS_LINES, Math.min(maxLines, fix.length + 1)) - fix.length);
  const msg = wrap(text.slice(0, at), width, { indent: '  ', maxLines: room });
  return [...msg, ...fix].slice(0, Math.max(1, maxLines));
}

/** htop's function-key bar, then letter keys while there is room; no action keys in --read-only. */
export function keyBar(readOnly: boolean, width: number, theme: Theme): string {
  const fkey = (key: string, label: string, priority: number): Segment => ({
    // A space after every label, so that without colour (NO_COLOR) F3Search F4Filter stay apart.
    variants: [`${key}${label.padEnd(Math.max(6, label.length + 1))}`, `${key}${label} `, `${key}${label}`],
    priority,
    style: (t) => t.slice(0, key.length) + background(t.slice(key.length), theme.color ? 'cyan' : undefined),
  });
  const letter = (key: string, label: string, priority: number): Segment => ({
    variants: [` ${key} ${label}`],
    priority,
    style: (t) => ` ${bold(t.slice(1, key.length + 1))}${paint(t.slice(key.length + 1), theme.dim)}`,
  });
  const segs: Segment[] = [
    fkey('F1', 'Help', 0),
    fkey('F3', 'Search', 3),
    fkey('F4', 'Filter', 1),
    fkey('F5', 'Tree', 4),
    fkey('F6', 'SortBy', 2),
    ...(readOnly ? [] : [fkey('F7', 'Adj -', 3), fkey('F8', 'Adj +', 3), fkey('F9', 'Kill', 1)]),
    fkey('F10', 'Quit', 0),
    ...(readOnly
      ? [letter('c', 'cgroups', 5), letter('e', 'events', 5)]
      : [letter('p', 'protect', 5), letter('x', 'expendable', 6), letter('c', 'cgroups', 6), letter('e', 'events', 6), letter('g', 'guard', 6)]),
  ];
  return styled(layoutSegments(segs, width, 0), width);
}

/**
 * The footer's lines: the filter or search prompt while typing; else a fresh status message,
 * wrapped onto up to three lines so that an error's fix stays readable; else the keys.
 */
export function footerLines({ view, status, readOnly, matches, width, theme, now, maxLines = STATUS_LINES + 2 }: FooterProps): string[] {
  if (view.filterDraft !== null) {
    const hint = `  ${matches} shown · Enter keeps · Esc clears`;
    return [bold(fit(`Filter: ${view.filterDraft}█${hint}`, width))];
  }
  if (view.search !== null) {
    return [bold(fit(`Search: ${view.search}█  F3 next · Enter/Esc done`, width))];
  }
  if (status && now - status.time < STATUS_MS) {
    const color = theme.severity(status.severity);
    return statusLines(status.text, width, maxLines).map((l) => bold(paint(fit(l, width), color)));
  }
  return [keyBar(readOnly, width, theme)];
}

export function Footer(props: FooterProps): React.ReactElement {
  return <Lines lines={footerLines(props)} width={props.width} />;
}
