import type { MemInfo, Pressure } from './types.js';

export type PressureLevel = 'normal' | 'elevated' | 'high' | 'critical';
export const LEVELS: readonly PressureLevel[] = ['normal', 'elevated', 'high', 'critical'];

export interface PressureInputs {
  availablePct: number;
  someAvg10: number | null;
  fullAvg10: number | null;
}

/** Entry thresholds per level: available memory below, or PSI (avg10 %) at or above. */
const ENTER = [
  { level: 3, availBelow: 5, someAtLeast: Infinity, fullAtLeast: 30 },
  { level: 2, availBelow: 10, someAtLeast: 40, fullAtLeast: 10 },
  { level: 1, availBelow: 20, someAtLeast: 10, fullAtLeast: 2 },
] as const;

/** How much better than the entry threshold a reading must be before a level is left. */
const AVAIL_MARGIN = 3;
const PSI_EXIT_FACTOR = 0.5;
/** Consecutive calmer readings needed to step down one level. */
export const CALM_SAMPLES = 5;

function rawLevel(x: PressureInputs, exit: boolean): number {
  const some = x.someAvg10 ?? 0;
  const full = x.fullAvg10 ?? 0;
  for (const t of ENTER) {
    const avail = exit ? t.availBelow + AVAIL_MARGIN : t.availBelow;
    const k = exit ? PSI_EXIT_FACTOR : 1;
    if (x.availablePct < avail || some >= t.someAtLeast * k || full >= t.fullAtLeast * k) return t.level;
  }
  return 0;
}

export function pressureInputs(memory: MemInfo, psi: Pressure | null): PressureInputs {
  const total = memory.totalKiB > 0 ? memory.totalKiB : 1;
  return {
    availablePct: (100 * memory.availableKiB) / total,
    someAvg10: psi?.some.avg10 ?? null,
    fullAvg10: psi?.full?.avg10 ?? null,
  };
}

/** Where the hysteresis stands: the level (index into LEVELS) and the calm readings so far. */
export interface PressureState {
  level: number;
  calm: number;
}

export const PRESSURE_START: PressureState = { level: 0, calm: 0 };

/**
 * The machine's pressure level from available memory and PSI, with hysteresis: it rises at
 * once, and falls one step only after CALM_SAMPLES readings below the level's exit
 * thresholds (which sit a margin below the entry ones), so it does not flap. Pure.
 */
export function stepPressure(st: PressureState, x: PressureInputs): PressureState {
  const up = rawLevel(x, false);
  if (up > st.level) return { level: up, calm: 0 };
  if (rawLevel(x, true) < st.level) {
    const calm = st.calm + 1;
    return calm >= CALM_SAMPLES ? { level: st.level - 1, calm: 0 } : { level: st.level, calm };
  }
  return { level: st.level, calm: 0 };
}

/** stepPressure with its state kept (for callers that feed one reading at a time). */
export class PressureTracker {
  private st: PressureState = PRESSURE_START;

  get current(): PressureLevel {
    return LEVELS[this.st.level]!;
  }

  /** Feed one reading; returns the level after it. */
  update(x: PressureInputs): PressureLevel {
    this.st = stepPressure(this.st, x);
    return this.current;
  }
}
