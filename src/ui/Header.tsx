import React from 'react';
import type { PressureLevel } from '../sampler/pressure.js';
import type { Snapshot } from '../sampler/types.js';
import type { Series } from '../store/history.js';
import { bold, inverse, paint } from './ansi.js';
import { fit, fmtAgo, gauge, sparkline } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import { Lines } from './Lines.js';
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

  const prefix = `oomtop kernel ${kernel}  pressure: `;
  const level = props.pressureLevel.toUpperCase();
  const levelText = !theme.color && props.pressureLevel !== 'normal' ? inverse(bold(level)) : bold(paint(level, theme.level(props.pressureLevel)));
  const lines = [
    // The plain parts are fitted first, so the styled line is exactly `width` cells.
    `${bold(paint('oomtop', theme.accent))}${fit(prefix.slice(6), Math.max(0, width - 6)).slice(0, prefix.length - 6)}${levelText}${fit(`  ${psiLine}`, Math.max(0, width - prefix.length - level.length))}`,
    fit(`${memLine}  ${swapLine}`, width),
    fit(`${commitLine}${klog}`, width),
    paint(fit(props.guardLine ? `${killText}  ${props.guardLine}` : killText, width), last ? theme.severity('bad') : undefined),
  ];
  // Four lines that change every second: drawn through <Lines> (no growth of Ink's cache).
  return <Lines lines={lines} width={width} />;
}
