/**
 * Live leak suspects and times to exhaustion from the store's own short histories, so the TUI
 * shows them without a recording. Cheap per tick: one point per limited cgroup and one for the
 * system; the analysis (src/history/analysis.ts, pure) runs every FORECAST_EVERY_MS, and only on
 * processes whose RSS rose over their history (one comparison each).
 */
import type { Snapshot } from '../sampler/types.js';
import { exhaustion, fmtEta, leakOf, type Exhaustion, type Growth } from '../history/analysis.js';
import { HISTORY_LENGTH, pushSeries, type HistoryLookup, type Series } from './history.js';

export const FORECAST_EVERY_MS = 5000;
/** By default an ETA under this logs a warning (once, until it is back above); --eta-warn sets another. */
export const ETA_WARN_S = 15 * 60;
/** A process must have grown at least this much over its history to be analysed, KiB. */
const MIN_RISE_KIB = 1024;

export interface Forecast {
  /** Epoch ms of the snapshot it was computed at; 0 before the first. */
  at: number;
  system: Exhaustion | null;
  /** Per memory cgroup path with its own limit: limit − working set over time. */
  cgroups: ReadonlyMap<string, Exhaustion>;
  /** Leak suspects by process key. */
  leaks: ReadonlyMap<string, Growth>;
}

export const NO_FORECAST: Forecast = { at: 0, system: null, cgroups: new Map(), leaks: new Map() };

export class Forecaster {
  private readonly system: Series = { times: [], values: [] };
  private readonly cgroups = new Map<string, Series>();
  private readonly warned = new Set<string>();
  forecast: Forecast = NO_FORECAST;

  /** `warnS`: an ETA under it logs a warning (--eta-warn; 0: never). */
  constructor(
    private readonly everyMs = FORECAST_EVERY_MS,
    private readonly warnS = ETA_WARN_S,
  ) {}

  /**
   * One snapshot: record the headrooms; when due, recompute and return the warnings of ETAs
   * that fell under `warnS` (each scope once until its ETA is back above).
   */
  observe(snap: Snapshot, history: HistoryLookup): string[] {
    const m = snap.system.memory;
    if (m) pushSeries(this.system, snap.time, m.availableKiB + m.swapFreeKiB, HISTORY_LENGTH);
    for (const c of snap.cgroups) {
      if (c.memory.limitKiB === null) continue;
      let s = this.cgroups.get(c.memory.path);
      if (!s) this.cgroups.set(c.memory.path, (s = { times: [], values: [] }));
      pushSeries(s, snap.time, c.memory.limitKiB - c.memory.workingSetKiB, HISTORY_LENGTH);
    }
    if (snap.time - this.forecast.at < this.everyMs) return [];
    for (const [path, s] of this.cgroups) if (s.times.at(-1) !== snap.time) this.cgroups.delete(path);

    const cgroups = new Map<string, Exhaustion>();
    for (const [path, s] of this.cgroups) {
      const e = exhaustion(s.times, s.values);
      if (e) cgroups.set(path, e);
    }
    const leaks = new Map<string, Growth>();
    for (const p of snap.processes) {
      const h = history.get(p.key);
      const v = h?.rssKiB.values;
      // The leak rule needs the floor to rise 1 MiB and 2 %: a cheap first cut on the raw ends.
      if (!h || !v || v.length < 8 || v.at(-1)! - v[0]! < Math.max(MIN_RISE_KIB, 0.02 * v[0]!)) continue;
      const g = leakOf(h.rssKiB.times, v);
      if (g) leaks.set(p.key, g);
    }
    const system = exhaustion(this.system.times, this.system.values);
    this.forecast = { at: snap.time, system, cgroups, leaks };

    const warnings: string[] = [];
    const check = (scope: string, e: Exhaustion | null | undefined, what: string) => {
      const low = e?.etaSeconds !== null && e?.etaSeconds !== undefined && e.etaSeconds < this.warnS;
      if (low && !this.warned.has(scope)) {
        this.warned.add(scope);
        warnings.push(what);
      } else if (!low) this.warned.delete(scope);
    };
    check('system', system, `system memory: ${fmtEta(system?.etaSeconds ?? null)} at the current rate (MemAvailable + free swap shrinking)`);
    for (const [path, e] of cgroups) check(path, e, `cgroup ${path}: ${fmtEta(e.etaSeconds)} at the current rate (its limit − working set shrinking)`);
    return warnings;
  }
}

/**
 * The exporter's gauges from a forecast (issue 13 wires them): oomtop_memory_exhaustion_eta_seconds{scope}
 * for every scope with a confident shrinking trend ("system" or the cgroup path), and
 * oomtop_process_growth_bytes_per_second{pid,comm,cgroup} for each leak suspect. Pure.
 */
export function forecastGauges(
  f: Forecast,
  processes: readonly { key: string; pid: number; name: string; cgroup: string | null }[],
): { eta: { scope: string; seconds: number }[]; growth: { pid: number; comm: string; cgroup: string | null; bytesPerSecond: number }[] } {
  const eta: { scope: string; seconds: number }[] = [];
  if (f.system?.etaSeconds != null) eta.push({ scope: 'system', seconds: f.system.etaSeconds });
  for (const [path, e] of f.cgroups) if (e.etaSeconds !== null) eta.push({ scope: path, seconds: e.etaSeconds });
  const growth = processes.flatMap((p) => {
    const g = f.leaks.get(p.key);
    return g ? [{ pid: p.pid, comm: p.name, cgroup: p.cgroup, bytesPerSecond: g.floorSlope * 1024 }] : [];
  });
  return { eta, growth };
}
