/** Short per-process and system histories kept by the store. */

export const HISTORY_LENGTH = 60;

export interface Series {
  times: number[];
  values: number[];
}

export function pushSeries(s: Series, time: number, value: number, max = HISTORY_LENGTH): void {
  s.times.push(time);
  s.values.push(value);
  if (s.times.length > max) {
    s.times.shift();
    s.values.shift();
  }
}

/** Least-squares slope in value units per second over the last `window` points; null below 3 points. */
export function slopePerSecond(s: Series, window = 10): number | null {
  const n = Math.min(window, s.times.length);
  if (n < 3) return null;
  const t0 = s.times[s.times.length - n]!;
  let st = 0;
  let sv = 0;
  let stt = 0;
  let stv = 0;
  for (let i = s.times.length - n; i < s.times.length; i++) {
    const t = (s.times[i]! - t0) / 1000;
    const v = s.values[i]!;
    st += t;
    sv += v;
    stt += t * t;
    stv += t * v;
  }
  const den = n * stt - st * st;
  return den === 0 ? null : (n * stv - st * sv) / den;
}

export interface ProcessHistory {
  pid: number;
  startTimeTicks: number;
  name: string;
  rssKiB: Series;
  oomScore: Series;
  oomScoreAdj: number | null;
  /** Epoch ms of the last sample that saw it alive. */
  lastSeen: number;
}
