import React from 'react';
import { Box, Text } from 'ink';
import { fit } from '../text/format.js';
import type { Theme } from './theme.js';

/** A yes/no question: y or Enter confirms, n or Esc cancels. */
export function ConfirmDialog({ title, body, width, height, theme }: { title: string; body: string[]; width: number; height: number; theme: Theme }): React.ReactElement {
  const lines = [
    <Text key="t" bold color={theme.severity('warn')} wrap="truncate">{fit(title, width)}</Text>,
    ...body.map((b, i) => <Text key={i} wrap="truncate">{fit(b, width)}</Text>),
    <Text key="k" bold wrap="truncate">{fit('y / Enter: yes    n / Esc: no', width)}</Text>,
  ];
  return <Box flexDirection="column" height={height}>{lines.slice(0, height)}</Box>;
}
