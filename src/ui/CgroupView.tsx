import React from 'react';
import { Box, Text } from 'ink';
import type { CgroupSample, Snapshot } from '../sampler/types.js';
import { fmtEta, gauge } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import { Table, type Column } from './Table.js';
import type { Theme } from './theme.js';

/** A container by name with its image (the cgroup path after it); a plain cgroup by path. */
export function cgroupName(c: CgroupSample): string {
  if (c.label === c.memory.path) return c.memory.path;
  const image = c.memory.container?.image;
  return `${c.label}${image ? ` (${image})` : ''}  ${c.memory.path}`;
}

/** Cgroups that matter for OOM: those with a limit on their path, then the rest. */
export function cgroupRows(snap: Snapshot | null): CgroupSample[] {
  if (!snap) return [];
  return snap.cgroups.filter((c) => c.oomDomain !== null || c.processCount > 0);
}

export function CgroupView({ snapshot, index, width, height, theme, etas }: { snapshot: Snapshot | null; index: number; width: number; height: number; theme: Theme; etas?: ReadonlyMap<string, { etaSeconds: number | null }> }): React.ReactElement {
  const rows = cgroupRows(snapshot);
  const name = (pid: number | null) => (pid === null ? '-' : `${pid} ${snapshot?.processes.find((p) => p.pid === pid)?.name ?? ''}`);
  const fillColor = (c: CgroupSample) =>
    c.domainFillPct === null ? undefined : c.domainFillPct >= 90 ? theme.severity('bad') : c.domainFillPct >= 75 ? theme.severity('warn') : undefined;
  const columns: Column<CgroupSample>[] = [
    { key: 'name', title: 'CGROUP / CONTAINER', width: 0, priority: Infinity, value: cgroupName },
    { key: 'bar', title: 'WSET/LIMIT', width: 14, priority: 5, value: (c) => (c.domainFillPct === null ? 'no limit' : gauge(c.domainFillPct / 100, 12)), color: fillColor },
    { key: 'pct', title: 'FILL', width: 5, align: 'right', priority: 8, value: (c) => (c.domainFillPct === null ? '-' : `${Math.round(c.domainFillPct)}%`), color: fillColor },
    { key: 'usage', title: 'USAGE', width: 6, align: 'right', priority: 7, value: (c) => fmtKiB(c.memory.usageKiB) },
    { key: 'limit', title: 'LIMIT', width: 6, align: 'right', priority: 7, value: (c) => (c.memory.effectiveLimitKiB === null ? 'none' : fmtKiB(c.memory.effectiveLimitKiB)) },
    { key: 'room', title: 'HEADROOM', width: 8, align: 'right', priority: 9, value: (c) => (c.headroomKiB === null ? '-' : fmtKiB(c.headroomKiB)) },
    {
      key: 'eta',
      title: 'ETA',
      width: 12,
      align: 'right',
      priority: 8,
      // Its own limit's ETA, else that of the domain an OOM from here would hit.
      value: (c) => {
        const e = etas?.get(c.memory.path) ?? (c.oomDomain ? etas?.get(c.oomDomain) : undefined);
        return c.oomDomain === null ? '-' : fmtEta(e?.etaSeconds ?? null).replace('OOM in ', '');
      },
      color: (c) => ((etas?.get(c.memory.path) ?? (c.oomDomain ? etas?.get(c.oomDomain) : undefined))?.etaSeconds ?? Infinity) < 15 * 60 ? theme.severity('bad') : undefined,
    },
    { key: 'ws', title: 'WSET', width: 6, align: 'right', priority: 3, value: (c) => fmtKiB(c.memory.workingSetKiB) },
    { key: 'kills', title: 'KILLS', width: 5, align: 'right', priority: 6, value: (c) => (c.memory.oomKills === null ? '-' : String(c.memory.oomKills)), color: (c) => ((c.memory.oomKills ?? 0) > 0 ? theme.severity('bad') : undefined) },
    { key: 'psi', title: 'PSI', width: 5, align: 'right', priority: 2, value: (c) => (c.memory.pressure ? c.memory.pressure.some.avg10.toFixed(1) : '-') },
    { key: 'procs', title: 'PROCS', width: 5, align: 'right', priority: 1, value: (c) => String(c.processCount) },
    { key: 'victim', title: 'NEXT VICTIM', width: 16, priority: 4, value: (c) => name(c.nextVictimPid) },
  ];
  const i = Math.max(0, Math.min(index, rows.length - 1));
  const page = Math.max(1, height - 2);
  const start = Math.max(0, Math.min(i - page + 1, rows.length - page));
  const shown = rows.slice(Math.max(0, start), Math.max(0, start) + page);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.accent} wrap="truncate">
        {`Memory cgroups — least headroom first. ↑/↓ choose, Enter: its processes, c or Esc: back`.slice(0, width)}
      </Text>
      {rows.length === 0 ? (
        <Text color={theme.dim}>no memory cgroups found (no memory controller, or processes are not readable)</Text>
      ) : (
        <Table columns={columns} rows={shown} width={width} selected={(c) => c === rows[i]} />
      )}
    </Box>
  );
}
