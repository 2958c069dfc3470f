import React from 'react';
import { Box, Text } from 'ink';
import { fit, width as cellsOf } from '../text/format.js';
import { wrap } from '../text/layout.js';
import { HELP, LEGEND } from './keymap.js';
import type { Theme } from './theme.js';

interface HelpLine {
  key: string;
  keys: string;
  text: string;
  title?: boolean;
}

/** Every line of help at this width: descriptions wrap beside their keys (under them when narrow). */
export function helpLines(width: number, presets: string): HelpLine[] {
  const keyW = Math.min(26, Math.max(10, Math.floor(width / 3)));
  const out: HelpLine[] = [];
  const section = (rows: readonly [string, string][], tag: string) => {
    rows.forEach(([k, v], r) => {
      const keyLines = cellsOf(k) <= keyW ? [k] : wrap(k, keyW);
      const textLines = wrap(v, width - keyW - 1, { indent: '' });
      const n = Math.max(keyLines.length, textLines.length);
      for (let i = 0; i < n; i++) out.push({ key: `${tag}${r}:${i}`, keys: fit(keyLines[i] ?? '', keyW), text: textLines[i] ?? '' });
    });
  };
  for (const l of wrap(`oomtop help — ↑ ↓ PgUp PgDn scroll, any other key returns   (${presets})`, width)) out.push({ key: `t${out.length}`, keys: '', text: l, title: true });
  section(HELP, 'k');
  out.push({ key: 'legend', keys: '', text: 'Legend', title: true });
  section(LEGEND, 'l');
  return out;
}

export function helpScrollMax(width: number, height: number, presets: string): number {
  return Math.max(0, helpLines(width, presets).length - height);
}

export function HelpScreen({ width, height, scroll, theme, presets }: { width: number; height: number; scroll: number; theme: Theme; presets: string }): React.ReactElement {
  const all = helpLines(width, presets);
  const from = Math.max(0, Math.min(scroll, all.length - height));
  const shown = all.slice(from, from + height);
  const more = all.length > height;
  return (
    <Box flexDirection="column" height={height}>
      {shown.map((l, i) => {
        // The last line says where the rest is when it does not fit.
        if (more && i === shown.length - 1 && from + height < all.length) {
          return <Text key="more" bold color={theme.accent}>{fit(`↓ ${all.length - from - height + 1} more lines (↓ PgDn End)`, width)}</Text>;
        }
        if (l.title) return <Text key={l.key} bold color={theme.accent}>{fit(l.text, width)}</Text>;
        return (
          <Text key={l.key} wrap="truncate">
            <Text bold>{l.keys}</Text> {fit(l.text, width - cellsOf(l.keys) - 1)}
          </Text>
        );
      })}
    </Box>
  );
}
