import React from 'react';
import { Box, Text } from 'ink';
import type { PressureLevel } from '../sampler/pressure.js';
import type { Snapshot } from '../sampler/types.js';
import type { Series } from '../store/history.js';
import { fit, fmtAgo, fmtKiB, gauge, sparkline } from './format.js';
import type { Theme } from './theme.js';

const OVERCOMMIT = ['heuristic', 'always', 'strict'];

export interface HeaderProps {
  snapshot: Snapshot | null;
  psiSome: Series;
  pressureLevel: PressureLevel;
  lastOomKill: { time: number; name: string; cgroup: string | null } | null;
  kernelLog: { source: string; message: string | null } | null;
  guardLine: string | null;
  width: number;
  theme: Theme;
  now: number;
}

export function Header(props: HeaderProps): React.ReactElement {
  const { snapshot, width, theme } = props;
  const mem = snapshot?.system.memory ?? null;
  const psi = snapshot?.system.pressure ?? null;
  const settings = snapshot?.system.settings;
  const gaugeCells = Math.max(10, Math.min(40, width - 50));

  const used = mem ? mem.totalKiB - mem.availableKiB : 0;
  const memLine = mem
    ? `Mem ${gauge(used / mem.totalKiB, gaugeCells)} ${fmtKiB(used)} used  ${fmtKiB(mem.availableKiB)} avail (${((100 * mem.availableKiB) / mem.totalKiB).toFixed(0)}%) of ${fmtKiB(mem.totalKiB)}`
    : 'Mem: /proc/meminfo unreadable';
  const swapLine = mem
    ? mem.swapTotalKiB > 0
      ? `Swap ${fmtKiB(mem.swapTotalKiB - mem.swapFreeKiB)}/${fmtKiB(mem.swapTotalKiB)} (${fmtKiB(mem.swapFreeKiB)} free)`
      : 'Swap none'
    : '';
  const mode = settings?.overcommitMemory;
  const commitLine = mem
    ? `Commit ${fmtKiB(mem.committedKiB)}/${fmtKiB(mem.commitLimitKiB)} (${((100 * mem.committedKiB) / Math.max(1, mem.commitLimitKiB)).toFixed(0)}% of limit, overcommit ${mode ?? '?'}${mode !== null && mode !== undefined ? ` ${OVERCOMMIT[mode] ?? ''}` : ''})`
    : '';
  const psiLine = psi
    ? `PSI some ${psi.some.avg10.toFixed(2)} full ${(psi.full?.avg10 ?? 0).toFixed(2)} ${sparkline(props.psiSome.values, 12, Math.max(1, ...props.psiSome.values))}`
    : 'PSI n/a';
  const kills = snapshot?.system.oomKills;
  const last = props.lastOomKill;
  const killText =
    `OOM kills since boot: ${kills ?? '?'}` +
    (last ? `  last: ${fmtAgo(props.now - last.time)} — ${last.name}${last.cgroup ? ` (cgroup ${last.cgroup})` : ''}` : '');
  const kernel = snapshot?.system.kernel?.release ?? '?';
  const klog = props.kernelLog ? `  klog: ${props.kernelLog.source}` : '';

  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold color={theme.accent}>oomtop</Text>
        <Text> kernel {kernel}  pressure: </Text>
        <Text bold inverse={!theme.color && props.pressureLevel !== 'normal'} color={theme.level(props.pressureLevel)}>
          {props.pressureLevel.toUpperCase()}
        </Text>
        <Text>{fit(`  ${psiLine}`, Math.max(0, width - `oomtop kernel ${kernel}  pressure: ${props.pressureLevel}`.length))}</Text>
      </Text>
      <Text wrap="truncate">{fit(`${memLine}  ${swapLine}`, width)}</Text>
      <Text wrap="truncate">{fit(`${commitLine}${klog}`, width)}</Text>
      <Text wrap="truncate" color={last ? theme.severity('bad') : undefined}>
        {fit(props.guardLine ? `${killText}  ${props.guardLine}` : killText, width)}
      </Text>
    </Box>
  );
}
