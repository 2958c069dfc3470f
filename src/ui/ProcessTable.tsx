import React from 'react';
import { Box, Text } from 'ink';
import type { Row } from '../store/rows.js';
import type { ViewState } from '../store/store.js';
import { badge, fmtLimitPct, fmtRisk } from '../text/cells.js';
import { fit, fmtRate } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import { Table, type Column } from './Table.js';
import type { Theme } from './theme.js';

export function processColumns(theme: Theme, tagged: ReadonlySet<string>): Column<Row>[] {
  const badgeColor = (r: Row) => {
    if (!theme.color) return undefined;
    const b = badge(r);
    return b === 'V' || b === 'C' ? 'red' : b === 'N' ? 'cyan' : b === 'P' ? 'green' : b === 'E' ? 'yellow' : undefined;
  };
  return [
    { key: 'flag', title: '', width: 2, priority: Infinity, value: (r) => `${tagged.has(r.key) ? '*' : ' '}${badge(r)}`, color: badgeColor },
    { key: 'pid', title: 'PID', width: 7, align: 'right', priority: Infinity, value: (r) => String(r.pid) },
    { key: 'user', title: 'USER', width: 8, priority: 3, value: (r) => r.user },
    { key: 'score', title: 'SCORE', width: 5, align: 'right', priority: 8, value: (r) => String(r.oomScore), color: (r) => (r.nextVictim ? theme.severity('bad') : undefined) },
    { key: 'adj', title: 'ADJ', width: 5, align: 'right', priority: 6, value: (r) => (r.oomScoreAdj === null ? '?' : String(r.oomScoreAdj)), color: badgeColor },
    { key: 'risk', title: 'RISK', width: 6, align: 'right', priority: 9, value: fmtRisk },
    { key: 'rss', title: 'RSS', width: 6, align: 'right', priority: 7, value: (r) => fmtKiB(r.rssKiB) },
    { key: 'anon', title: 'ANON', width: 6, align: 'right', priority: 1, value: (r) => fmtKiB(r.anonKiB) },
    { key: 'swap', title: 'SWAP', width: 6, align: 'right', priority: 4, value: (r) => fmtKiB(r.swapKiB) },
    { key: 'growth', title: 'GROWTH', width: 8, align: 'right', priority: 5, value: (r) => fmtRate(r.growthKiBps), color: (r) => ((r.growthKiBps ?? 0) > 1024 ? theme.severity('warn') : undefined) },
    {
      key: 'limit',
      title: '%LIM',
      width: 5,
      align: 'right',
      priority: 7.5,
      value: fmtLimitPct,
      color: (r) => (r.limitPct === null ? undefined : r.limitPct >= 90 ? theme.severity('bad') : r.limitPct >= 75 ? theme.severity('warn') : undefined),
    },
    { key: 'cgroup', title: 'CGROUP', width: 18, priority: 2, value: (r) => r.container ?? r.cgroup ?? '-' },
    { key: 'cmd', title: 'COMMAND', width: 0, priority: Infinity, value: (r) => (r.cmdline ? r.cmdline : `[${r.name}]`) },
  ];
}

export interface ProcessTableProps {
  rows: Row[];
  view: ViewState;
  width: number;
  height: number;
  theme: Theme;
}

export function ProcessTable({ rows, view, width, height, theme }: ProcessTableProps): React.ReactElement {
  const visible = rows.slice(view.scroll, view.scroll + Math.max(0, height - 1));
  const columns = processColumns(theme, view.tagged);
  return (
    <Box flexDirection="column" height={height}>
      <Table
        columns={columns}
        rows={visible}
        width={width}
        selected={(r) => r.key === view.selectedKey}
      />
      {rows.length === 0 && <Text color={theme.dim}>{fit(view.filter ? `no process matches "${view.filter}"` : 'waiting for the first sample…', width)}</Text>}
    </Box>
  );
}
