/** Short per-process and system histories kept by the store. */

export const HISTORY_LENGTH = 60;
/** The long RSS history: one point per LONG_STEP_MS, LONG_LENGTH of them (10 min at the default). */
export const LONG_STEP_MS = 10_000;
export const LONG_LENGTH = 60;

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
  /** RSS one point per LONG_STEP_MS (the detail pane's long sparkline). */
  rssLong: Series;
  oomScore: Series;
  oomScoreAdj: number | null;
  /** Epoch ms of the last sample that saw it alive. */
  lastSeen: number;
}

/**
 * The store's per-process histories, bounded for a box with heavy process churn.
 *
 * Live processes have one entry each. When a process is no longer seen its entry moves to a
 * graveyard, kept for the OOM flight recorder (the kernel's report of a kill arrives after the
 * victim is gone). The graveyard has two tiers, each first-in first-out by exit time, so that
 * trimming costs only the entries removed:
 * - notable processes (ever the next victim, system-wide or in their cgroup, or charged at least
 *   1 % of RAM+swap): the ones a kill is likely to name, kept for GRAVEYARD_MS, at most
 *   NOTABLE_LIMIT;
 * - every other exited process, kept for GRAVEYARD_MS, at most RECENT_LIMIT (a few seconds of
 *   very heavy churn, which still covers a kill report that arrives a tick late).
 * Series of exited processes are copied to exact-size arrays.
 */
export const GRAVEYARD_MS = 10 * 60 * 1000;
export const NOTABLE_LIMIT = 256;
export const RECENT_LIMIT = 1024;

export interface ObservedProcess {
  key: string;
  pid: number;
  startTimeTicks: number;
  name: string;
  rssKiB: number;
  oomScore: number;
  oomScoreAdj: number | null;
}

/** What readers of the histories need (the growth column, the flight recorder). */
export interface HistoryLookup {
  get(key: string): ProcessHistory | undefined;
  values(): Iterable<ProcessHistory>;
}

interface Entry extends ProcessHistory {
  notable: boolean;
  /** The highest risk threshold (‰) whose upward crossing was already logged. */
  crossed: number;
}

export class ProcessHistories implements HistoryLookup {
  private readonly live = new Map<string, Entry>();
  private readonly notable = new Map<string, Entry>();
  private readonly recent = new Map<string, Entry>();

  constructor(private readonly limits = { notable: NOTABLE_LIMIT, recent: RECENT_LIMIT, ageMs: GRAVEYARD_MS }) {}

  get size(): number {
    return this.live.size + this.notable.size + this.recent.size;
  }

  /** Entries kept for processes that are gone. */
  get retired(): number {
    return this.notable.size + this.recent.size;
  }

  get(key: string): ProcessHistory | undefined {
    return this.live.get(key) ?? this.notable.get(key) ?? this.recent.get(key);
  }

  has(key: string): boolean {
    return this.live.has(key) || this.notable.has(key) || this.recent.has(key);
  }

  *values(): IterableIterator<ProcessHistory> {
    yield* this.live.values();
    yield* this.notable.values();
    yield* this.recent.values();
  }

  /** Record one process seen at `time` (`notable`: worth keeping longer once it exits). */
  observe(p: ObservedProcess, time: number, notable: boolean): void {
    let h = this.live.get(p.key);
    if (!h) {
      // A PID whose entry was retired cannot come back with the same start time, but a stop
      // (SIGSTOP of oomtop, a paused sampler) can make a live process look gone for a while.
      h = this.notable.get(p.key) ?? this.recent.get(p.key);
      if (h) {
        this.notable.delete(p.key);
        this.recent.delete(p.key);
      } else {
        h = {
          pid: p.pid,
          startTimeTicks: p.startTimeTicks,
          name: p.name,
          rssKiB: { times: [], values: [] },
          rssLong: { times: [], values: [] },
          oomScore: { times: [], values: [] },
          oomScoreAdj: p.oomScoreAdj,
          lastSeen: time,
          notable: false,
          crossed: 0,
        };
      }
      this.live.set(p.key, h);
    }
    h.name = p.name;
    h.oomScoreAdj = p.oomScoreAdj;
    h.lastSeen = time;
    if (notable) h.notable = true;
    pushSeries(h.rssKiB, time, p.rssKiB, HISTORY_LENGTH);
    pushSeries(h.oomScore, time, p.oomScore, HISTORY_LENGTH);
    const long = h.rssLong.times;
    if (long.length === 0 || time - long[long.length - 1]! >= LONG_STEP_MS) pushSeries(h.rssLong, time, p.rssKiB, LONG_LENGTH);
  }

  /** The highest risk threshold (‰) already logged for a live process; 0 when none. */
  crossed(key: string): number {
    return this.live.get(key)?.crossed ?? 0;
  }

  markCrossed(key: string, threshold: number): void {
    const h = this.live.get(key);
    if (h && threshold > h.crossed) h.crossed = threshold;
  }

  /** After a tick at `time`: retire the live entries not seen in it, and trim the graveyard. */
  retire(time: number): void {
    for (const [key, h] of this.live) {
      if (h.lastSeen === time) continue;
      this.live.delete(key);
      h.rssKiB = { times: h.rssKiB.times.slice(), values: h.rssKiB.values.slice() };
      h.oomScore = { times: h.oomScore.times.slice(), values: h.oomScore.values.slice() };
      h.rssLong = { times: h.rssLong.times.slice(), values: h.rssLong.values.slice() };
      (h.notable ? this.notable : this.recent).set(key, h);
    }
    trim(this.notable, this.limits.notable, time - this.limits.ageMs);
    trim(this.recent, this.limits.recent, time - this.limits.ageMs);
  }
}

/** Drop the oldest exits: past the count, or seen last before `oldest`. Maps are in exit order. */
function trim(map: Map<string, Entry>, limit: number, oldest: number): void {
  for (const [key, h] of map) {
    if (map.size <= limit && h.lastSeen >= oldest) break;
    map.delete(key);
  }
}
