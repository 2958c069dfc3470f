import React from 'react';
import { Box, Text } from 'ink';
import type { Row } from '../store/rows.js';
import type { ViewState } from '../store/store.js';
import { processColumns as columnDefs, type Tone } from '../text/columns.js';
import { fit } from '../text/format.js';
import { Table, type Column } from './Table.js';
import type { Theme } from './theme.js';

/** The theme's colour for a cell tone (none under NO_COLOR). */
export function toneColor(theme: Theme): (t: Tone | undefined) => string | undefined {
  return (t) => {
    if (t === undefined || !theme.color) return undefined;
    if (t === 'dim') return theme.dim;
    if (t === 'accent') return theme.accent;
    if (t === 'never') return 'cyan';
    return theme.severity(t);
  };
}

export function processColumns(tagged: ReadonlySet<string>, opts: { selfPid?: number; treePrefix?: ReadonlyMap<string, string> | null; leaking?: boolean } = {}): Column<Row>[] {
  return columnDefs({ tagged, ...opts });
}

export interface ProcessTableProps {
  rows: Row[];
  view: ViewState;
  width: number;
  height: number;
  theme: Theme;
  /** Tree view: the prefix before each process's name. */
  treePrefix?: ReadonlyMap<string, string> | null;
  selfPid?: number;
}

export function ProcessTable({ rows, view, width, height, theme, treePrefix = null, selfPid = process.pid }: ProcessTableProps): React.ReactElement {
  const visible = rows.slice(view.scroll, view.scroll + Math.max(0, height - 1));
  // Any leak suspect among the rows (not only the visible ones: the layout does not change as one scrolls by).
  const columns = processColumns(view.tagged, { selfPid, treePrefix, leaking: rows.some((r) => r.leakKiBps) });
  return (
    <Box flexDirection="column" height={height}>
      <Table
        columns={columns}
        rows={visible}
        width={width}
        selected={(r) => r.key === view.selectedKey}
        toneColor={toneColor(theme)}
        sort={{ key: view.sort, inverted: view.inverted }}
      />
      {rows.length === 0 && <Text color={theme.dim}>{fit(view.filter ? `no process matches "${view.filter}"` : 'waiting for the first sample…', width)}</Text>}
    </Box>
  );
}
