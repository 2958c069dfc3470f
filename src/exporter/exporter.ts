/**
 * `oomtop exporter`'s engine: the TUI's sampler and store, sampled at scrape time, and the
 * TUI's kernel-log follower (src/tui/kernel-events.ts) writing kills into that store; a
 * prom-client Registry of its own whose collectors read them at every scrape.
 */
import { Registry } from 'prom-client';
import type { StoreApi } from 'zustand/vanilla';
import { memcgResolver } from '../cgroup/resolve.js';
import { shortId } from '../cgroup/container.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { ContainerNamer } from '../containers/index.js';
import { Sampler } from '../sampler/sampler.js';
import type { Snapshot } from '../sampler/types.js';
import { createOomtopStore, type OomtopState } from '../store/store.js';
import { followKernelLog, killContainer } from '../tui/kernel-events.js';
import { COLLECTORS, guardCollector, selectCgroups, type Collector, type CollectorFactory, type GuardStats } from './collectors.js';
import { KernelKills } from './kills.js';
import { labelValue } from './labels.js';

export interface ExporterOptions {
  procRoot: string;
  /** null: the cgroup mounts /proc/self/mountinfo names. */
  cgroupRoot: string | null;
  devKmsg?: string;
  /** Processes exported besides the victims (--top). */
  top: number;
  /** Limited cgroups exported (--max-cgroups); also bounds the kernel-kill series. */
  maxCgroups: number;
  /** A scrape sooner than this after the last sample reuses it (--interval). */
  intervalMs: number;
  /** Follow the kernel log (default true). */
  kernelLog?: boolean;
  /** Ask container runtimes for names (default true when there is a memory controller). */
  containerNames?: boolean;
  /** Inside the guard: its decisions so far. */
  guard?: () => GuardStats;
  /** More collectors (e.g. history-based metrics), run after the built-in ones. */
  extra?: readonly CollectorFactory[];
  /** Fixture trees: the memory hierarchy to use instead of detecting it. */
  hierarchy?: MemoryHierarchy | null;
  memoryCgroupOf?: (procCgroupText: string) => string | null;
  now?: () => number;
}

export class Exporter {
  readonly registry = new Registry();
  readonly store: StoreApi<OomtopState>;
  readonly kills: KernelKills;
  private readonly sampler: Sampler;
  private readonly collectors: Collector[];
  private readonly namer: ContainerNamer | null;
  private follower: { stop(): void } | null = null;
  private readonly unsubscribe: () => void;
  private lastEventId = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ExporterOptions) {
    this.now = opts.now ?? Date.now;
    this.store = createOomtopStore();
    const resolved = opts.hierarchy !== undefined ? { hierarchy: opts.hierarchy, memoryCgroupOf: opts.memoryCgroupOf } : memcgResolver(opts.procRoot, opts.cgroupRoot);
    this.namer = resolved.hierarchy && (opts.containerNames ?? true) ? new ContainerNamer() : null;
    // It samples when scraped, at a spacing nobody promises (or never again, with Prometheus
    // down): held cgroup files could keep a removed v1 memory cgroup in the kernel that long,
    // so they are opened per scrape (a few hundred opens every 15 s or so cost nothing).
    this.sampler = new Sampler({
      procRoot: opts.procRoot,
      hierarchy: resolved.hierarchy,
      memoryCgroupOf: resolved.memoryCgroupOf,
      namer: this.namer,
      now: opts.now,
      holdCgroupFiles: false,
    });
    this.kills = new KernelKills(opts.maxCgroups);
    const factories = [...COLLECTORS, ...(opts.guard ? [guardCollector] : []), ...(opts.extra ?? [])];
    this.collectors = factories.map((f) => f(this.registry));
    // Kills arrive in the store's event log (the TUI's follower); count each once, as it comes.
    this.unsubscribe = this.store.subscribe((next, prev) => {
      if (next.events === prev.events) return;
      for (const e of next.events) {
        if (e.id <= this.lastEventId) continue;
        this.lastEventId = e.id;
        if (e.kind !== 'oom-kill' || !e.oom) continue;
        const c = killContainer({ ...e.oom, past: e.oom.past ?? false }, this.namer);
        this.kills.observe(e.oom, e.time, c ? (c.name ?? shortId(c.id)) : '');
      }
    });
    if (opts.kernelLog ?? true) {
      this.follower = followKernelLog(this.store, { procRoot: opts.procRoot, devKmsg: opts.devKmsg, namer: this.namer });
    }
  }

  /** Sample now unless the last sample is younger than --interval; returns the snapshot in the store. */
  refresh(): Snapshot {
    const st = this.store.getState();
    const last = st.snapshot;
    if (last !== null && this.now() - last.time < this.opts.intervalMs) return last;
    // Detail reads (swap, command line) for the rows exported last time and for the victims.
    const detail = new Set<number>([process.pid]);
    for (const r of st.rows.slice(0, this.opts.top)) detail.add(r.pid);
    if (last) {
      if (last.nextVictimPid !== null) detail.add(last.nextVictimPid);
      for (const c of last.cgroups) if (c.nextVictimPid !== null) detail.add(c.nextVictimPid);
    }
    const snap = this.sampler.sample({ detailPids: detail });
    st.applySnapshot(snap);
    if (this.sampler.fillDetails(detail)) st.refreshRows();
    return snap;
  }

  /** One scrape: a fresh sample (or the last one, within --interval), every collector, the text. */
  async scrape(): Promise<string> {
    const snapshot = this.refresh();
    const st = this.store.getState();
    const input = {
      snapshot,
      rows: st.rows,
      pressureLevel: st.pressureLevel,
      cgroups: selectCgroups(snapshot, this.opts.maxCgroups),
      kills: this.kills,
      // Not followed (--no-kernel-log, --once) is not seen either: 0, so the alerts fall back
      // on the kernel's own counters (OomtopOomKillUnlogged).
      kernelLogUp: this.follower !== null && (st.kernelLog === null || st.kernelLog.source !== 'none'),
      guard: this.opts.guard ? this.opts.guard() : null,
      top: this.opts.top,
      state: st,
    };
    for (const c of this.collectors) c.update(input);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Problems worth a line on stderr at start (no kernel log, hidepid...). */
  warnings(): string[] {
    const st = this.store.getState();
    const out = [...(st.snapshot?.warnings ?? [])];
    if (st.kernelLog?.source === 'none' && st.kernelLog.message) out.push(`kernel log: ${labelValue(st.kernelLog.message)}`);
    return out;
  }

  stop(): void {
    this.unsubscribe();
    this.follower?.stop();
    this.namer?.stop();
    this.sampler.close();
  }
}
