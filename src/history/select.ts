/**
 * What a tick records (pure): system memory and PSI, every cgroup with its own limit, and the
 * processes that matter, keyed by identity (PID + start time): the top N by risk, the top N by
 * growth, and every next victim (system-wide and per cgroup). A process once picked stays
 * recorded while it lives, for `stickyMs` after it was last picked, so its series has no holes
 * while it climbs in and out of the top N.
 */
import type { Snapshot } from '../sampler/types.js';
import { pushSeries, slopePerSecond, type Series } from '../store/history.js';
import type { SeriesId } from './db.js';

export interface SelectOptions {
  /** Processes per ranking (risk, growth). */
  top: number;
  stickyMs: number;
}

export const DEFAULT_SELECT: SelectOptions = { top: 20, stickyMs: 10 * 60_000 };

/** Points of the growth ranking: the last 10 RSS samples of every process. */
const GROWTH_POINTS = 10;

export interface TickPoint {
  id: SeriesId;
  value: number;
}

export const SYSTEM: Omit<SeriesId, 'metric'> = { kind: 'system', key: 'system' };

export class TickSelector {
  private readonly rss = new Map<string, Series>();
  private readonly picked = new Map<string, number>();

  constructor(private readonly opts: SelectOptions = DEFAULT_SELECT) {}

  /** The points of one snapshot. */
  points(snap: Snapshot): TickPoint[] {
    const out: TickPoint[] = [];
    const m = snap.system.memory;
    if (m) {
      out.push({ id: { ...SYSTEM, metric: 'total' }, value: m.totalKiB });
      out.push({ id: { ...SYSTEM, metric: 'used' }, value: m.totalKiB - m.availableKiB });
      out.push({ id: { ...SYSTEM, metric: 'headroom' }, value: m.availableKiB + m.swapFreeKiB });
      out.push({ id: { ...SYSTEM, metric: 'swap_used' }, value: m.swapTotalKiB - m.swapFreeKiB });
    }
    const psi = snap.system.pressure;
    if (psi) {
      out.push({ id: { ...SYSTEM, metric: 'psi_some' }, value: psi.some.avg10 });
      if (psi.full) out.push({ id: { ...SYSTEM, metric: 'psi_full' }, value: psi.full.avg10 });
    }
    for (const c of snap.cgroups) {
      const cm = c.memory;
      if (cm.limitKiB === null) continue;
      out.push({ id: { kind: 'cgroup', key: cm.path, metric: 'ws' }, value: cm.workingSetKiB });
      out.push({ id: { kind: 'cgroup', key: cm.path, metric: 'usage' }, value: cm.usageKiB });
      out.push({ id: { kind: 'cgroup', key: cm.path, metric: 'limit' }, value: cm.limitKiB });
    }

    const time = snap.time;
    const procs = snap.processes;
    const growth = new Map<string, number>();
    for (const p of procs) {
      let s = this.rss.get(p.key);
      if (!s) this.rss.set(p.key, (s = { times: [], values: [] }));
      pushSeries(s, time, p.rssKiB, GROWTH_POINTS);
      const g = slopePerSecond(s, GROWTH_POINTS);
      if (g !== null && g > 0) growth.set(p.key, g);
    }
    const { top, stickyMs } = this.opts;
    const byRisk = procs.slice().sort((a, b) => b.danger - a.danger || b.oomScore - a.oomScore || b.rssKiB - a.rssKiB).slice(0, top);
    const byGrowth = procs.filter((p) => growth.has(p.key)).sort((a, b) => growth.get(b.key)! - growth.get(a.key)!).slice(0, top);
    for (const p of byRisk) this.picked.set(p.key, time);
    for (const p of byGrowth) this.picked.set(p.key, time);
    const victims = new Set<number>();
    if (snap.nextVictimPid !== null) victims.add(snap.nextVictimPid);
    for (const c of snap.cgroups) if (c.nextVictimPid !== null) victims.add(c.nextVictimPid);
    const alive = new Set<string>();
    for (const p of procs) {
      alive.add(p.key);
      if (victims.has(p.pid)) this.picked.set(p.key, time);
      const at = this.picked.get(p.key);
      if (at === undefined || time - at > stickyMs) continue;
      out.push({ id: { kind: 'proc', key: p.key, metric: 'rss', label: p.name, cgroup: p.cgroup }, value: p.rssKiB });
    }
    for (const k of this.rss.keys()) if (!alive.has(k)) this.rss.delete(k);
    for (const [k, at] of this.picked) if (!alive.has(k) || time - at > stickyMs) this.picked.delete(k);
    return out;
  }
}
