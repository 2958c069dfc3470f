import React from 'react';
import type { LogEntry } from '../store/events.js';
import { fit, fmtClock } from '../text/format.js';
import { wrap } from '../text/layout.js';
import { bold, inverse, paint } from './ansi.js';
import { Lines } from './Lines.js';
import type { Theme } from './theme.js';

export interface EventLogProps {
  events: LogEntry[];
  width: number;
  height: number;
  /** Newest events hidden (the `{` and `}` keys scroll). */
  scroll: number;
  theme: Theme;
}

/**
 * What starts an entry's line. Kernel OOM kills begin with a marker: LIVE for a kill seen as it
 * happened, past for one that was already in the kernel's log (or the journal, for systemd-oomd's)
 * when oomtop started.
 */
export function eventHead(e: LogEntry): string {
  const marker = e.kind !== 'oom-kill' ? '' : (e.oom?.past ?? e.oomd?.past) ? 'past ' : 'LIVE ';
  return `${marker}${fmtClock(e.time)} ${e.kind.padEnd(8)} `;
}

/** One event as one line (lists that do not wrap). */
export function eventLine(e: LogEntry): string {
  return `${eventHead(e)}${e.text}`;
}

/** An entry's lines: a message that does not fit wraps, its continuation indented under the text. */
export function entryLines(e: LogEntry, width: number): string[] {
  const head = eventHead(e);
  return wrap(`${head}${e.text}`, width, { indent: ' '.repeat(Math.min(head.length, Math.floor(width / 3))) });
}

/**
 * The newest events, newest at the bottom, each wrapped onto as many lines as it needs; when
 * the space runs out, the oldest entry shown keeps its first lines.
 */
export function EventLog({ events, width, height, scroll, theme }: EventLogProps): React.ReactElement | null {
  if (height < 2) return null;
  const end = Math.max(0, events.length - scroll);
  const room = height - 1;
  const lines: { text: string; e: LogEntry }[] = [];
  for (let i = end - 1; i >= 0 && lines.length < room; i--) {
    const e = events[i]!;
    let ls = entryLines(e, width);
    // An entry that does not fit whole shows its beginning (the rest is in the details, e).
    if (ls.length > room - lines.length) ls = [...ls.slice(0, Math.max(0, room - lines.length - 1)), fit(ls[room - lines.length - 1] ?? '', width).trimEnd().replace(/.$/u, '…')].slice(0, room - lines.length);
    for (let n = ls.length - 1; n >= 0; n--) lines.unshift({ text: ls[n]!, e });
  }
  const title = scroll > 0 ? `Events (${events.length}, ${scroll} newer below: } shows them)  e: details  { } scroll` : `Events (${events.length})  e: details  { } scroll`;
  const style = (text: string, e: LogEntry) => {
    const t = paint(fit(text, width), theme.severity(e.severity));
    if (e.kind !== 'oom-kill') return t;
    return theme.color ? bold(t) : inverse(bold(t));
  };
  // Pre-styled lines through <Lines>: every new message would otherwise stay in Ink's
  // text-measure cache for good (see Lines.tsx), and wrapped messages make several.
  const out = [bold(paint(fit(title, width), theme.accent)), ...lines.map(({ text, e }) => style(text, e))];
  while (out.length < height) out.push(' '.repeat(width));
  return <Lines lines={out} width={width} />;
}
