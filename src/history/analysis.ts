/**
 * Growth, leaks, time to exhaustion and a capacity plan from recorded series (pure).
 *
 * Every function takes series as parallel arrays of times (epoch ms) and values (KiB or %),
 * oldest first, and the time "now" comes from the series, never the clock, so the same
 * input gives the same answer in the recorder, the report, the TUI and the tests.
 */
import { fmtEta } from '../text/format.js';

export { fmtEta };

/** Analysis windows, seconds: 1 min, 10 min, 1 h, 1 day. */
export const WINDOWS_S = [60, 600, 3600, 86_400] as const;

/** Pairwise slopes beyond this many points are computed on an even subsample (O(n²) otherwise). */
const MAX_POINTS = 120;

export interface Slope {
  /** Median of the pairwise slopes, value units per second. */
  perSecond: number;
  /** Median of v − slope·t, at t in seconds from the first point. */
  intercept: number;
  /** 0..1: how much the pairwise slopes agree in sign with the median (2·agree − 1, floored at 0). */
  confidence: number;
  points: number;
}

function subsample(n: number): number[] {
  if (n <= MAX_POINTS) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < MAX_POINTS; k++) out.push(Math.round((k * (n - 1)) / (MAX_POINTS - 1)));
  return out;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Theil–Sen estimator: robust to outliers and to a few big jumps; null below 3 points or no time span. */
export function theilSen(times: readonly number[], values: readonly number[]): Slope | null {
  const idx = subsample(Math.min(times.length, values.length));
  if (idx.length < 3) return null;
  const t0 = times[idx[0]!]!;
  const ts = idx.map((i) => (times[i]! - t0) / 1000);
  const vs = idx.map((i) => values[i]!);
  const slopes: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    for (let j = i + 1; j < ts.length; j++) {
      const dt = ts[j]! - ts[i]!;
      if (dt > 0) slopes.push((vs[j]! - vs[i]!) / dt);
    }
  }
  if (slopes.length === 0) return null;
  const perSecond = median(slopes);
  const sign = Math.sign(perSecond);
  const agree = sign === 0 ? slopes.filter((s) => s === 0).length / slopes.length : slopes.filter((s) => Math.sign(s) === sign).length / slopes.length;
  const intercept = median(vs.map((v, i) => v - perSecond * ts[i]!));
  return { perSecond, intercept, confidence: Math.max(0, 2 * agree - 1), points: ts.length };
}

/** The points of the last `windowS` seconds of a series (from its last time). */
export function lastWindow(times: readonly number[], values: readonly number[], windowS: number): { times: number[]; values: number[] } {
  const end = times.at(-1);
  if (end === undefined) return { times: [], values: [] };
  let i = times.length - 1;
  while (i > 0 && times[i - 1]! >= end - windowS * 1000) i--;
  return { times: times.slice(i), values: values.slice(i) };
}

export interface Growth {
  /** The window asked for, seconds, and the span the points actually cover. */
  windowS: number;
  spanS: number;
  /** Theil–Sen slope of the values, per second, and its confidence. */
  slope: number;
  confidence: number;
  /** Theil–Sen slope of the floor (the minimum of each of `segments` equal slices), per second. */
  floorSlope: number;
  /** Sign agreement of the floor's pairwise slopes, 0..1. */
  floorConfidence: number;
  /** Rise of the floor from the first slice to the last, value units. */
  floorRise: number;
  /** The largest rise between two consecutive slices' floors, as a share of floorRise (1: one step). */
  largestStepShare: number;
  /** The largest fall between two consecutive points, value units (0: it never fell). */
  maxDrop: number;
  /** Steady growth over this window: a leak suspect (see leakOf for the verdict across windows). */
  leak: boolean;
}

export interface LeakRules {
  /** The floor must rise by at least this much over the window, value units (KiB). */
  minRise: number;
  /** ... and by at least this share of the first floor (0.01: 1 %). */
  minRiseShare: number;
  minConfidence: number;
  /** No single slice-to-slice step may carry more than this share of the rise (a burst, a step). */
  maxStepShare: number;
}

export const DEFAULT_LEAK_RULES: LeakRules = { minRise: 1024, minRiseShare: 0.02, minConfidence: 0.6, maxStepShare: 0.5 };

const SEGMENTS = 8;

/**
 * Growth over one window. A leak is steady growth: the floor of the series (the minimum of each
 * of eight slices) rises slice after slice, with confidence, and no single step carries most of
 * the rise. So a burst or a step (a cache filled once) is not a leak, and neither is a GC
 * sawtooth whose floor stays put; a sawtooth whose floor rises is one. Null below 8 points.
 */
export function growth(times: readonly number[], values: readonly number[], windowS: number, rules: LeakRules = DEFAULT_LEAK_RULES): Growth | null {
  const w = lastWindow(times, values, windowS);
  const n = w.times.length;
  if (n < 8) return null;
  const raw = theilSen(w.times, w.values);
  if (raw === null) return null;
  const t0 = w.times[0]!;
  const span = w.times[n - 1]! - t0;
  const k = Math.min(SEGMENTS, Math.floor(n / 2));
  const ft: number[] = [];
  const fv: number[] = [];
  for (let s = 0; s < k; s++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      const seg = Math.min(k - 1, Math.floor(((w.times[i]! - t0) / (span || 1)) * k));
      if (seg !== s) continue;
      if (best < 0 || w.values[i]! < w.values[best]!) best = i;
    }
    if (best >= 0) {
      ft.push(w.times[best]!);
      fv.push(w.values[best]!);
    }
  }
  const floor = theilSen(ft, fv);
  const floorRise = fv.length > 1 ? fv.at(-1)! - fv[0]! : 0;
  let largest = 0;
  let drops = 0;
  for (let i = 1; i < fv.length; i++) {
    const d = fv[i]! - fv[i - 1]!;
    largest = Math.max(largest, d);
    if (d < 0) drops++;
  }
  const largestStepShare = floorRise > 0 ? largest / floorRise : 1;
  let maxDrop = 0;
  for (let i = 1; i < n; i++) maxDrop = Math.max(maxDrop, w.values[i - 1]! - w.values[i]!);
  const floorSlope = floor?.perSecond ?? 0;
  const floorConfidence = floor?.confidence ?? 0;
  const leak =
    floorSlope > 0 &&
    raw.perSecond > 0 &&
    floorConfidence >= rules.minConfidence &&
    drops <= 1 &&
    floorRise >= Math.max(rules.minRise, rules.minRiseShare * Math.max(0, fv[0]!)) &&
    largestStepShare <= rules.maxStepShare;
  return { windowS, spanS: span / 1000, slope: raw.perSecond, confidence: raw.confidence, floorSlope, floorConfidence, floorRise, largestStepShare, maxDrop, leak };
}

/**
 * Growth over each window the series covers (at least half of it), longest first; when the
 * series is shorter than half the shortest window, over what there is (5 s at least), so a
 * leak shows within seconds of recording.
 */
export function growthByWindow(times: readonly number[], values: readonly number[], rules: LeakRules = DEFAULT_LEAK_RULES): Growth[] {
  const n = times.length;
  if (n < 2) return [];
  const span = (times[n - 1]! - times[0]!) / 1000;
  const out: Growth[] = [];
  for (const w of [...WINDOWS_S].reverse()) {
    if (span < w / 2) continue;
    const g = growth(times, values, w, rules);
    if (g) out.push(g);
  }
  if (out.length === 0 && span >= 5) {
    const g = growth(times, values, span + 1, rules);
    if (g) out.push({ ...g, windowS: Math.round(span) });
  }
  return out;
}

/**
 * The leak verdict of a series: the longest window that calls it a leak, or null. A shorter
 * window's rise does not count when a longer window saw the series fall by half that rise or
 * more: that rise is the climbing half of a cycle longer than the window (a slow GC sawtooth).
 */
export function leakOf(times: readonly number[], values: readonly number[], rules: LeakRules = DEFAULT_LEAK_RULES): Growth | null {
  const all = growthByWindow(times, values, rules);
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (!g.leak) continue;
    if (all.slice(0, i).some((l) => !l.leak && l.maxDrop >= 0.5 * g.floorRise)) continue;
    return g;
  }
  return null;
}

export interface Exhaustion {
  /** Headroom at the last point, KiB. */
  headroomKiB: number;
  /** Headroom's Theil–Sen slope, KiB/s (negative: shrinking), and its confidence. */
  slopeKiBPerS: number;
  confidence: number;
  windowS: number;
  /** Seconds until the headroom is gone at that rate; null: no confident shrinking trend. */
  etaSeconds: number | null;
}

/**
 * How far ahead a trend is extrapolated, in multiples of the span it was measured over: a
 * minute of a compiler's growth says nothing about the next hour (node-mixin's disk alerts use
 * predict_linear over 6 h for 24 h ahead, 4×).
 */
export const EXTRAPOLATION_LIMIT = 10;

/**
 * Time to exhaustion from a headroom series (system: MemAvailable + free swap; a cgroup:
 * limit − working set), over its last `windowS` seconds (default 10 min, or the last 8 points
 * when they are coarser than that): headroom / rate when the headroom shrinks with confidence
 * and the headroom would be gone within EXTRAPOLATION_LIMIT times the span measured, else null
 * ("no trend").
 */
export function exhaustion(times: readonly number[], headroomKiB: readonly number[], windowS = 600, minConfidence = 0.6): Exhaustion | null {
  let w = lastWindow(times, headroomKiB, windowS);
  // Coarse points (minutes, quarters, a long Prometheus step): the last 8, however long they span.
  if (w.times.length < 8) w = { times: times.slice(-8), values: headroomKiB.slice(-8) };
  const s = theilSen(w.times, w.values);
  if (s === null) return null;
  const last = w.values.at(-1)!;
  const span = (w.times.at(-1)! - w.times[0]!) / 1000;
  const raw = s.perSecond < 0 && s.confidence >= minConfidence ? Math.max(0, last / -s.perSecond) : null;
  const eta = raw !== null && raw <= EXTRAPOLATION_LIMIT * span ? raw : null;
  return { headroomKiB: last, slopeKiBPerS: s.perSecond, confidence: s.confidence, windowS: Math.round(span), etaSeconds: eta };
}

export interface CapacityPlan {
  /** Days the history spans. */
  days: number;
  /** Mean and peak use over the last day (or the whole history when shorter), % of capacity. */
  currentAvgPct: number;
  currentMaxPct: number;
  /** The same `horizonDays` ahead at the growth rate. */
  horizonDays: number;
  predictedAvgPct: number;
  predictedMaxPct: number;
  /** Growth of use, percentage points per day (Theil–Sen), and its confidence. */
  growthPctPerDay: number;
  confidence: number;
  /** Days until the peak reaches 80 % / 90 % (0: already there); null: no confident growth. */
  daysTo80Pct: number | null;
  daysTo90Pct: number | null;
  recommendation: string;
}

const DAY_MS = 86_400_000;

/**
 * The capacity plan of one scope from its use (% of RAM, or of a cgroup's limit) over time:
 * current and predicted mean and peak, days to 80 % and 90 % at the growth rate, a
 * recommendation. Null without 3 points. Below `minDays` of history (an hour) nothing is
 * extrapolated: the days to 80 % and 90 % are null unless already there.
 */
export function capacityPlan(times: readonly number[], usedPct: readonly number[], horizonDays = 30, minConfidence = 0.5, minDays = 1 / 24): CapacityPlan | null {
  const n = times.length;
  if (n < 3) return null;
  const s = theilSen(times, usedPct);
  if (s === null) return null;
  const days = (times[n - 1]! - times[0]!) / DAY_MS;
  const recent = lastWindow(times, usedPct, 86_400).values;
  const currentAvgPct = recent.reduce((a, b) => a + b, 0) / recent.length;
  const currentMaxPct = Math.max(...recent);
  const perDay = s.perSecond * 86_400;
  // Days ahead are not extrapolated from minutes: below `minDays` of history there is no growth rate to plan with.
  const confident = s.confidence >= minConfidence && perDay > 0 && days >= minDays;
  const grow = confident ? perDay : 0;
  const daysTo = (pct: number): number | null => (currentMaxPct >= pct ? 0 : confident ? (pct - currentMaxPct) / perDay : null);
  const daysTo80Pct = daysTo(80);
  const daysTo90Pct = daysTo(90);
  const predictedAvgPct = Math.min(100, currentAvgPct + grow * horizonDays);
  const predictedMaxPct = Math.min(100, currentMaxPct + grow * horizonDays);
  let recommendation: string;
  if (daysTo90Pct !== null && daysTo90Pct <= 7) recommendation = daysTo90Pct === 0 ? 'peak use is above 90 %: add memory or cut use now' : `peak use reaches 90 % in ${fmtDays(daysTo90Pct)}: add memory or find the growth within the week`;
  else if (daysTo80Pct !== null && daysTo80Pct <= 30) recommendation = daysTo80Pct === 0 ? 'peak use is above 80 %: plan more memory' : `peak use reaches 80 % in ${fmtDays(daysTo80Pct)}: plan more memory this month`;
  else if (days < 1) recommendation = `only ${fmtDays(days)} of history: record a day or more for a plan`;
  else if (!confident) recommendation = 'no steady growth: capacity is sufficient at current use';
  else recommendation = 'growth is slow: capacity is sufficient for the next month';
  return { days, currentAvgPct, currentMaxPct, horizonDays, predictedAvgPct, predictedMaxPct, growthPctPerDay: perDay, confidence: s.confidence, daysTo80Pct, daysTo90Pct, recommendation };
}

function fmtDays(d: number): string {
  if (d < 1 / 24) return `${Math.max(1, Math.round(d * 1440))} min`;
  if (d < 2) return `${Math.round(d * 24)} h`;
  return `${Math.round(d)} days`;
}
