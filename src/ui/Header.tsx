import React from 'react';
import type { PressureLevel } from '../sampler/pressure.js';
import type { Snapshot } from '../sampler/types.js';
import type { Series } from '../store/history.js';
import type { SortKey } from '../store/rows.js';
import { background, bold, inverse, paint } from './ansi.js';
import { fmtAgo, fmtEta, gauge, sparkline } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import { layoutSegments, styled, type Segment } from '../text/layout.js';
import { sortsAscending } from '../text/columns.js';
import { Lines } from './Lines.js';
import type { Theme } from './theme.js';

const OVERCOMMIT = ['heuristic', 'always', 'strict'];

/** The modes shown in a fixed place (the header's last line), whatever the footer says. */
export interface Modes {
  paused: boolean;
  readOnly: boolean;
  sort: SortKey;
  inverted: boolean;
  filter: string;
  cgroupFilter: string | null;
  tagged: number;
  /** The selected row (1-based) and the rows shown after filtering, of all processes. */
  position: { index: number; rows: number; total: number };
  /** handlers: how many --on-level handlers its options give (0: none, nothing shown). */
  guard: { mode: 'off' | 'dry-run' | 'armed'; detail: string | null; handlers?: number } | null;
}

export interface HeaderProps {
  snapshot: Snapshot | null;
  psiSome: Series;
  pressureLevel: PressureLevel;
  lastOomKill: { time: number; name: string; cgroup: string | null } | null;
  kernelLog: { source: string; message: string | null } | null;
  modes: Modes;
  width: number;
  theme: Theme;
  now: number;
  /** Seconds until MemAvailable + free swap run out at the current rate (src/store/forecast.ts); null: no trend. */
  systemEta?: number | null;
  /** Under this the ETA shows as bad, else as a warning (--eta-warn; default 15 min). */
  etaWarnS?: number;
}

/** "3d 04:12", "04:12:09": as htop shows uptime. */
export function fmtUptime(sec: number): string {
  const s = Math.floor(sec);
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0'));
  return d > 0 ? `${d}d ${hms[0]}:${hms[1]}` : hms.join(':');
}

/** The modes line: guard, pause, read-only, sort, filter, position, then the kernel's kills. */
export function modeSegments(m: Modes, killText: string, killStyle: ((t: string) => string) | undefined, theme: Theme): Segment[] {
  const segs: Segment[] = [];
  const strong = (color: string | undefined) => (t: string) => (theme.color ? bold(paint(t, color)) : inverse(bold(t)));
  if (m.paused) segs.push({ variants: ['PAUSED'], priority: 0, style: strong(theme.severity('warn')) });
  if (m.readOnly) segs.push({ variants: ['READ-ONLY', 'RO'], priority: 0, style: (t) => bold(t) });
  if (m.guard) {
    const mode = m.guard.mode.toUpperCase();
    const style = m.guard.mode === 'armed' ? (t: string) => (theme.color ? bold(background(t, 'red')) : inverse(bold(t))) : m.guard.mode === 'dry-run' ? (t: string) => bold(t) : undefined;
    segs.push({ variants: [`guard: ${mode}`, `guard:${mode}`, mode === 'DRY-RUN' ? 'g:DRY' : `g:${mode}`], priority: 0, style });
    const n = m.guard.handlers ?? 0;
    if (n > 0) segs.push({ variants: [`handlers: ${n}`, `h:${n}`], priority: 1 });
  }
  const arrow = sortsAscending(m.sort, m.inverted) ? '↑' : '↓';
  segs.push({ variants: [`sort: ${m.sort}${arrow}`, `sort:${m.sort}${arrow}`, `${m.sort}${arrow}`], priority: 0 });
  if (m.filter) segs.push({ variants: [`filter: "${m.filter}"`, `f:"${m.filter}"`], priority: 0, style: (t) => bold(t) });
  if (m.cgroupFilter) segs.push({ variants: [`cgroup: ${m.cgroupFilter}`, `cg:${m.cgroupFilter}`], priority: 1, style: (t) => bold(t) });
  if (m.tagged > 0) segs.push({ variants: [`${m.tagged} tagged`, `${m.tagged}*`], priority: 1 });
  const { index, rows, total } = m.position;
  const pos = rows === total ? `${index}/${rows}` : `${index}/${rows} of ${total}`;
  segs.push({ variants: [`row ${pos}`, pos, `${index}/${rows}`], priority: 3 });
  segs.push({ variants: [killText, killText.replace('OOM kills since boot', 'OOM kills'), killText.replace(/ {2}last:.*/, '').replace('OOM kills since boot', 'OOM kills')], priority: 2, style: killStyle });
  if (m.guard?.detail) segs.push({ variants: [`guard ${m.guard.detail}`], priority: 5, style: (t) => paint(t, theme.dim) });
  return segs;
}

export function Header(props: HeaderProps): React.ReactElement {
  const { snapshot, width, theme } = props;
  const mem = snapshot?.system.memory ?? null;
  const psi = snapshot?.system.pressure ?? null;
  const settings = snapshot?.system.settings;
  const gaugeCells = Math.max(10, Math.min(40, width - 60));

  const used = mem ? mem.totalKiB - mem.availableKiB : 0;
  const memLine = mem
    ? `Mem ${gauge(used / mem.totalKiB, gaugeCells)} ${fmtKiB(used)} used  ${fmtKiB(mem.availableKiB)} avail (${((100 * mem.availableKiB) / mem.totalKiB).toFixed(0)}%) of ${fmtKiB(mem.totalKiB)}`
    : 'Mem: /proc/meminfo unreadable';
  const swapLine = mem
    ? mem.swapTotalKiB > 0
      ? `Swap ${fmtKiB(mem.swapTotalKiB - mem.swapFreeKiB)}/${fmtKiB(mem.swapTotalKiB)} (${fmtKiB(mem.swapFreeKiB)} free)`
      : 'Swap none'
    : '';
  const memShort = mem ? `Mem ${fmtKiB(used)}/${fmtKiB(mem.totalKiB)} (${((100 * mem.availableKiB) / mem.totalKiB).toFixed(0)}% avail)` : 'Mem ?';
  const swapShort = mem ? (mem.swapTotalKiB > 0 ? `Swap ${fmtKiB(mem.swapTotalKiB - mem.swapFreeKiB)}/${fmtKiB(mem.swapTotalKiB)}` : 'Swap none') : '';
  const mode = settings?.overcommitMemory;
  const commitLine = mem
    ? `Commit ${fmtKiB(mem.committedKiB)}/${fmtKiB(mem.commitLimitKiB)} (${((100 * mem.committedKiB) / Math.max(1, mem.commitLimitKiB)).toFixed(0)}% of limit, overcommit ${mode ?? '?'}${mode !== null && mode !== undefined ? ` ${OVERCOMMIT[mode] ?? ''}` : ''})`
    : '';
  const kills = snapshot?.system.oomKills;
  const last = props.lastOomKill;
  const killText =
    `OOM kills since boot: ${kills ?? '?'}` +
    (last ? `  last: ${fmtAgo(props.now - last.time)} — ${last.name}${last.cgroup ? ` (cgroup ${last.cgroup})` : ''}` : '');
  const kernel = snapshot?.system.kernel?.release ?? '?';
  const level = props.pressureLevel.toUpperCase();
  const levelStyle = (t: string) => {
    const styledLevel = !theme.color && props.pressureLevel !== 'normal' ? inverse(bold(level)) : bold(paint(level, theme.level(props.pressureLevel)));
    return t.replace(level, styledLevel);
  };
  const load = snapshot?.system.load ?? null;
  const up = snapshot?.system.uptimeSec ?? null;
  const procs = snapshot?.processes.length ?? 0;

  const line1: Segment[] = [
    { variants: ['oomtop'], priority: 0, style: (t) => bold(paint(t, theme.accent)) },
    { variants: [`kernel ${kernel}`], priority: 6 },
    { variants: [`pressure: ${level}`, level], priority: 0, style: levelStyle },
    psi
      ? { variants: [`PSI some ${psi.some.avg10.toFixed(2)} full ${(psi.full?.avg10 ?? 0).toFixed(2)}`, `PSI ${psi.some.avg10.toFixed(1)}`], priority: 1 }
      : { variants: ['PSI n/a'], priority: 4 },
  ];
  if (psi) line1.push({ variants: [sparkline(props.psiSome.values, 12, Math.max(1, ...props.psiSome.values))], priority: 4 });
  if (load) line1.push({ variants: [`Load ${load.one.toFixed(2)} ${load.five.toFixed(2)} ${load.fifteen.toFixed(2)}`, `Load ${load.one.toFixed(2)}`], priority: 2 });
  if (snapshot) line1.push({ variants: load ? [`Tasks ${procs}, ${load.tasks} thr; ${load.running} running`, `Tasks ${procs}, ${load.tasks} thr`, `Tasks ${procs}`] : [`Tasks ${procs}`], priority: 2 });
  if (up !== null) line1.push({ variants: [`Uptime ${fmtUptime(up)}`, `up ${fmtUptime(up)}`], priority: 3 });

  const line3: Segment[] = [{ variants: [commitLine, commitLine.replace(/ \(.*/, '')], priority: 1 }];
  if (props.systemEta !== null && props.systemEta !== undefined) {
    const eta = fmtEta(props.systemEta);
    line3.push({ variants: [`system: ${eta}`, eta], priority: 0, style: (t) => bold(paint(t, theme.severity(props.systemEta! < (props.etaWarnS ?? 15 * 60) ? 'bad' : 'warn'))) });
  }
  if (props.kernelLog) line3.push({ variants: [`klog: ${props.kernelLog.source}`], priority: 2 });

  const killStyle = last ? (t: string) => paint(t, theme.severity('bad')) : undefined;
  const gap4 = width < 60 ? 1 : 2;
  const lines = [
    styled(layoutSegments(line1, width), width),
    styled(layoutSegments([{ variants: [memLine, memShort], priority: 0 }, { variants: [swapLine, swapShort], priority: 1 }], width), width),
    styled(layoutSegments(line3, width), width),
    styled(layoutSegments(modeSegments(props.modes, killText, killStyle, theme), width, gap4), width),
  ];
  // Four lines that change every second: drawn through <Lines> (no growth of Ink's cache).
  return <Lines lines={lines} width={width} />;
}
