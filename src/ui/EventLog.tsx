import React from 'react';
import { Box, Text } from 'ink';
import type { LogEntry } from '../store/events.js';
import { fit, fmtClock } from '../text/format.js';
import type { Theme } from './theme.js';

export interface EventLogProps {
  events: LogEntry[];
  width: number;
  height: number;
  theme: Theme;
}

/**
 * One event as a line. Kernel OOM kills start with a marker: LIVE for a kill seen as it
 * happened, past for one that was already in the kernel's log when oomtop started.
 */
export function eventLine(e: LogEntry): string {
  const marker = e.kind !== 'oom-kill' ? '' : e.oom?.past ? 'past ' : 'LIVE ';
  return `${marker}${fmtClock(e.time)} ${e.kind.padEnd(8)} ${e.text}`;
}

/** The newest events, one line each, newest at the bottom. */
export function EventLog({ events, width, height, theme }: EventLogProps): React.ReactElement | null {
  if (height < 2) return null;
  const shown = events.slice(-(height - 1));
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.accent} wrap="truncate">
        {fit(`Events (${events.length})  e: details`, width)}
      </Text>
      {shown.map((e) => (
        <Text key={e.id} wrap="truncate" color={theme.severity(e.severity)} bold={e.kind === 'oom-kill'} inverse={e.kind === 'oom-kill' && !theme.color}>
          {fit(eventLine(e), width)}
        </Text>
      ))}
    </Box>
  );
}
