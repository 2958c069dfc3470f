import React from 'react';
import { Box, Text } from 'ink';
import { fit } from '../text/format.js';
import { HELP, LEGEND } from './keymap.js';
import type { Theme } from './theme.js';

export function HelpScreen({ width, height, theme, presets }: { width: number; height: number; theme: Theme; presets: string }): React.ReactElement {
  const keyW = Math.min(28, Math.max(10, Math.floor(width / 3)));
  const lines: React.ReactElement[] = [];
  lines.push(<Text key="t" bold color={theme.accent}>{fit(`oomtop help — any key returns   (${presets})`, width)}</Text>);
  for (const [k, v] of HELP) lines.push(<Text key={`k${k}`} wrap="truncate"><Text bold>{fit(k, keyW)}</Text> {fit(v, width - keyW - 1)}</Text>);
  lines.push(<Text key="l" bold color={theme.accent}>{fit('Legend', width)}</Text>);
  for (const [k, v] of LEGEND) lines.push(<Text key={`l${k}`} wrap="truncate"><Text bold>{fit(k, keyW)}</Text> {fit(v, width - keyW - 1)}</Text>);
  return <Box flexDirection="column" height={height}>{lines.slice(0, height)}</Box>;
}
