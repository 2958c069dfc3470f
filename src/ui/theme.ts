import type { LogSeverity } from '../store/events.js';
import type { PressureLevel } from '../sampler/pressure.js';

/** Colours, or none at all under NO_COLOR (then only bold/inverse mark things). */
export interface Theme {
  color: boolean;
  severity(s: LogSeverity): string | undefined;
  level(l: PressureLevel): string | undefined;
  accent: string | undefined;
  dim: string | undefined;
}

export function makeTheme(color: boolean): Theme {
  const sev: Record<LogSeverity, string> = { info: 'white', good: 'green', warn: 'yellow', bad: 'red' };
  const lvl: Record<PressureLevel, string> = { normal: 'green', elevated: 'yellow', high: 'red', critical: 'redBright' };
  return {
    color,
    severity: (s) => (color ? sev[s] : undefined),
    level: (l) => (color ? lvl[l] : undefined),
    accent: color ? 'cyan' : undefined,
    dim: color ? 'gray' : undefined,
  };
}
