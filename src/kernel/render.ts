/** Human and JSON renderings of an analysis; every string from a log goes through sanitize(). */
import { fmtKiB, fmtSize as size } from '../text/size.js';
import { describeOomdKill, type OomdKill } from './oomd.js';
import { sanitize } from '../text/sanitize.js';
import type { KillSummary, LogOrigin, SettingsReport } from './analysis.js';
import { runtimeAdvice } from './advice-runtimes.js';
import type { OomEvent, OomTask } from './types.js';

export interface AnalysisResult {
  /** Where the log came from: a path, "stdin", "kmsg", "dmesg", "journalctl". */
  input: string;
  events: OomEvent[];
  summary: KillSummary;
  settings: SettingsReport | null;
  recommendations: string[];
  origin?: LogOrigin | null;
  /** Per event (same order), the container it happened in, when its memcg path names one (src/containers/kills.ts). */
  containers?: (EventContainer | null)[];
  /** systemd-oomd's kills, when the input is a journal or syslog that holds them (or this boot's journal). */
  oomd?: OomdKill[];
}

/** A kill's container as the runtime tells it; engine: the Docker Engine's own witness. */
export interface EventContainer {
  runtime: string;
  id: string;
  name: string | null;
  image: string | null;
  compose: { project: string; service: string | null } | null;
  engine: { oomKilled: boolean | null; oomEvent: string | null; exists: boolean } | null;
}

/** "container web-1 (nginx) 0123456789ab", for a line about a kill. */
export function containerPhrase(c: EventContainer): string {
  const id = /^[0-9a-f]{64}$/.test(c.id) ? c.id.slice(0, 12) : c.id;
  const compose = c.compose ? `, compose ${c.compose.project}${c.compose.service ? `/${c.compose.service}` : ''}` : '';
  return `${c.runtime} container ${c.name ?? id}${c.image ? ` (image ${c.image}${compose})` : compose ? ` (${compose.slice(2)})` : ''}${c.name ? ` ${id}` : ''}`;
}

const PAGE_KIB = 4;

const two = (n: number) => String(n).padStart(2, '0');

function when(ev: OomEvent): string {
  if (ev.time && ev.timeAssumed?.zone) {
    // The log gave no zone: show the time as it was written, never with a "Z".
    const d = new Date(ev.time);
    const local = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    return `${local} (${ev.timeAssumed.year ? 'year assumed, ' : ''}no time zone in the log)`;
  }
  if (ev.time) return ev.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  if (ev.monotonicUs !== null) return `+${(ev.monotonicUs / 1e6).toFixed(3)}s after boot`;
  return 'time unknown';
}

function task(t: OomTask): string {
  const adj = t.oomScoreAdj !== null && t.oomScoreAdj !== 0 ? `, adj ${t.oomScoreAdj}` : '';
  return `${sanitize(t.name)} (pid ${t.pid}, rss ${size(t.rssPages === null ? null : t.rssPages * PAGE_KIB)}${adj})`;
}

/**
 * The one-line headline of an OOM event (the TUI's event log and status line): victim, RSS,
 * constraint and cgroup. Not sanitized: the terminal layer sanitizes what it draws.
 */
export function describeOomEvent(ev: OomEvent & { past?: boolean }): string {
  const v = ev.victim;
  const others = (ev.groupVictims ?? []).filter((g) => g.pid !== v?.pid);
  const who = (v ? `PID ${v.pid} (${v.comm})` : 'no victim') + (others.length > 0 ? ` and ${others.length} more (${others.map((g) => `${g.pid} ${g.comm}`).join(', ')})` : '');
  const rss = v && v.anonRssKiB !== null ? ` anon-rss ${fmtKiB(v.anonRssKiB)}${v.fileRssKiB ? ` file-rss ${fmtKiB(v.fileRssKiB)}` : ''}` : '';
  const scope =
    ev.constraint === 'MEMCG'
      ? ` in cgroup ${ev.memcg?.oomMemcg ?? ev.memcg?.taskMemcg ?? '?'}${ev.memcg?.limitKiB ? ` (limit ${fmtKiB(ev.memcg.limitKiB)})` : ''}`
      : ev.constraint
        ? ` (${ev.constraint === 'NONE' ? 'system-wide' : ev.constraint})`
        : '';
  const head = ev.kind === 'kill' ? 'OOM kill' : ev.kind === 'group-kill' ? 'OOM group kill' : ev.kind === 'no-killable' ? 'OOM: no killable process' : 'OOM';
  return `${head}: ${who}${rss}${scope}${ev.past ? ' [before oomtop started]' : ''}${ev.incomplete ? ' [partial report]' : ''}`;
}

/**
 * Every line an OOM event's report gives, sanitized: what `oomtop analyze` prints for each event
 * (numbered there) and what the TUI's details view shows.
 */
export function oomEventLines(ev: OomEvent): string[] {
  const out = eventLines(ev, 0);
  out[0] = out[0]!.replace(/^0\. /, '');
  // The TUI's kill details also say what to check for the runtime that died (analyze lists it under recommendations).
  for (const a of runtimeAdvice(ev)) out.push(`   advice: ${sanitize(a.text)}`);
  return out;
}

function eventLines(ev: OomEvent, n: number): string[] {
  const out: string[] = [];
  const v = ev.victim;
  const where = ev.constraint === 'MEMCG' ? `memory cgroup ${sanitize(ev.memcg?.oomMemcg ?? '?')}` : ev.constraint ? `system-wide (${ev.constraint})` : 'constraint not in log';
  if (ev.kind === 'kill' || ev.kind === 'group-kill') {
    out.push(`${n}. ${when(ev)}  KILLED ${sanitize(v!.comm)} (pid ${v!.pid}${v!.uid !== null ? `, uid ${v!.uid}` : ''})  ${where}${ev.kind === 'group-kill' ? `  [memory.oom.group ${sanitize(ev.oomGroup ?? '')}]` : ''}`);
    out.push(
      `   anon ${size(v!.anonRssKiB)}, file ${size(v!.fileRssKiB)}, shmem ${size(v!.shmemRssKiB)}, total-vm ${size(v!.totalVmKiB)}` +
        (v!.oomScoreAdj !== null ? `, oom_score_adj ${v!.oomScoreAdj}` : '') +
        (ev.reaped === true ? '; memory reaped' : ev.reaped === false ? '; oom_reaper could not reap it' : ''),
    );
    const mem = [
      v!.anonRssKiB !== null ? `anon-rss ${size(v!.anonRssKiB)}` : null,
      v!.fileRssKiB !== null ? `file-rss ${size(v!.fileRssKiB)}` : null,
      v!.shmemRssKiB !== null ? `shmem-rss ${size(v!.shmemRssKiB)}` : null,
      v!.totalVmKiB !== null ? `total-vm ${size(v!.totalVmKiB)}` : null,
      v!.pgtablesKiB !== null ? `pgtables ${size(v!.pgtablesKiB)}` : null,
      v!.oomScoreAdj !== null ? `adj ${v!.oomScoreAdj}` : null,
    ].filter((x) => x !== null);
    if (mem.length > 0) out.push(`   victim: ${mem.join(', ')}`);
    const others = (ev.groupVictims ?? []).filter((g) => g.pid !== v!.pid);
    if (others.length > 0) {
      out.push(`   killed with it (memory.oom.group): ${others.map((g) => `${sanitize(g.comm)} (pid ${g.pid}, anon ${size(g.anonRssKiB)})`).join(', ')}`);
    }
    if (ev.selected && ev.selected.pid !== v!.pid) {
      out.push(`   chosen: ${sanitize(ev.selected.comm)} (pid ${ev.selected.pid}, score ${ev.selected.score ?? '?'}); its child was killed instead`);
    }
  } else if (ev.kind === 'no-killable') {
    out.push(`${n}. ${when(ev)}  OUT OF MEMORY, no killable process  ${where}`);
  } else {
    out.push(`${n}. ${when(ev)}  OUT OF MEMORY without a kill${v ? ` (victim ${sanitize(v.comm)} pid ${v.pid})` : ''}  ${where}`);
  }
  if (ev.trigger) {
    out.push(
      `   triggered by ${sanitize(ev.trigger.comm)}${ev.trigger.pid !== null ? ` (pid ${ev.trigger.pid})` : ''}` +
        `${ev.trigger.gfpMask ? `, gfp_mask ${sanitize(ev.trigger.gfpMask)}` : ''}${ev.trigger.order !== null ? `, order ${ev.trigger.order}` : ''}`,
    );
  }
  if (ev.memcg && (ev.memcg.limitKiB !== null || ev.memcg.taskMemcg)) {
    const parts = [];
    if (ev.memcg.usageKiB !== null) parts.push(`usage ${size(ev.memcg.usageKiB)} of limit ${size(ev.memcg.limitKiB)}`);
    if (ev.memcg.failcnt !== null) parts.push(`failcnt ${ev.memcg.failcnt}`);
    if (ev.memcg.taskMemcg) parts.push(`victim's group ${sanitize(ev.memcg.taskMemcg)}`);
    out.push(`   cgroup: ${parts.join(', ')}`);
  }
  if (ev.reaped !== null) out.push(`   oom_reaper: ${ev.reaped ? 'reaped its memory' : 'unable to reap its memory'}`);
  if (ev.tasks.length > 0) out.push(`   largest tasks: ${ev.tasks.slice(0, 3).map(task).join('; ')}`);
  if (ev.note) out.push(`   ${ev.incomplete ? 'incomplete: ' : ''}${sanitize(ev.note)}`);
  else if (ev.incomplete) out.push('   incomplete report');
  return out;
}

export function renderHuman(r: AnalysisResult): string {
  const s = r.summary;
  const out: string[] = [];
  out.push(`OOM analysis of ${sanitize(r.input)}: ${s.kills} kill${s.kills === 1 ? '' : 's'}${s.withoutKill ? `, ${s.withoutKill} OOM report${s.withoutKill === 1 ? '' : 's'} without a kill` : ''}`);
  const o = r.origin;
  if (o && o.hosts.length > 0) {
    const whose = o.thisMachine === true ? 'this machine' : o.thisMachine === false ? `not this machine (${sanitize(o.machine)})` : '';
    out.push(`Logged by ${o.hosts.map(sanitize).join(', ')}${whose ? `: ${whose}` : ''}`);
  }
  const assumed = r.events.filter((e) => e.timeAssumed);
  if (assumed.length > 0) {
    const year = assumed.some((e) => e.timeAssumed!.year);
    const offset = -new Date().getTimezoneOffset();
    const zone = `UTC${offset >= 0 ? '+' : '-'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
    out.push(
      `Times: the log's stamps carry no time zone${year ? ' and no year' : ''}; they are shown as written (read as this machine's local time, ${zone})` +
        (year ? ', in the latest year that does not put them in the future' : '') +
        '.',
    );
  }
  out.push('');
  if (r.events.length > 0) {
    out.push('Events');
    r.events.forEach((ev, i) => {
      out.push(...eventLines(ev, i + 1).map((l) => `  ${l}`));
      const c = r.containers?.[i];
      if (c) {
        const e = c.engine;
        const witness = e
          ? `; the Engine: ${e.oomEvent ? `oom event at ${e.oomEvent.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : 'no oom event held'}, ${e.oomKilled === null ? 'container gone' : `OOMKilled ${e.oomKilled ? 'true' : 'false'}`}`
          : '';
        out.push(`     in ${sanitize(containerPhrase(c))}${witness}`);
      }
    });
    out.push('');
  }
  if (r.oomd && r.oomd.length > 0) {
    out.push(`systemd-oomd (${r.oomd.length} line${r.oomd.length === 1 ? '' : 's'} from the journal; it kills whole cgroups on memory pressure or swap use, not the kernel)`);
    for (const k of r.oomd) out.push(`  ${k.time === null ? '' : `${new Date(k.time).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} `}${sanitize(describeOomdKill(k))}`);
    out.push('');
  }
  if (s.kills > 0) {
    out.push('Kills per process');
    for (const c of s.byComm) out.push(`  ${String(c.kills).padStart(4)}  ${sanitize(c.comm)}${s.repeated.some((r) => r.comm === c.comm) ? '   (killed repeatedly)' : ''}`);
    out.push('');
    out.push('Where');
    out.push(`  ${s.memcgKills} in memory cgroups, ${s.systemKills} system-wide, ${s.unknownConstraintKills} not stated by the log`);
    for (const g of s.byMemcg) out.push(`  ${String(g.kills).padStart(4)}  ${sanitize(g.memcg)}${g.limitKiB !== null ? ` (limit ${size(g.limitKiB)})` : ''}`);
    out.push('');
  }
  if (s.largestTasks.length > 0) {
    out.push('Largest tasks in the reports');
    for (const t of s.largestTasks.slice(0, 5)) out.push(`  ${task(t)}`);
    out.push('');
  }
  if (r.settings) {
    out.push(`OOM settings on this machine${o ? ` (${sanitize(o.machine)})` : ''}${o?.thisMachine === false ? `, not on ${o.hosts.map(sanitize).join(', ')} where the log was written` : ''}`);
    for (const e of r.settings.explanations) out.push(`  ${e.name} = ${e.value}: ${e.meaning}`);
    out.push('');
  }
  out.push('Recommendations');
  if (r.recommendations.length === 0) out.push('  none');
  for (const rec of r.recommendations) out.push(`  - ${sanitize(rec)}`);
  return `${out.join('\n')}\n`;
}

/** The --json document: events without their raw lines, summary, settings. */
export function renderJson(r: AnalysisResult): string {
  const events = r.events.map((e, i) => ({
    kind: e.kind,
    time: e.time,
    /** What the time assumed: { year, zone } (syslog stamps have neither), or null. */
    timeAssumed: e.timeAssumed ?? null,
    host: e.host ?? null,
    monotonicUs: e.monotonicUs,
    victim: e.victim,
    trigger: e.trigger,
    constraint: e.constraint,
    memcg: e.memcg,
    tasks: e.tasks,
    reaped: e.reaped,
    incomplete: e.incomplete,
    source: e.source,
    selected: e.selected ?? null,
    oomGroup: e.oomGroup ?? null,
    groupVictims: e.groupVictims ?? null,
    cpuset: e.cpuset ?? null,
    note: e.note ?? null,
    container: r.containers?.[i] ?? null,
  }));
  const settings = r.settings
    ? {
        panicOnOom: r.settings.settings.panicOnOom,
        oomKillAllocatingTask: r.settings.settings.oomKillAllocatingTask,
        oomDumpTasks: r.settings.settings.oomDumpTasks,
        overcommitMemory: r.settings.settings.overcommitMemory,
        overcommitRatio: r.settings.settings.overcommitRatio,
        overcommitKbytes: r.settings.settings.overcommitKbytes,
        committedKiB: r.settings.committedKiB,
        commitLimitKiB: r.settings.commitLimitKiB,
        explanations: r.settings.explanations,
      }
    : null;
  return `${JSON.stringify({ input: r.input, origin: r.origin ?? null, events, summary: r.summary, settings, recommendations: r.recommendations, ...(r.oomd ? { oomd: r.oomd } : {}) }, null, 2)}\n`;
}
