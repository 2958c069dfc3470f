import React from 'react';
import { Box, Text } from 'ink';
import type { LogEntry } from '../store/events.js';
import { fit, fmtClock } from '../text/format.js';
import { wrap } from '../text/layout.js';
import type { Theme } from './theme.js';

export interface EventLogProps {
  events: LogEntry[];
  width: number;
  height: number;
  /** Newest events hidden (the `{` and `}` keys scroll). */
  scroll: number;
  theme: Theme;
}

/** An entry's lines: a message that does not fit wraps, its continuation indented under the text. */
export function entryLines(e: LogEntry, width: number): string[] {
  const head = `${fmtClock(e.time)} ${e.kind.padEnd(8)} `;
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
  const lines: { key: string; text: string; e: LogEntry }[] = [];
  for (let i = end - 1; i >= 0 && lines.length < room; i--) {
    const e = events[i]!;
    let ls = entryLines(e, width);
    // An entry that does not fit whole shows its beginning (the rest is in the details, e).
    if (ls.length > room - lines.length) ls = [...ls.slice(0, Math.max(0, room - lines.length - 1)), fit(ls[room - lines.length - 1] ?? '', width).trimEnd().replace(/.$/u, '…')].slice(0, room - lines.length);
    for (let n = ls.length - 1; n >= 0; n--) lines.unshift({ key: `${e.id}:${n}`, text: ls[n]!, e });
  }
  const title = scroll > 0 ? `Events (${events.length}, ${scroll} newer below: } shows them)  e: details  { } scroll` : `Events (${events.length})  e: details  { } scroll`;
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.accent} wrap="truncate">
        {fit(title, width)}
      </Text>
      {lines.map(({ key, text, e }) => (
        <Text key={key} wrap="truncate" color={theme.severity(e.severity)} bold={e.kind === 'oom-kill'} inverse={e.kind === 'oom-kill' && !theme.color}>
          {fit(text, width)}
        </Text>
      ))}
    </Box>
  );
}
