import React from 'react';
import { Box, Text } from 'ink';
import { KILL_SIGNALS } from '../config.js';
import type { Target } from '../store/store.js';
import { fit } from '../text/format.js';
import type { Theme } from './theme.js';

export function KillDialog({ targets, signalIndex, graceMs, escalation, width, height, theme }: {
  targets: Target[];
  signalIndex: number;
  graceMs: number;
  escalation: string;
  width: number;
  height: number;
  theme: Theme;
}): React.ReactElement {
  const who = targets.map((t) => `${t.pid} (${t.name})`).join(', ');
  const lines: React.ReactElement[] = [
    <Text key="t" bold color={theme.severity('bad')} wrap="truncate">{fit(`Send a signal to ${targets.length === 1 ? 'PID' : `${targets.length} processes:`} ${who}`, width)}</Text>,
    <Text key="h" wrap="truncate">{fit(`↑/↓ choose, Enter send, Esc cancel. SIGTERM escalates to SIGKILL after ${graceMs / 1000} s (${escalation}).`, width)}</Text>,
  ];
  KILL_SIGNALS.forEach((sig, i) => {
    lines.push(
      <Text key={sig} inverse={i === signalIndex} wrap="truncate">
        {fit(`${i === signalIndex ? '>' : ' '} ${sig}`, Math.min(width, 20))}
      </Text>,
    );
  });
  return <Box flexDirection="column" height={height}>{lines.slice(0, height)}</Box>;
}
