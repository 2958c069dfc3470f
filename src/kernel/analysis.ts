/**
 * What a set of OOM events says: kills per process name, repeat victims, memcg versus
 * system-wide, the largest tasks seen; the OOM sysctls with what each means; and the
 * recommendations that follow from this particular log (pure, no I/O).
 */
import type { MemInfo, OomSettings } from '../proc/types.js';
import { fmtSize } from '../text/size.js';
import { compareText } from '../text/compare.js';
import { runtimeAdvice } from './advice-runtimes.js';
import type { OomEvent, OomTask } from './types.js';

export interface KillSummary {
  events: number;
  kills: number;
  incomplete: number;
  /** Reports without a kill line, "no killable process", victims already exiting. */
  withoutKill: number;
  byComm: { comm: string; kills: number }[];
  /** Names killed more than once. */
  repeated: { comm: string; kills: number }[];
  memcgKills: number;
  systemKills: number;
  /** Kills whose constraint the log does not say. */
  unknownConstraintKills: number;
  byMemcg: { memcg: string; kills: number; limitKiB: number | null }[];
  /** Largest tasks across all task tables, by RSS (pages), one entry per pid. */
  largestTasks: OomTask[];
}

const isKill = (e: OomEvent): boolean => e.kind === 'kill' || e.kind === 'group-kill';

/** Processes killed by one event: one, or every member of a memory.oom.group kill. */
const killedBy = (e: OomEvent): number => e.groupVictims?.length ?? 1;

export function summarize(events: OomEvent[]): KillSummary {
  const killEvents = events.filter(isKill);
  const byComm = new Map<string, number>();
  // In how many OOM events a name was killed: a group kill of two "worker"s is one event,
  // not a repeat.
  const eventsByComm = new Map<string, number>();
  const byMemcg = new Map<string, { kills: number; limitKiB: number | null }>();
  for (const k of killEvents) {
    for (const v of k.groupVictims ?? [k.victim!]) byComm.set(v.comm, (byComm.get(v.comm) ?? 0) + 1);
    for (const comm of new Set((k.groupVictims ?? [k.victim!]).map((v) => v.comm))) eventsByComm.set(comm, (eventsByComm.get(comm) ?? 0) + 1);
    if (k.constraint === 'MEMCG') {
      const path = k.memcg?.oomMemcg ?? k.memcg?.taskMemcg ?? '(unknown group)';
      const cur = byMemcg.get(path) ?? { kills: 0, limitKiB: null };
      cur.kills += killedBy(k);
      cur.limitKiB = k.memcg?.limitKiB ?? cur.limitKiB;
      byMemcg.set(path, cur);
    }
  }
  const sortedComm = [...byComm].map(([comm, n]) => ({ comm, kills: n })).sort((a, b) => b.kills - a.kills || compareText(a.comm, b.comm));
  const count = (es: OomEvent[]): number => es.reduce((n, e) => n + killedBy(e), 0);
  const tasks = new Map<number, OomTask>();
  for (const e of events) {
    for (const t of e.tasks) {
      const prev = tasks.get(t.pid);
      if (!prev || (t.rssPages ?? 0) > (prev.rssPages ?? 0)) tasks.set(t.pid, t);
    }
  }
  return {
    events: events.length,
    kills: count(killEvents),
    incomplete: events.filter((e) => e.incomplete).length,
    withoutKill: events.length - killEvents.length,
    byComm: sortedComm,
    repeated: sortedComm.filter((c) => (eventsByComm.get(c.comm) ?? 0) > 1),
    memcgKills: count(killEvents.filter((k) => k.constraint === 'MEMCG')),
    systemKills: count(killEvents.filter((k) => k.constraint !== null && k.constraint !== 'MEMCG')),
    unknownConstraintKills: count(killEvents.filter((k) => k.constraint === null)),
    byMemcg: [...byMemcg].map(([memcg, v]) => ({ memcg, ...v })).sort((a, b) => b.kills - a.kills),
    largestTasks: [...tasks.values()].sort((a, b) => (b.rssPages ?? 0) - (a.rssPages ?? 0)).slice(0, 10),
  };
}

export interface SettingExplanation {
  name: string;
  value: string;
  meaning: string;
}

export interface SettingsReport {
  settings: OomSettings;
  committedKiB: number | null;
  commitLimitKiB: number | null;
  swapTotalKiB: number | null;
  explanations: SettingExplanation[];
}

const show = (v: number | null): string => (v === null ? 'unreadable' : String(v));

export function explainSettings(s: OomSettings, mem: MemInfo | null): SettingsReport {
  const ex: SettingExplanation[] = [];
  ex.push({
    name: 'vm.panic_on_oom',
    value: show(s.panicOnOom),
    meaning:
      s.panicOnOom === null
        ? 'unknown'
        : s.panicOnOom === 0
          ? 'the OOM killer kills a process; the system keeps running'
          : s.panicOnOom === 1
            ? 'a system-wide OOM panics the kernel (memory-cgroup OOMs still kill a process)'
            : 'every OOM panics the kernel, memory-cgroup OOMs included',
  });
  ex.push({
    name: 'vm.oom_kill_allocating_task',
    value: show(s.oomKillAllocatingTask),
    meaning:
      s.oomKillAllocatingTask === null
        ? 'unknown'
        : s.oomKillAllocatingTask === 0
          ? 'the victim is the task with the highest OOM score (mostly: the largest)'
          : 'the task whose allocation failed is killed, whatever its size: victims can be small bystanders',
  });
  ex.push({
    name: 'vm.oom_dump_tasks',
    value: show(s.oomDumpTasks),
    meaning:
      s.oomDumpTasks === null
        ? 'unknown'
        : s.oomDumpTasks === 0
          ? 'OOM reports do not list tasks: the largest processes at the time are not recorded'
          : 'OOM reports include the task table (pid, RSS, oom_score_adj of every candidate)',
  });
  ex.push({
    name: 'vm.overcommit_memory',
    value: show(s.overcommitMemory),
    meaning:
      s.overcommitMemory === null
        ? 'unknown'
        : s.overcommitMemory === 0
          ? 'heuristic overcommit: obviously excessive allocations fail, the rest succeed and the OOM killer settles the bill'
          : s.overcommitMemory === 1
            ? 'always overcommit: allocations never fail up front, the OOM killer is the only limit'
            : 'strict accounting: allocations fail once Committed_AS would pass CommitLimit, instead of OOM kills',
  });
  const ratioMeaning =
    s.overcommitKbytes !== null && s.overcommitKbytes > 0
      ? `ignored: vm.overcommit_kbytes=${s.overcommitKbytes} sets CommitLimit instead`
      : s.overcommitMemory === 2
        ? `CommitLimit = swap + ${show(s.overcommitRatio)}% of RAM`
        : 'only used when vm.overcommit_memory=2';
  ex.push({ name: 'vm.overcommit_ratio', value: show(s.overcommitRatio), meaning: ratioMeaning });
  if (mem) {
    const pct = mem.commitLimitKiB > 0 ? Math.round((mem.committedKiB / mem.commitLimitKiB) * 100) : null;
    ex.push({
      name: 'Committed_AS / CommitLimit',
      value: `${mem.committedKiB} kB / ${mem.commitLimitKiB} kB${pct === null ? '' : ` (${pct}%)`}`,
      meaning:
        s.overcommitMemory === 2
          ? 'memory promised to processes against the hard limit: near 100% means allocations are about to fail'
          : 'memory promised to processes; above 100% is normal with overcommit, it shows how much is promised but not backed',
    });
  }
  return {
    settings: s,
    committedKiB: mem?.committedKiB ?? null,
    commitLimitKiB: mem?.commitLimitKiB ?? null,
    swapTotalKiB: mem?.swapTotalKiB ?? null,
    explanations: ex,
  };
}

const DATABASES = /^(mysqld|mariadbd|postgres|postmaster|mongod|redis-server|elasticsearch|clickhouse|etcd|java)$/;

/** Which machine wrote the log, as far as it says: advice about this machine's settings applies only to it. */
export interface LogOrigin {
  /** Hosts named by the log's syslog/journal lines. */
  hosts: string[];
  /** True: the log is this machine's (its kernel buffer, or it names only this host); false: another's; null: it does not say. */
  thisMachine: boolean | null;
  /** This machine's hostname. */
  machine: string;
}

export function logOrigin(events: OomEvent[], opts: { kernelBuffer: boolean; hostname: string }): LogOrigin {
  const hosts = [...new Set(events.map((e) => e.host).filter((h): h is string => typeof h === 'string' && h !== ''))];
  const short = (h: string) => h.split('.')[0]!.toLowerCase();
  const mine = short(opts.hostname);
  const thisMachine = opts.kernelBuffer ? true : hosts.length === 0 ? null : hosts.every((h) => short(h) === mine);
  return { hosts, thisMachine, machine: opts.hostname };
}

/** Recommendations that follow from what this log and these settings show. */
export function recommend(events: OomEvent[], summary: KillSummary, settings: SettingsReport | null, origin: LogOrigin | null = null): string[] {
  const out: string[] = [];
  const kills = events.filter(isKill);
  if (kills.length === 0 && summary.events === 0) {
    out.push('No OOM kills found in this log. If a process died anyway, check its own exit status and logs (SIGKILL from elsewhere, a crash) or an older log.');
  }
  for (const r of summary.repeated) {
    const own = kills.filter((k) => k.victim!.comm === r.comm);
    const memcg = own.find((k) => k.constraint === 'MEMCG' && k.memcg?.limitKiB !== null && k.memcg?.limitKiB !== undefined);
    const anon = own.map((k) => k.victim!.anonRssKiB).filter((v): v is number => v !== null);
    const grew = anon.length >= 2 && anon[anon.length - 1]! > anon[0]! * 1.2;
    out.push(
      `${r.comm} was killed ${r.kills} times: ` +
        (memcg
          ? `it keeps hitting the ${fmtSize(memcg.memcg!.limitKiB)} limit of ${memcg.memcg!.oomMemcg ?? 'its memory cgroup'}; raise the limit if that is its normal size, otherwise look for a leak.`
          : grew
            ? 'its memory at the kill grew from one kill to the next, a sign of a leak.'
            : 'something restarts it and it runs out again: a leak or a workload larger than the memory available to it.'),
    );
  }
  for (const g of summary.byMemcg) {
    if (summary.repeated.length > 0 && kills.filter((k) => k.memcg?.oomMemcg === g.memcg).every((k) => summary.repeated.some((r) => r.comm === k.victim!.comm))) continue;
    out.push(
      `${g.kills} kill${g.kills > 1 ? 's' : ''} inside memory cgroup ${g.memcg}${g.limitKiB !== null ? ` (limit ${fmtSize(g.limitKiB)})` : ''}: the group's own limit was reached, not system memory; size the limit to the workload's peak or reduce its usage.`,
    );
  }
  if (summary.systemKills > 0 || kills.some((k) => k.constraint === null && k.source === 'Out of memory')) {
    // This machine's swap says something only about a log that this machine wrote.
    const noSwap = settings?.swapTotalKiB === 0;
    const other = origin?.thisMachine === false ? origin.hosts.join(', ') : null;
    const swap =
      other !== null
        ? `, or add swap or zram if ${other} has none`
        : origin?.thisMachine === true
          ? noSwap
            ? ', or add swap or zram (this machine has no swap)'
            : ''
          : noSwap
            ? ', or add swap or zram (this machine has none; if the log is from another machine, check that one)'
            : '';
    out.push(
      'System-wide OOM kills happened: the whole machine ran out of memory. Reduce what runs on it, add RAM' +
        swap +
        ', and consider putting big workloads in memory cgroups with limits so one of them cannot take the machine down.',
    );
  }
  const important = kills.filter((k) => DATABASES.test(k.victim!.comm));
  if (important.length > 0) {
    const names = [...new Set(important.map((k) => k.victim!.comm))].join(', ');
    out.push(
      `${names} was killed: if it must survive, lower its oom_score_adj (OOMScoreAdjust= in its systemd unit, e.g. -500) and cap its memory (innodb_buffer_pool_size, shared_buffers, -Xmx...) so it fits next to everything else.`,
    );
  }
  const allocating = kills.filter((k) => k.source?.includes('oom_kill_allocating_task'));
  if (allocating.length > 0 || settings?.settings.oomKillAllocatingTask === 1) {
    out.push('vm.oom_kill_allocating_task is (or was) on: victims are whoever allocated last, not the biggest process; set it to 0 unless you depend on that behaviour.');
  }
  const protectedBig = summary.largestTasks.find((t) => t.oomScoreAdj === -1000);
  if (protectedBig && summary.largestTasks[0] === protectedBig) {
    out.push(`The largest task in the reports, ${protectedBig.name} (pid ${protectedBig.pid}), has oom_score_adj -1000 and can never be chosen: smaller processes die in its place.`);
  }
  if (settings?.settings.oomDumpTasks === 0) {
    out.push('vm.oom_dump_tasks is 0, so reports do not show which processes were largest: set it to 1 to make future OOMs explainable.');
  }
  if (summary.incomplete > 0 && kills.some((k) => k.trigger === null)) {
    out.push('Some kills came without their report (the header is rate-limited or the log was cut): what triggered them and the task tables are missing for those.');
  }
  if (events.some((e) => e.kind === 'no-killable')) {
    out.push('The kernel found no killable process: every candidate is protected (oom_score_adj -1000) or unkillable. Relax some oom_score_adj settings or raise the limit.');
  }
  const s = settings?.settings;
  if (s && s.panicOnOom !== null && s.panicOnOom > 0) {
    out.push(`vm.panic_on_oom=${s.panicOnOom}: ${s.panicOnOom === 2 ? 'any' : 'a system-wide'} OOM reboots or halts the machine instead of killing one process; make sure that is intended (kdump, HA failover).`);
  }
  // The workload that died: what to check for its runtime (src/kernel/advice-runtimes.ts), once per runtime and name.
  const given = new Set<string>();
  for (const k of events) {
    for (const a of runtimeAdvice(k)) {
      const key = `${a.id}\u0000${a.comm}`;
      if (given.has(key)) continue;
      given.add(key);
      out.push(a.text);
    }
  }
  if (s?.overcommitMemory === 2 && settings && settings.commitLimitKiB && settings.committedKiB !== null && settings.committedKiB > 0.9 * settings.commitLimitKiB) {
    out.push('Strict overcommit is on and Committed_AS is above 90% of CommitLimit: new allocations will start failing (malloc returns NULL, fork fails).');
  }
  return out;
}
