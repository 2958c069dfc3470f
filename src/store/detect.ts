/**
 * What changed between two snapshots that is worth an event: a process crossing a risk
 * threshold, the kernel's OOM-kill counter (when its log cannot be read), kills counted by a
 * cgroup, a limited cgroup filling up (with hysteresis) and the machine's pressure level. Pure:
 * the store keeps the state this returns and logs the events.
 */
import { LEVELS, pressureInputs, stepPressure, type PressureLevel, type PressureState } from '../sampler/pressure.js';
import type { Snapshot } from '../sampler/types.js';
import { fmtSize } from '../text/size.js';
import type { LogKind, LogSeverity } from './events.js';

/** Risk thresholds (‰ of RAM+swap charged) whose upward crossing is logged. */
export const RISK_THRESHOLDS = [200, 500, 800] as const;
/** Fill of a cgroup's own limit (working set, %) whose upward crossing is logged. */
export const FILL_THRESHOLDS = [80, 90, 95] as const;
/** A fill level is left only this many points below its threshold (no flapping). */
export const FILL_MARGIN = 5;

export interface DetectState {
  pressure: PressureState;
  /** Per limited cgroup (its path): how many FILL_THRESHOLDS it is past (0 = none). */
  cgroupFill: ReadonlyMap<string, number>;
}

export const DETECT_START: DetectState = { pressure: { level: 0, calm: 0 }, cgroupFill: new Map() };

export interface DetectedEvent {
  kind: LogKind;
  severity: LogSeverity;
  text: string;
}

export interface DetectInput {
  prev: Snapshot | null;
  next: Snapshot;
  state: DetectState;
  /** False when the kernel log cannot be read: the kill counter is then the only witness. */
  kernelLogReadable: boolean;
  /** The highest risk threshold already logged for a process (by key). */
  crossedOf(key: string): number;
}

export interface DetectOutput {
  events: DetectedEvent[];
  state: DetectState;
  pressureLevel: PressureLevel;
  /** Processes whose logged risk threshold rose: [key, threshold]. */
  crossed: Array<[string, number]>;
  /** Set when the kill counter rose without a readable kernel log. */
  counterKill: number | null;
}

const pct = (permille: number) => `${(permille / 10).toFixed(0)}%`;

/** How many thresholds a fill is past, given how many it was past before (hysteresis). */
export function fillLevel(fillPct: number, was: number): number {
  let up = 0;
  for (const t of FILL_THRESHOLDS) if (fillPct >= t) up++;
  if (up >= was) return up;
  // Falling: keep a level until the fill is FILL_MARGIN below its threshold.
  let level = was;
  while (level > 0 && fillPct < FILL_THRESHOLDS[level - 1]! - FILL_MARGIN) level--;
  return level;
}

export function detectEvents({ prev, next, state, kernelLogReadable, crossedOf }: DetectInput): DetectOutput {
  const events: DetectedEvent[] = [];
  const crossed: Array<[string, number]> = [];

  for (const p of next.processes) {
    if (p.badnessPermille === null) continue;
    const was = crossedOf(p.key);
    let now = 0;
    for (const t of RISK_THRESHOLDS) if (p.badnessPermille >= t) now = t;
    if (now <= was) continue;
    crossed.push([p.key, now]);
    // Already past it when oomtop started: no news.
    if (prev !== null) events.push({ kind: 'risk', severity: now >= 500 ? 'bad' : 'warn', text: `PID ${p.pid} (${p.name}) now charged ${pct(p.badnessPermille)} of RAM+swap (score ${p.oomScore})` });
  }

  // The kernel's kill counter is a second witness when its log cannot be read.
  let counterKill: number | null = null;
  const before = prev?.system.oomKills;
  const after = next.system.oomKills;
  if (before != null && after != null && after > before && !kernelLogReadable) {
    events.push({ kind: 'oom-kill', severity: 'bad', text: `kernel OOM-kill counter rose by ${after - before} (to ${after}); the kernel log is not readable, so the victim is unknown` });
    counterKill = after - before;
  }

  // Kills counted by each cgroup: noticed even where the kernel log is unreadable.
  if (prev) {
    const prevKills = new Map(prev.cgroups.map((c) => [c.memory.path, c.memory.oomKills]));
    for (const c of next.cgroups) {
      const was = prevKills.get(c.memory.path);
      const now = c.memory.oomKills;
      if (was != null && now != null && now > was) {
        events.push({ kind: 'cgroup', severity: 'bad', text: `cgroup ${c.label === c.memory.path ? c.memory.path : `${c.label} (${c.memory.path})`}: oom_kill ${was} → ${now}` });
      }
    }
  }

  // Limited cgroups filling up: each OOM domain once, by its own limit.
  const cgroupFill = new Map<string, number>();
  for (const c of next.cgroups) {
    const path = c.memory.path;
    if (c.oomDomain !== path || c.domainFillPct === null) continue;
    const was = state.cgroupFill.get(path) ?? 0;
    const level = fillLevel(c.domainFillPct, was);
    if (level > 0) cgroupFill.set(path, level);
    if (level === was) continue;
    const name = c.label === path ? path : `${c.label} (${path})`;
    const limit = fmtSize(c.memory.effectiveLimitKiB);
    const room = c.headroomKiB === null ? '' : `, ${fmtSize(c.headroomKiB)} headroom`;
    if (level > was) {
      const victim = c.nextVictimPid !== null ? `; next victim PID ${c.nextVictimPid}` : '';
      events.push({ kind: 'cgroup', severity: level >= 2 ? 'bad' : 'warn', text: `cgroup ${name} at ${Math.round(c.domainFillPct)}% of its ${limit} limit${room}${victim}` });
    } else if (level === 0) {
      events.push({ kind: 'cgroup', severity: 'good', text: `cgroup ${name} back to ${Math.round(c.domainFillPct)}% of its ${limit} limit` });
    }
  }

  // The machine's pressure level, with hysteresis.
  let pressure = state.pressure;
  const mem = next.system.memory;
  if (mem) {
    const psi = next.system.pressure;
    const inputs = pressureInputs(mem, psi);
    pressure = stepPressure(state.pressure, inputs);
    if (pressure.level !== state.pressure.level) {
      const from = LEVELS[state.pressure.level]!;
      const to = LEVELS[pressure.level]!;
      const severity: LogSeverity = to === 'normal' ? 'good' : to === 'elevated' ? 'warn' : 'bad';
      const psiText = psi ? `, PSI some ${psi.some.avg10.toFixed(1)}% full ${(psi.full?.avg10 ?? 0).toFixed(1)}%` : '';
      events.push({ kind: 'pressure', severity, text: `memory pressure ${from} → ${to}: ${inputs.availablePct.toFixed(1)}% available${psiText}` });
    }
  }

  return { events, state: { pressure, cgroupFill }, pressureLevel: LEVELS[pressure.level]!, crossed, counterKill };
}
