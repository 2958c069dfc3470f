/**
 * The exporter's metrics. Each collector registers its metrics on the exporter's own
 * Registry and, at every scrape, sets them from one ScrapeInput: the store's latest snapshot
 * and rows (the sampler and store the TUI uses), the kernel log's kills and, inside the
 * guard, the guard's decisions. Every collector resets its series before setting them, so a
 * process or cgroup that is gone has no series at the next scrape.
 *
 * Adding a metric family: write a CollectorFactory and list it in COLLECTORS (or pass it to
 * the Exporter as `extra`); it gets the same ScrapeInput at every scrape.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CgroupSample, ProcessSample, Snapshot } from '../sampler/types.js';
import type { Row } from '../store/rows.js';
import type { OomtopState } from '../store/store.js';
import { LEVELS, type PressureLevel } from '../sampler/pressure.js';
import type { KernelKills } from './kills.js';
import { forecastGauges } from '../store/forecast.js';
import { labelValue, workloadLabels } from './labels.js';

const KIB = 1024;
const US = 1e-6;

/** The guard's decisions, when the exporter runs inside `oomtop guard --listen`. */
export interface GuardStats {
  armed: boolean;
  /** Signals sent, by scope and signal. */
  kills: ReadonlyMap<string, { scope: string; signal: string; n: number }>;
}

export interface ScrapeInput {
  snapshot: Snapshot;
  /** The store's rows: every process, most at risk first (the TUI's default order). */
  rows: readonly Row[];
  pressureLevel: PressureLevel;
  /** Limited cgroups kept for export (at most --max-cgroups, least headroom first) and how many were left out. */
  cgroups: { kept: CgroupSample[]; dropped: number };
  kills: KernelKills;
  kernelLogUp: boolean;
  guard: GuardStats | null;
  top: number;
  /** The whole store (histories, events), for collectors that need more than the above. */
  state: OomtopState;
}

export interface Collector {
  update(input: ScrapeInput): void;
}
export type CollectorFactory = (registry: Registry) => Collector;

/** The limited cgroups to export: least headroom first (the snapshot's order), at most `max`. */
export function selectCgroups(snapshot: Snapshot, max: number): { kept: CgroupSample[]; dropped: number } {
  const limited = snapshot.cgroups.filter((c) => c.memory.limitKiB !== null);
  return { kept: limited.slice(0, max), dropped: Math.max(0, limited.length - max) };
}

const gauge = (registry: Registry, name: string, help: string, labelNames: string[] = []) =>
  new Gauge({ name, help, labelNames, registers: [registry] });
const counter = (registry: Registry, name: string, help: string, labelNames: string[] = []) =>
  new Counter({ name, help, labelNames, registers: [registry] });

/** A counter the kernel keeps (read at scrape time): its value as read, not an increment. */
function setCounter(c: Counter<string>, labels: Record<string, string>, value: number): void {
  c.inc(labels, Math.max(0, value));
}

export const systemCollector: CollectorFactory = (r) => {
  const total = gauge(r, 'oomtop_memory_total_bytes', 'MemTotal from /proc/meminfo.');
  const avail = gauge(r, 'oomtop_memory_available_bytes', 'MemAvailable from /proc/meminfo.');
  const swapTotal = gauge(r, 'oomtop_swap_total_bytes', 'SwapTotal from /proc/meminfo.');
  const swapFree = gauge(r, 'oomtop_swap_free_bytes', 'SwapFree from /proc/meminfo.');
  const committed = gauge(r, 'oomtop_memory_committed_bytes', 'Committed_AS from /proc/meminfo.');
  const commitLimit = gauge(r, 'oomtop_memory_commit_limit_bytes', 'CommitLimit from /proc/meminfo.');
  const waiting = counter(r, 'oomtop_pressure_memory_waiting_seconds_total', 'PSI memory "some" total: time some tasks stalled on memory.');
  const stalled = counter(r, 'oomtop_pressure_memory_stalled_seconds_total', 'PSI memory "full" total: time all non-idle tasks stalled on memory.');
  const level = gauge(r, 'oomtop_pressure_level', "oomtop's memory pressure level: 0 normal, 1 elevated, 2 high, 3 critical (available memory and PSI, with hysteresis).");
  const kills = counter(r, 'oomtop_oom_kills_total', "The kernel's OOM kill counter since boot (/proc/vmstat oom_kill).");
  return {
    update({ snapshot, pressureLevel }) {
      for (const m of [total, avail, swapTotal, swapFree, committed, commitLimit, level]) m.reset();
      for (const c of [waiting, stalled, kills]) c.reset();
      const mem = snapshot.system.memory;
      if (mem) {
        total.set(mem.totalKiB * KIB);
        avail.set(mem.availableKiB * KIB);
        swapTotal.set(mem.swapTotalKiB * KIB);
        swapFree.set(mem.swapFreeKiB * KIB);
        committed.set(mem.committedKiB * KIB);
        commitLimit.set(mem.commitLimitKiB * KIB);
      }
      const psi = snapshot.system.pressure;
      if (psi) {
        setCounter(waiting, {}, psi.some.total * US);
        if (psi.full) setCounter(stalled, {}, psi.full.total * US);
      }
      level.set(LEVELS.indexOf(pressureLevel));
      if (snapshot.system.oomKills !== null) setCounter(kills, {}, snapshot.system.oomKills);
    },
  };
};

const PROCESS_LABELS = ['pid', 'comm', 'cgroup', 'container'];

function processLabels(p: ProcessSample): Record<string, string> {
  return { pid: String(p.pid), comm: labelValue(p.name), cgroup: labelValue(p.cgroup), container: labelValue(p.container) };
}

export const processCollector: CollectorFactory = (r) => {
  const score = gauge(r, 'oomtop_process_oom_score', "/proc/PID/oom_score: the kernel's badness as it prints it (the highest is killed first).", PROCESS_LABELS);
  const adj = gauge(r, 'oomtop_process_oom_score_adj', '/proc/PID/oom_score_adj, -1000..1000.', PROCESS_LABELS);
  const rss = gauge(r, 'oomtop_process_resident_bytes', 'Resident memory (statm), bytes.', PROCESS_LABELS);
  const swap = gauge(r, 'oomtop_process_swap_bytes', 'VmSwap from /proc/PID/status, bytes.', PROCESS_LABELS);
  const victim = gauge(r, 'oomtop_next_victim_info', 'The process the kernel would kill first in an OOM of this scope: "system", or the limited cgroup whose OOM it is.', ['scope', 'pid', 'comm', 'cgroup']);
  const exported = gauge(r, 'oomtop_exporter_processes', 'Processes seen at the last sample (all of them, not only the exported ones).');
  return {
    update({ snapshot, rows, cgroups, top }) {
      for (const m of [score, adj, rss, swap, victim, exported]) m.reset();
      exported.set(snapshot.processes.length);
      const byPid = new Map<number, ProcessSample>();
      for (const p of snapshot.processes) byPid.set(p.pid, p);
      const chosen = new Map<number, ProcessSample>();
      for (const p of rows.slice(0, top)) chosen.set(p.pid, p);
      const victims: { scope: string; p: ProcessSample }[] = [];
      const sys = snapshot.nextVictimPid === null ? undefined : byPid.get(snapshot.nextVictimPid);
      if (sys) victims.push({ scope: 'system', p: sys });
      for (const c of cgroups.kept) {
        const p = c.nextVictimPid === null ? undefined : byPid.get(c.nextVictimPid);
        if (p) victims.push({ scope: labelValue(c.memory.path), p });
      }
      for (const { scope, p } of victims) {
        chosen.set(p.pid, p);
        victim.set({ scope, pid: String(p.pid), comm: labelValue(p.name), cgroup: labelValue(p.cgroup) }, 1);
      }
      for (const p of chosen.values()) {
        const l = processLabels(p);
        score.set(l, p.oomScore);
        if (p.oomScoreAdj !== null) adj.set(l, p.oomScoreAdj);
        rss.set(l, p.rssKiB * KIB);
        swap.set(l, p.swapKiB * KIB);
      }
    },
  };
};

const CGROUP_LABELS = ['cgroup', 'container', 'pod', 'namespace', 'unit'];

export const cgroupCollector: CollectorFactory = (r) => {
  const limit = gauge(r, 'oomtop_cgroup_memory_limit_bytes', "The cgroup's own memory limit (v1 memory.limit_in_bytes, v2 memory.max).", CGROUP_LABELS);
  const usage = gauge(r, 'oomtop_cgroup_memory_usage_bytes', 'Memory charged to the cgroup (v1 memory.usage_in_bytes, v2 memory.current).', CGROUP_LABELS);
  const ws = gauge(r, 'oomtop_cgroup_memory_working_set_bytes', 'Usage minus inactive file pages (the working set cAdvisor and the kubelet use).', CGROUP_LABELS);
  const headroom = gauge(r, 'oomtop_cgroup_memory_headroom_bytes', 'Limit minus working set of the OOM domain this cgroup belongs to (its own limit, or a tighter one above it): what the kernel cannot reclaim short of an OOM.', CGROUP_LABELS);
  const kills = counter(r, 'oomtop_cgroup_oom_kills_total', "OOM kills the kernel counted in the cgroup (v1 memory.oom_control oom_kill, v2 memory.events oom_kill).", CGROUP_LABELS);
  const waiting = counter(r, 'oomtop_cgroup_pressure_memory_waiting_seconds_total', 'The cgroup\'s PSI memory "some" total (cgroup v2 memory.pressure).', CGROUP_LABELS);
  const stalled = counter(r, 'oomtop_cgroup_pressure_memory_stalled_seconds_total', 'The cgroup\'s PSI memory "full" total (cgroup v2 memory.pressure).', CGROUP_LABELS);
  const dropped = gauge(r, 'oomtop_exporter_cgroups_dropped', 'Limited cgroups left out of the last scrape by --max-cgroups (the ones with the most headroom).');
  const droppedTotal = counter(r, 'oomtop_exporter_cgroups_dropped_total', 'Cgroup series left out by --max-cgroups, summed over scrapes.');
  return {
    update({ cgroups }) {
      for (const m of [limit, usage, ws, headroom, dropped]) m.reset();
      for (const c of [kills, waiting, stalled]) c.reset();
      for (const c of cgroups.kept) {
        const m = c.memory;
        const l = { cgroup: labelValue(m.path), ...workloadLabels(m.container) };
        limit.set(l, m.limitKiB! * KIB);
        usage.set(l, m.usageKiB * KIB);
        ws.set(l, m.workingSetKiB * KIB);
        if (c.headroomKiB !== null) headroom.set(l, Math.max(0, c.headroomKiB) * KIB);
        if (m.oomKills !== null) setCounter(kills, l, m.oomKills);
        if (m.pressure) {
          setCounter(waiting, l, m.pressure.some.total * US);
          if (m.pressure.full) setCounter(stalled, l, m.pressure.full.total * US);
        }
      }
      dropped.set(cgroups.dropped);
      droppedTotal.inc(cgroups.dropped);
    },
  };
};

export const kernelLogCollector: CollectorFactory = (r) => {
  const kills = counter(r, 'oomtop_kernel_oom_kills_total', 'OOM kills read from the kernel log since the exporter started, by constraint (none: system-wide, memcg: a cgroup limit) and the cgroup whose limit was hit.', ['constraint', 'cgroup']);
  const lastTime = gauge(r, 'oomtop_last_oom_kill_timestamp_seconds', 'When the last OOM kill in the kernel log happened (Unix time), including kills from before the exporter started.');
  const last = gauge(r, 'oomtop_last_oom_kill_info', 'The victim of the last OOM kill in the kernel log (one series, replaced by the next kill).', ['constraint', 'cgroup', 'task_cgroup', 'container', 'pid', 'comm', 'oom_score_adj']);
  const up = gauge(r, 'oomtop_kernel_log_up', '1 when the kernel log (/dev/kmsg, dmesg or journalctl) is followed and readable, so kills are seen; 0 when it cannot be read or is not followed (--no-kernel-log, --once).');
  return {
    update({ kills: k, cgroups, kernelLogUp }) {
      kills.reset();
      lastTime.reset();
      last.reset();
      // Zero series first, so the first kill is a rise Prometheus sees (increase() of a
      // series that appears at 1 is 0): the system, and every limited cgroup exported.
      kills.inc({ constraint: 'none', cgroup: '' }, k.count({ constraint: 'none', cgroup: '' }));
      for (const c of cgroups.kept) {
        const key = { constraint: 'memcg', cgroup: c.memory.path };
        kills.inc({ constraint: 'memcg', cgroup: labelValue(key.cgroup) }, k.count(key));
      }
      const shown = new Set(['none\u0000', ...cgroups.kept.map((c) => `memcg\u0000${c.memory.path}`)]);
      for (const e of k.counted()) {
        if (shown.has(`${e.constraint}\u0000${e.cgroup}`)) continue;
        kills.inc({ constraint: e.constraint, cgroup: labelValue(e.cgroup) }, e.n);
      }
      const l = k.last;
      if (l) {
        lastTime.set(l.timeSec);
        last.set(
          {
            constraint: l.constraint,
            cgroup: labelValue(l.cgroup),
            task_cgroup: labelValue(l.taskCgroup),
            container: labelValue(l.container),
            pid: String(l.pid),
            comm: labelValue(l.comm),
            oom_score_adj: l.oomScoreAdj === null ? '' : String(l.oomScoreAdj),
          },
          1,
        );
      }
      up.set(kernelLogUp ? 1 : 0);
    },
  };
};

export const guardCollector: CollectorFactory = (r) => {
  const kills = counter(r, 'oomtop_guard_kills_total', 'Signals the guard sent to end a victim, by scope and signal (none in --dry-run).', ['scope', 'signal']);
  const armed = gauge(r, 'oomtop_guard_armed', '1 when the guard signals victims, 0 in --dry-run.');
  return {
    update({ guard }) {
      kills.reset();
      armed.reset();
      if (!guard) return;
      armed.set(guard.armed ? 1 : 0);
      for (const k of guard.kills.values()) kills.inc({ scope: labelValue(k.scope), signal: k.signal }, k.n);
    },
  };
};

export const exporterCollector: CollectorFactory = (r) => {
  const cost = gauge(r, 'oomtop_exporter_sample_duration_seconds', 'Time the last sample of /proc and the cgroups took.');
  const age = gauge(r, 'oomtop_exporter_sample_timestamp_seconds', 'When the sample this scrape shows was taken (Unix time).');
  return {
    update({ snapshot }) {
      cost.set(snapshot.costMs / 1000);
      age.set(snapshot.time / 1000);
    },
  };
};

/**
 * The store's live forecast (src/store/forecast.ts, the figures behind the TUI's ETAs and L
 * badge): time to exhaustion per scope with a confident shrinking trend, and the growth of
 * each leak suspect. Bounded: scopes are the system and the exported cgroups; suspects are
 * live processes whose memory floor rises steadily, at most --top of them (the fastest).
 */
export const forecastCollector: CollectorFactory = (r) => {
  const eta = gauge(r, 'oomtop_memory_exhaustion_eta_seconds', 'Time until the scope runs out at its current trend ("system": MemAvailable + free swap; a cgroup: limit − working set); no series when there is no confident shrinking trend.', ['scope']);
  const growth = gauge(r, 'oomtop_process_growth_bytes_per_second', "A leak suspect's growth: the robust slope of its resident memory's rising floor.", ['pid', 'comm', 'cgroup']);
  return {
    update({ state, snapshot, cgroups, top }) {
      eta.reset();
      growth.reset();
      const g = forecastGauges(state.forecast, snapshot.processes);
      const exported = new Set(cgroups.kept.map((c) => c.memory.path));
      for (const e of g.eta) if (e.scope === 'system' || exported.has(e.scope)) eta.set({ scope: labelValue(e.scope) }, e.seconds);
      // Bounded like the process series: the --top fastest growers (a box where every worker
      // grows at once must not grow one series per process).
      const fastest = [...g.growth].sort((a, b) => b.bytesPerSecond - a.bytesPerSecond || a.pid - b.pid).slice(0, top);
      for (const p of fastest) growth.set({ pid: String(p.pid), comm: labelValue(p.comm), cgroup: labelValue(p.cgroup) }, p.bytesPerSecond);
    },
  };
};

/** Every collector of `oomtop exporter`; the guard's only inside the guard. */
export const COLLECTORS: readonly CollectorFactory[] = [systemCollector, processCollector, cgroupCollector, kernelLogCollector, forecastCollector, exporterCollector];
