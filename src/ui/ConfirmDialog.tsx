import React from 'react';
import { Box, Text } from 'ink';
import { fit } from '../text/format.js';
import { wrap } from '../text/layout.js';
import type { Theme } from './theme.js';

/** A yes/no question: y or Enter confirms, n or Esc cancels. Long lines wrap. */
export function ConfirmDialog({ title, body, width, height, theme, answers = 'y / Enter: yes    n / Esc: no' }: { title: string; body: string[]; width: number; height: number; theme: Theme; answers?: string }): React.ReactElement {
  const answer = <Text key="k" bold wrap="truncate">{fit(answers, width)}</Text>;
  const lines = [
    ...wrap(title, width).map((l, i) => <Text key={`t${i}`} bold color={theme.severity('warn')} wrap="truncate">{fit(l, width)}</Text>),
    ...body.flatMap((b, i) => wrap(b, width, { indent: '  ' }).map((l, j) => <Text key={`${i}:${j}`} wrap="truncate">{fit(l, width)}</Text>)),
  ];
  // The answer keys always show, on the last line when the text is too long.
  return <Box flexDirection="column" height={height}>{[...lines.slice(0, Math.max(0, height - 1)), answer]}</Box>;
}
