import React from 'react';
import { Box, Text } from 'ink';
import type { Row } from '../store/rows.js';
import type { ViewState } from '../store/store.js';
import { processColumns } from '../text/columns.js';
import { fit } from '../text/format.js';
import { Table } from './Table.js';
import type { Theme } from './theme.js';

// The columns are defined in src/text/columns.ts, where the --once table finds them too.
export { processColumns } from '../text/columns.js';

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
