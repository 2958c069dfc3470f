/**
 * Streaming OOM-report parser: feed it log lines in any format (see normalize.ts), get
 * one OomEvent per kill as soon as its kill line is read. Pieces of the report that come
 * before the kill line (header, cpuset/summary, memcg counters, task table) are gathered
 * into a context that the kill line consumes; lines that come after it (oom_reaper,
 * memory.oom.group) update the event already returned, and `onUpdate` is told.
 *
 * It never invents a kill: only a "Killed process" line makes a 'kill' or 'group-kill'
 * event. A report cut off before its kill line becomes an 'oom' event marked incomplete.
 */
import { monotonicToIso } from './clock.js';
import { ContinuationJoiner, normalizeLine, toLogLines, type LogLine, type NormalizeOptions } from './normalize.js';
import {
  matchAlreadyExiting,
  matchCpuset,
  matchGroupKill,
  matchHeader,
  matchKilled,
  matchKillSelect,
  matchMemcgCounter,
  matchMemcgStats,
  matchNoKillable,
  matchReaped,
  matchSummary,
  matchTaskIn,
  matchTaskRow,
  matchTaskTableHeader,
  matchTriggerPid,
  matchUnableToReap,
  type HeaderPiece,
  type KilledPiece,
  type SummaryPiece,
  type TaskColumns,
} from './report.js';
import type { OomConstraint, OomEvent, OomMemcg, OomTask, OomTrigger, OomVictim } from './types.js';

export interface OomLogParserOptions extends NormalizeOptions {
  /**
   * Wall-clock epoch ms of boot, to turn kernel monotonic stamps into times. Only valid
   * for logs of the running boot; leave null for files from elsewhere.
   */
  bootTimeMs?: number | null;
  /** Called when an event already returned changes (reaped, became part of a group kill). */
  onUpdate?: (ev: OomEvent) => void;
  /**
   * Keep each report's raw lines on its event (`lines`, up to 400). Off by default: nothing
   * shows them, and a follower that runs for months (the TUI's event log keeps 500 kills)
   * or analyze over a log with thousands of kills kept ~100 strings (several KiB) per kill.
   */
  keepLines?: boolean;
}

/** A gap this long between two pieces means they are not the same report. */
const MAX_REPORT_GAP_US = 60_000_000;
/** memory.oom.group members are killed right after the group line. */
const MAX_GROUP_GAP_US = 2_000_000;
const MAX_LINES_PER_EVENT = 400;
const MAX_TASKS = 10;
const RECENT = 64;

interface Context {
  header: HeaderPiece | null;
  triggerPid: number | null;
  linesSinceHeader: number;
  cpuset: string | null;
  summary: SummaryPiece | null;
  memory: { usageKiB: number; limitKiB: number; failcnt: number | null } | null;
  taskIn: { taskMemcg: string; limitMemcg: string } | null;
  statsPath: string | null;
  columns: TaskColumns | null;
  tasks: OomTask[];
  select: { prefix: string; pid: number; comm: string; score: number | null } | null;
  lines: string[];
  firstUs: number | null;
  lastUs: number | null;
  firstWallMs: number | null;
  lastWallMs: number | null;
  lastWallAssumed: { year: boolean; zone: boolean } | null;
  host: string | null;
}

interface GroupState {
  path: string;
  ctx: Context | null;
  atUs: number | null;
  pids: Set<number>;
  /** The one event of this group kill; later members join its groupVictims. */
  event: OomEvent | null;
}

function newContext(): Context {
  return {
    header: null,
    triggerPid: null,
    linesSinceHeader: 0,
    cpuset: null,
    summary: null,
    memory: null,
    taskIn: null,
    statsPath: null,
    columns: null,
    tasks: [],
    select: null,
    lines: [],
    firstUs: null,
    lastUs: null,
    firstWallMs: null,
    lastWallMs: null,
    lastWallAssumed: null,
    host: null,
  };
}

/** Microseconds between two lines, using whichever clock both have. */
function gapUs(prevUs: number | null, prevWall: number | null, line: LogLine): number | null {
  if (prevUs !== null && line.monotonicUs !== null) return line.monotonicUs - prevUs;
  if (prevWall !== null && line.wallMs !== null) return (line.wallMs - prevWall) * 1000;
  return null;
}

export class OomLogParser {
  private ctx: Context | null = null;
  private group: GroupState | null = null;
  private recent: OomEvent[] = [];
  private readonly opts: OomLogParserOptions;
  /**
   * Lines that end in a field of their own, after any comm (a whole kill line, the
   * reaper's result, "already exiting", "no killable processes"), cannot be continued:
   * they go through at once, and so do their events.
   */
  private readonly joiner = new ContinuationJoiner((raw) => {
    if (!/Killed process|oom_reaper: reaped|already exiting|no killable/.test(raw)) return false;
    const text = normalizeLine(raw).text;
    const k = matchKilled(text);
    // A kill line is whole once the fields after the comm are there ("... (a)" alone may go on).
    return (k !== null && k.totalVmKiB !== null) || matchReaped(text) !== null || matchAlreadyExiting(text) !== null || matchNoKillable(text);
  });

  private readonly maxLines: number;

  constructor(opts: OomLogParserOptions = {}) {
    this.opts = opts;
    this.maxLines = opts.keepLines === true ? MAX_LINES_PER_EVENT : 0;
  }

  /** A raw line onto an event's lines, when they are kept (`slack`: lines after the kill line). */
  private keep(lines: string[], text: string, slack = 0): void {
    if (this.maxLines > 0 && lines.length < this.maxLines + slack) lines.push(text);
  }

  /**
   * Feed one input line (any format; a kmsg record with its dictionary lines is fine too).
   * A line is held until the next one shows whether it continues (dmesg's indented
   * continuation lines); flush() or drainPending() hand over the last one.
   */
  push(line: string): OomEvent[] {
    const out: OomEvent[] = [];
    // Blank lines go to the joiner too: a continuation may be blank (a comm "a\n \nb").
    for (const physical of line.split('\n')) {
      for (const joined of this.joiner.push(physical)) this.pushJoined(joined, out);
    }
    return out;
  }

  /** A live follower's input went quiet: parse the line held back for a continuation. */
  drainPending(): OomEvent[] {
    const out: OomEvent[] = [];
    for (const joined of this.joiner.flush()) this.pushJoined(joined, out);
    return out;
  }

  private pushJoined(joined: string, out: OomEvent[]): void {
    for (const ll of toLogLines(joined, this.opts)) this.handle(ll, out);
  }

  /** Feed an already-normalized line (the live follower does this for kmsg records). */
  pushLogLine(ll: LogLine): OomEvent[] {
    const out: OomEvent[] = [];
    this.handle(ll, out);
    return out;
  }

  /** End of input: a report still waiting for its kill line becomes an incomplete 'oom' event. */
  flush(): OomEvent[] {
    const out = this.drainPending();
    this.closeContext(out);
    this.group = null;
    return out;
  }

  /**
   * A message that holds newlines is one piece of a report when a recognizer takes it
   * whole (a comm with a newline in it); else its lines are read one by one.
   */
  private handle(ll: LogLine, out: OomEvent[]): void {
    if (!ll.text.includes('\n') || this.takesWhole(ll.text)) {
      this.handleOne(ll, out);
      return;
    }
    for (const part of ll.text.split('\n')) this.handleOne({ ...ll, text: part.trim() }, out);
  }

  private takesWhole(text: string): boolean {
    if (matchHeader(text) || matchSummary(text)?.task != null || matchCpuset(text) || matchKillSelect(text)) return true;
    const k = matchKilled(text);
    if (k && !k.truncated) return true;
    if (matchReaped(text) || matchAlreadyExiting(text) || matchUnableToReap(text)?.comm) return true;
    if (matchTriggerPid(text)?.comm) return true;
    const columns = this.ctx?.columns;
    return columns != null && matchTaskRow(text, columns) !== null;
  }

  private handleOne(ll: LogLine, out: OomEvent[]): void {
    if (!ll.kernel || !ll.text) return;
    const text = ll.text;

    if (this.ctx) {
      const gap = gapUs(this.ctx.lastUs, this.ctx.lastWallMs, ll);
      if (gap !== null && (gap > MAX_REPORT_GAP_US || gap < -MAX_REPORT_GAP_US)) this.closeContext(out);
    }
    if (this.group) {
      const gap = gapUs(this.group.atUs, null, ll);
      if (gap !== null && gap > MAX_GROUP_GAP_US) this.group = null;
    }

    const header = matchHeader(text);
    if (header) {
      this.closeContext(out);
      this.group = null;
      const ctx = this.touch(ll);
      ctx.header = header;
      return;
    }

    const killed = matchKilled(text);
    if (killed) {
      this.onKilled(killed, ll, out);
      return;
    }

    const reaped = matchReaped(text);
    if (reaped) {
      this.updateRecent(reaped.pid, text, (ev) => (ev.reaped = true));
      return;
    }
    const unable = matchUnableToReap(text);
    if (unable) {
      this.updateRecent(unable.pid, text, (ev) => (ev.reaped = false));
      return;
    }

    const group = matchGroupKill(text);
    if (group) {
      const last = this.recent[this.recent.length - 1];
      this.group = { path: group.path, ctx: this.ctx, atUs: ll.monotonicUs, pids: new Set(), event: null };
      if (last && last.victim && (this.ctx === null || this.ctx === this.lastCtx)) {
        this.group.pids.add(last.victim.pid);
        this.group.ctx = this.lastCtx;
        this.group.event = last;
        last.kind = 'group-kill';
        last.oomGroup = group.path;
        last.groupVictims = [last.victim];
        this.keep(last.lines, text, 10);
        this.opts.onUpdate?.(last);
      }
      return;
    }

    const exiting = matchAlreadyExiting(text);
    if (exiting) {
      const ctx = this.touch(ll);
      const ev = this.buildEvent(ctx, ll, exiting.prefix);
      ev.kind = 'oom';
      ev.victim = {
        pid: exiting.pid,
        comm: exiting.comm,
        uid: null,
        anonRssKiB: null,
        fileRssKiB: null,
        shmemRssKiB: null,
        totalVmKiB: null,
        pgtablesKiB: null,
        oomScoreAdj: null,
      };
      ev.note = 'the chosen victim was already exiting; nothing was killed';
      ev.incomplete = ctx.header === null;
      this.ctx = null;
      this.emit(ev, out);
      return;
    }

    if (matchNoKillable(text)) {
      const ctx = this.touch(ll);
      const ev = this.buildEvent(ctx, ll, null);
      ev.kind = 'no-killable';
      ev.note = 'no process could be killed';
      this.ctx = null;
      this.emit(ev, out);
      return;
    }

    const select = matchKillSelect(text);
    if (select) {
      this.touch(ll).select = select;
      return;
    }

    const summary = matchSummary(text);
    if (summary) {
      this.touch(ll).summary = summary;
      return;
    }

    const counter = matchMemcgCounter(text);
    if (counter) {
      const ctx = this.touch(ll);
      if (counter.counter === 'memory' || (counter.counter === 'memory+swap' && ctx.memory === null)) {
        ctx.memory = { usageKiB: counter.usageKiB, limitKiB: counter.limitKiB, failcnt: counter.failcnt };
      }
      return;
    }

    const taskIn = matchTaskIn(text);
    if (taskIn) {
      this.touch(ll).taskIn = taskIn;
      return;
    }

    const stats = matchMemcgStats(text);
    if (stats) {
      this.touch(ll).statsPath = stats.path;
      return;
    }

    const columns = matchTaskTableHeader(text);
    if (columns) {
      const ctx = this.touch(ll);
      ctx.columns = columns;
      ctx.tasks = [];
      return;
    }

    const ctx = this.ctx;
    if (!ctx) return;

    if (ctx.columns) {
      const row = matchTaskRow(text, ctx.columns);
      if (row) {
        this.touch(ll);
        ctx.tasks.push(row);
        return;
      }
    }

    if (ctx.header) {
      if (ctx.triggerPid === null && ctx.linesSinceHeader < 4) {
        const t = matchTriggerPid(text);
        if (t) ctx.triggerPid = t.pid;
      }
      if (ctx.cpuset === null) {
        const c = matchCpuset(text);
        if (c && c.comm === ctx.header.comm) ctx.cpuset = c.cpuset;
      }
      this.touch(ll);
    }
  }

  /** The context of the most recent kill, kept for memory.oom.group members. */
  private lastCtx: Context | null = null;

  /** Start or extend the current report context with this line. */
  private touch(ll: LogLine): Context {
    if (!this.ctx) this.ctx = newContext();
    const ctx = this.ctx;
    this.keep(ctx.lines, ll.text);
    if (ctx.header) ctx.linesSinceHeader++;
    if (ll.monotonicUs !== null) {
      ctx.firstUs ??= ll.monotonicUs;
      ctx.lastUs = ll.monotonicUs;
    }
    if (ll.wallMs !== null) {
      ctx.firstWallMs ??= ll.wallMs;
      ctx.lastWallMs = ll.wallMs;
      ctx.lastWallAssumed = ll.timeAssumed ?? null;
    }
    if (ll.host) ctx.host ??= ll.host;
    return ctx;
  }

  private onKilled(killed: KilledPiece, ll: LogLine, out: OomEvent[]): void {
    const group = this.group;
    let ctx: Context;
    let kind: OomEvent['kind'] = 'kill';
    if (group && !this.ctx && group.ctx) {
      // A further member of a memory.oom.group kill: same report as the first victim.
      if (group.pids.has(killed.pid)) {
        this.updateRecent(killed.pid, ll.text, () => undefined);
        return;
      }
      ctx = { ...group.ctx, lines: group.ctx.lines.slice(0, Math.max(0, this.maxLines - 1)) };
      this.keep(ctx.lines, ll.text);
      kind = 'group-kill';
    } else {
      ctx = this.touch(ll);
    }
    const sameSummary = ctx.summary && ctx.summary.pid === killed.pid ? ctx.summary : null;
    const victim: OomVictim = {
      pid: killed.pid,
      comm: killed.comm,
      uid: killed.uid ?? sameSummary?.uid ?? null,
      anonRssKiB: killed.anonRssKiB,
      fileRssKiB: killed.fileRssKiB,
      shmemRssKiB: killed.shmemRssKiB,
      totalVmKiB: killed.totalVmKiB,
      pgtablesKiB: killed.pgtablesKiB,
      oomScoreAdj: killed.oomScoreAdj ?? this.tableAdj(ctx, killed.pid),
    };
    if (kind === 'group-kill' && group?.event) {
      // One OOM, one event: a further member joins the group kill's event.
      const ev = group.event;
      group.pids.add(killed.pid);
      (ev.groupVictims ??= [ev.victim!]).push(victim);
      this.keep(ev.lines, ll.text, 10);
      this.opts.onUpdate?.(ev);
      return;
    }
    const prefix = killed.prefix ?? ctx.select?.prefix ?? null;
    const ev = this.buildEvent(ctx, ll, prefix);
    ev.kind = kind;
    ev.victim = victim;
    if (ctx.select) ev.selected = { pid: ctx.select.pid, comm: ctx.select.comm, score: ctx.select.score };
    if (kind === 'group-kill' && group) {
      ev.oomGroup = group.path;
      ev.groupVictims = [victim];
      group.pids.add(killed.pid);
      group.event = ev;
    }
    ev.incomplete = ctx.header === null || killed.truncated || killed.anonRssKiB === null;
    if (ev.incomplete) {
      const missing = [
        ctx.header === null ? 'report header (rate-limited or cut off)' : null,
        killed.truncated || killed.anonRssKiB === null ? 'kill-line details' : null,
      ].filter(Boolean);
      ev.note = `missing: ${missing.join(', ')}`;
    }
    this.lastCtx = ctx;
    if (!group || kind !== 'group-kill') this.ctx = null;
    this.emit(ev, out);
  }

  private tableAdj(ctx: Context, pid: number): number | null {
    return ctx.tasks.find((t) => t.pid === pid)?.oomScoreAdj ?? null;
  }

  private buildEvent(ctx: Context, ll: LogLine, prefix: string | null): OomEvent {
    const summary = ctx.summary;
    const trigger: OomTrigger | null = ctx.header
      ? {
          comm: ctx.header.comm,
          pid: ctx.triggerPid,
          gfpMask: ctx.header.gfpMask,
          order: ctx.header.order,
          oomScoreAdj: ctx.header.oomScoreAdj ?? ctx.header.oomAdj,
        }
      : null;
    let constraint: OomConstraint | null = summary?.constraint ?? null;
    if (constraint === null) {
      if (prefix && /^Memory cgroup out of memory/.test(prefix)) constraint = 'MEMCG';
      else if (ctx.taskIn || ctx.memory) constraint = 'MEMCG';
    }
    let memcg: OomMemcg | null = null;
    if (summary?.oomMemcg || summary?.taskMemcg || ctx.taskIn || ctx.memory || ctx.statsPath) {
      memcg = {
        oomMemcg: summary?.oomMemcg ?? ctx.taskIn?.limitMemcg ?? (constraint === 'MEMCG' ? ctx.statsPath : null),
        taskMemcg: summary?.taskMemcg ?? ctx.taskIn?.taskMemcg ?? null,
        usageKiB: ctx.memory?.usageKiB ?? null,
        limitKiB: ctx.memory?.limitKiB ?? null,
        failcnt: ctx.memory?.failcnt ?? null,
      };
    }
    const tasks = [...ctx.tasks].sort((a, b) => (b.rssPages ?? 0) - (a.rssPages ?? 0)).slice(0, MAX_TASKS);
    const monotonicUs = ll.monotonicUs ?? ctx.lastUs;
    const wallMs = ll.wallMs ?? ctx.lastWallMs;
    const boot = this.opts.bootTimeMs;
    let time: string | null = null;
    let timeAssumed: OomEvent['timeAssumed'] = null;
    if (wallMs !== null) {
      time = new Date(wallMs).toISOString();
      const assumed = ll.wallMs !== null ? (ll.timeAssumed ?? null) : ctx.lastWallAssumed;
      timeAssumed = assumed && (assumed.year || assumed.zone) ? { ...assumed } : null;
    }
    else if (monotonicUs !== null && boot !== null && boot !== undefined) time = monotonicToIso(monotonicUs, boot);
    return {
      kind: 'kill',
      time,
      timeAssumed,
      host: ll.host ?? ctx.host,
      monotonicUs,
      victim: null,
      trigger,
      constraint,
      memcg,
      tasks,
      reaped: null,
      incomplete: false,
      source: prefix,
      lines: ctx.lines,
      cpuset: summary?.cpuset ?? ctx.cpuset,
      note: null,
    };
  }

  /** A report that never reached its kill line. */
  private closeContext(out: OomEvent[]): void {
    const ctx = this.ctx;
    this.ctx = null;
    if (!ctx || (!ctx.header && !ctx.summary)) return;
    const last: LogLine = { text: '', monotonicUs: ctx.lastUs, wallMs: ctx.lastWallMs, level: null, kernel: true };
    const ev = this.buildEvent(ctx, last, ctx.select?.prefix ?? null);
    ev.kind = 'oom';
    ev.incomplete = true;
    ev.note = 'the report ends before a kill line';
    this.emit(ev, out);
  }

  private emit(ev: OomEvent, out: OomEvent[]): void {
    out.push(ev);
    this.recent.push(ev);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  private updateRecent(pid: number, text: string, fn: (ev: OomEvent) => void): void {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const ev = this.recent[i]!;
      if (ev.kind === 'oom') continue;
      if (ev.victim?.pid === pid || ev.groupVictims?.some((v) => v.pid === pid)) {
        // a later group member's reaper line is about that member, not the event's first victim
        if (ev.victim?.pid === pid) fn(ev);
        this.keep(ev.lines, text, 10);
        this.opts.onUpdate?.(ev);
        return;
      }
    }
  }
}

/** Parse a whole log (any format, any mix) into events. */
export function parseOomLog(text: string, opts: OomLogParserOptions = {}): OomEvent[] {
  const parser = new OomLogParser(opts);
  const events: OomEvent[] = [];
  for (const line of text.split('\n')) events.push(...parser.push(line));
  events.push(...parser.flush());
  return events;
}
