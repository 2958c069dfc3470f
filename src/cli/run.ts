import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { killSafely } from '../actions/kill.js';
import { readEffectiveLimitKiB } from '../cgroup/memory.js';
import { detectMemoryHierarchy } from '../cgroup/mountinfo.js';
import { parseProcCgroup, readProcMemoryCgroup, cgroupDir } from '../cgroup/proccgroup.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { GuardEngine } from '../guard/engine.js';
import { defaultStateDir, recoverStale, releaseAll } from '../guard/intercept.js';
import { GuardLoop } from '../guard/loop.js';
import { formatHuman } from '../guard/output.js';
import { parseGuardArgs } from './guard-args.js';
import { CgroupScope } from '../guard/scope.js';
import type { GuardEvent, GuardPolicy } from '../guard/types.js';
import { readStat } from '../proc/process.js';
import { readSmall } from '../proc/read.js';
import { readMeminfo } from '../proc/system.js';
import { sanitize } from '../text/sanitize.js';
import { resolveBudget, type Budget } from '../run/budget.js';
import { JobCgroup, jobName, ownerAlive, removeStale, type CreateResult } from '../run/cgroup.js';
import { FORWARDED, parseTermFields, shouldForward, type ForwardedSignal } from '../run/forward.js';
import { buildReport, exitStatusOf, formatReport, reportJson, shellJoin, type JobEnd, type JobReadings } from '../run/report.js';
import { drawStatus, setupRegion, statusLine, teardownRegion } from '../run/status.js';
import { parseRunArgs, RUN_USAGE, type RunArgs } from './run-args.js';
import { UsageError } from './errors.js';

const EXIT_USAGE = 2;
const EXIT_RUNTIME = 1;
const SAMPLE_MS = 200;
/** USER_HZ: /proc reports CPU times in 1/100 s on every Linux architecture. */
const TICKS_PER_S = 100;
/** Processes CMD leaves in the cgroup get SIGTERM, then SIGKILL after this long. */
const LEFTOVER_GRACE_MS = 2000;

/** One line on stderr; paths in it come from the system (cgroup names) and are sanitized. */
const say = (line: string) => process.stderr.write(`oomtop run: ${sanitize(line)}\n`);

const PERMISSION_HINT =
  'creating a memory cgroup needs root (or a cgroup subtree delegated to you): run it as root (sudo oomtop run ...); ' +
  'without root on a systemd machine, systemd-run --user --scope -p MemoryMax=SIZE CMD asks your systemd instance instead ' +
  '(the memory controller must be delegated to it: the default since systemd 252, or Delegate=memory in user@.service)';

/** The parent cgroup the job's cgroup goes under, and (hybrid) the v2 directory for its PSI/CPU twin. */
function pickParent(h: MemoryHierarchy, procRoot: string): { parentPath: string; unifiedParentDir: string | null } {
  let parentPath = '/';
  if (h.version === 1) {
    // v1 has no rule against processes in inner cgroups: stay under our own memory cgroup,
    // so every limit that binds oomtop's caller binds the job too.
    const own = readProcMemoryCgroup(procRoot, process.pid, h);
    if (own !== null && existsSync(cgroupDir(h, own))) parentPath = own;
  }
  // v2 gives controllers only to cgroups without processes of their own: the job goes
  // under the root of the mounted tree (the root is exempt).
  let unifiedParentDir: string | null = null;
  if (h.version === 1 && h.unifiedRoot !== null) {
    const text = readSmall(join(procRoot, String(process.pid), 'cgroup'));
    const own2 = text === null ? null : parseProcCgroup(text, 2);
    const dir = own2 === null || own2.startsWith('/..') ? h.unifiedRoot : join(h.unifiedRoot, own2);
    unifiedParentDir = existsSync(join(dir, 'cgroup.procs')) ? dir : null;
  }
  return { parentPath, unifiedParentDir };
}

function childTimesUs(procRoot: string): number | null {
  const t = readSmall(join(procRoot, 'self', 'stat'));
  const f = t === null ? null : parseTermFields(t);
  return f === null ? null : ((f.cutimeTicks + f.cstimeTicks) * 1e6) / TICKS_PER_S;
}

/** The guard's policy for the job: the user's --guard-opts, the job's cgroup as the only scope. */
function guardPolicy(args: RunArgs): { ok: true; policy: GuardPolicy } | { ok: false; message: string } {
  let parsed: ReturnType<typeof parseGuardArgs>;
  try {
    parsed = parseGuardArgs([...args.guardOpts, '--cgroup', '/', '--proc-root', args.procRoot]);
  } catch (e) {
    return { ok: false, message: `--guard-opts: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (parsed.help) return { ok: false, message: '--guard-opts: --help is not an option here' };
  if (parsed.rules) return { ok: false, message: '--guard-opts: --rules is not an option here (run oomtop rules apply --watch beside it)' };
  return { ok: true, policy: { ...parsed.policy, json: false, reportMs: null } };
}

/** The live status on the bottom row of a terminal (stderr), kept off CMD's rows by a scroll region. */
class StatusRow {
  private rows = 0;
  private readonly onResize = () => {
    if (this.rows === 0) return;
    process.stderr.write(teardownRegion(this.rows));
    this.rows = 0;
    this.start();
  };

  start(): void {
    const rows = process.stderr.rows ?? 0;
    if (rows < 3 || this.rows !== 0) return;
    this.rows = rows;
    process.stderr.write(setupRegion(rows));
    process.stderr.on('resize', this.onResize);
  }

  draw(text: string): void {
    if (this.rows > 0) process.stderr.write(drawStatus(this.rows, text));
  }

  readonly stop = (): void => {
    if (this.rows === 0) return;
    process.stderr.off('resize', this.onResize);
    try {
      process.stderr.write(teardownRegion(this.rows));
    } catch {
      /* the terminal is gone */
    }
    this.rows = 0;
  };
}

/** `oomtop run`: CMD under a memory budget in a cgroup of its own, watched, reported, removed. */
export async function run(argv: string[]): Promise<number> {
  let args: RunArgs;
  try {
    args = parseRunArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      say(e.message);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  const h = detectMemoryHierarchy(args.procRoot, args.cgroupRoot);
  if (h === null) {
    say(`no memory cgroup controller found${args.cgroupRoot ? ` under ${args.cgroupRoot}` : ' (is cgroupfs mounted, and the memory controller enabled?)'}`);
    return EXIT_USAGE;
  }
  const mem = readMeminfo(args.procRoot);
  if (mem === null) {
    say(`cannot read ${args.procRoot}/meminfo`);
    return EXIT_RUNTIME;
  }
  const { parentPath, unifiedParentDir } = pickParent(h, args.procRoot);
  const parentLimitKiB = readEffectiveLimitKiB(h, parentPath);
  const b = resolveBudget({
    memory: args.memory,
    high: args.high,
    swap: args.swap,
    ramBytes: mem.totalKiB * 1024,
    swapBytes: mem.swapTotalKiB * 1024,
    parentLimitBytes: parentLimitKiB === null ? null : parentLimitKiB * 1024,
    parentPath,
  });
  if (!b.ok) {
    say(b.message);
    return EXIT_USAGE;
  }
  let policy: GuardPolicy | null = null;
  if (args.guard) {
    const g = guardPolicy(args);
    if (!g.ok) {
      say(g.message);
      return EXIT_USAGE;
    }
    policy = g.policy;
  }

  const stale = removeStale(h, parentPath, unifiedParentDir, (pid, madeMs) => ownerAlive(args.procRoot, pid, madeMs));
  for (const s of stale.busy) say(`left ${s.dir} alone: the oomtop that made it is gone, but ${s.pids} of its processes still run there`);
  return await supervise(args, policy, b.budget, (budget) =>
    JobCgroup.create({ h, parentPath, name: jobName(process.pid, args.name), budget, unifiedParentDir }),
  );
}

/**
 * Make the cgroup, run CMD in it and see it through. The signal handlers come first: from
 * then on a SIGTERM cannot kill oomtop between making the cgroup and removing it. (Node
 * delivers signals between event-loop turns, so one that arrives while the cgroup is made
 * is handled once CMD runs, and passed on to it.)
 */
async function supervise(
  args: RunArgs,
  policy: GuardPolicy | null,
  budget: Budget,
  create: (b: Budget) => CreateResult,
): Promise<number> {
  const ignore = () => {};
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  const status = new StatusRow();
  process.on('exit', status.stop);

  let child: ChildProcess | null = null;
  const onSignal = (sig: ForwardedSignal) => {
    if (child === null || child.pid === undefined) return;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const t = readSmall(join(args.procRoot, 'self', 'stat'));
    // CMD is our own child, not yet reaped: its PID cannot have been reused.
    if (shouldForward(sig, t === null ? null : parseTermFields(t))) child.kill(sig);
  };
  const handlers = FORWARDED.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, f] of handlers) process.on(s, f);

  let engine: GuardEngine | null = null;
  let loop: GuardLoop | null = null;
  let timer: NodeJS.Timeout | null = null;
  const guardCount = { terms: 0, kills: 0 };
  let made: JobCgroup | null = null;
  try {
    const created = create(budget);
    if (!created.ok) {
      say(created.message);
      if (created.permission) say(PERMISSION_HINT);
      if (created.hint) say(created.hint);
      // The machine does not let oomtop make the cgroup: like a bad budget, nothing ran.
      return EXIT_USAGE;
    }
    const job = created.job;
    made = job;
    for (const w of created.warnings) say(`warning: ${w}`);
    const cpuBefore = childTimesUs(args.procRoot);
    const started = performance.now();
    const files = job.procsFiles();
    // The first process joins the cgroup(s) before it execs CMD, so every page CMD touches
    // is charged to the job (v1 does not move charges made elsewhere); fd 3 tells us it did.
    const script =
      '{ echo $$ > "$1"; } 2>/dev/null || exit 125; printf j >&3; ' +
      '[ -z "$2" ] || { { echo $$ > "$2"; } 2>/dev/null && printf u >&3; }; exec 3>&-; shift 2; exec "$@"';
    const c = spawn('/bin/sh', ['-c', script, 'oomtop-run', files[0]!, files[1] ?? '', ...args.command], {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    });
    child = c;
    let joined = '';
    c.stdio[3]?.on('data', (d: Buffer) => (joined += d.toString()));
    c.stdio[3]?.on('error', ignore);
    // 'close', not 'exit': it comes after fd 3 is drained, so `joined` is complete.
    const ended = new Promise<JobEnd | { error: string }>((resolve) => {
      c.once('error', (e) => resolve({ error: e.message }));
      c.once('close', (code, signal) => resolve({ code, signal }));
    });

    let sampledPeak = 0;
    let swapPeak: number | null = null;
    const limitKiB = job.limitKiB() ?? Math.floor(budget.memoryBytes / 1024);
    const sample = () => {
      const u = job.usageKiB();
      if (u !== null && u > sampledPeak) sampledPeak = u;
      const sw = job.swapUseKiB();
      if (sw !== null) swapPeak = Math.max(swapPeak ?? 0, sw);
      return u;
    };
    const tty = args.status && process.stderr.isTTY === true;
    if (tty) status.start();
    const tick = () => {
      const u = sample();
      if (tty && u !== null) {
        const peak = Math.max(job.peakKiB() ?? 0, sampledPeak);
        status.draw(statusLine({ currentKiB: u, peakKiB: peak, limitKiB, elapsedMs: performance.now() - started, columns: process.stderr.columns ?? 80 }));
      }
    };
    timer = setInterval(tick, SAMPLE_MS);

    if (policy !== null) {
      const stateDir = policy.stateDir ?? defaultStateDir();
      // The intercept of a guard that died: v1 holds the cgroup with oom_kill_disable, v2 with memory.high.
      const setting = job.h.version === 2 ? 'memory.high' : 'oom_kill_disable=0';
      for (const d of recoverStale(stateDir, args.procRoot)) say(`guard: restored ${setting} in ${d}, left by a guard that died`);
      const emit = (e: GuardEvent) => {
        if (e.event === 'term') guardCount.terms++;
        if (e.event === 'kill') guardCount.kills++;
        if (e.event === 'report' || e.event === 'start' || e.event === 'stop' || e.event === 'level') return;
        process.stderr.write(`oomtop run: ${formatHuman(e)}\n`);
      };
      engine = new GuardEngine({ policy: { ...policy, scopes: [{ kind: 'cgroup', path: job.path }] }, emit, stateDir });
      engine.addScope(new CgroupScope(job.h, job.path, policy));
      loop = new GuardLoop(engine, { reportMs: null, emit });
      loop.start();
    }

    const end = await ended;
    const wallMs = performance.now() - started;
    if (timer) clearInterval(timer);
    timer = null;
    loop?.stop();
    engine?.shutdown();
    if (engine) releaseAll();
    status.stop();
    if ('error' in end) {
      say(`cannot start the command: ${end.error}`);
      return EXIT_RUNTIME;
    }
    if (!joined.includes('j')) {
      say(`could not move the command into ${job.dir} (writing cgroup.procs failed)`);
      return EXIT_RUNTIME;
    }
    sample();

    // What CMD left behind in the cgroup (daemons, background jobs) ends with it.
    const leftovers = await endLeftovers(job, args.procRoot);
    const cpuAfter = childTimesUs(args.procRoot);
    const cgCpu = joined.includes('u') || job.h.version === 2 ? job.cpuUsageUs() : null;
    const psi = joined.includes('u') || job.h.version === 2 ? job.pressureTotalsUs() : null;
    const readings: JobReadings = {
      oomKills: job.oomKills(),
      kernelPeakKiB: job.peakKiB(),
      sampledPeakKiB: sampledPeak,
      limitKiB,
      highKiB: job.highKiB(),
      swapLimitKiB: job.swapLimitKiB(),
      swapPeakKiB: job.swapPeakKiB() ?? swapPeak,
      psiSomeUs: psi?.someUs ?? null,
      psiFullUs: psi?.fullUs ?? null,
      cpuUs: cgCpu ?? (cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null),
      cpuSource: cgCpu !== null ? 'cgroup' : 'rusage',
    };
    const removed = await removeWithRetry(job);
    const ctx = {
      command: shellJoin(args.command),
      cgroupDir: job.dir,
      version: job.h.version,
      method: 'direct' as const,
      methodNote: methodNote(args.procRoot),
      wallMs,
      removed,
      leftovers: leftovers.ended,
      guard: policy === null ? null : guardCount,
    };
    const rep = buildReport(end, readings, ctx);
    if (leftovers.refused.length > 0) say(`could not end ${leftovers.refused.join('; ')}`);
    if (args.json) process.stdout.write(`${jsonLead()}${reportJson(rep)}\n`);
    else for (const line of formatReport(rep, ctx)) process.stderr.write(line + '\n');
    return exitStatusOf(end);
  } finally {
    if (timer) clearInterval(timer);
    loop?.stop();
    engine?.shutdown();
    if (engine) releaseAll();
    status.stop();
    for (const [s, f] of handlers) process.off(s, f);
    process.off('exit', status.stop);
    if (made?.exists) made.remove();
  }
}

/**
 * What must come before the JSON line so that it starts a line of its own after whatever
 * CMD printed: for a file, its last byte tells; for a pipe nothing can, so a newline always
 * comes first (an empty line at worst); on a terminal, nothing (people read it).
 */
function jsonLead(): string {
  try {
    const st = fstatSync(1);
    if (st.isFile()) {
      if (st.size === 0) return '';
      const fd = openSync('/proc/self/fd/1', 'r');
      try {
        const b = Buffer.alloc(1);
        readSync(fd, b, 0, 1, st.size - 1);
        return b[0] === 0x0a ? '' : '\n';
      } finally {
        closeSync(fd);
      }
    }
    return st.isFIFO() || st.isSocket() ? '\n' : '';
  } catch {
    return '';
  }
}

function methodNote(procRoot: string): string {
  const comm = readSmall(join(procRoot, '1', 'comm'))?.trim();
  return comm === 'systemd'
    ? 'made directly in cgroupfs, not as a systemd scope'
    : `made directly in cgroupfs (PID 1 is ${comm ? `"${comm}"` : 'not readable'}, not systemd)`;
}

/** SIGTERM, then SIGKILL, to whatever CMD left running in its cgroup. */
async function endLeftovers(job: JobCgroup, procRoot: string): Promise<{ ended: number; refused: string[] }> {
  const pids = job.pids();
  if (pids.length === 0) return { ended: 0, refused: [] };
  const refused: string[] = [];
  let ended = 0;
  await Promise.all(
    pids.map(async (pid) => {
      const st = readStat(procRoot, pid);
      if (st === null) return;
      const out = await killSafely(
        { pid, startTimeTicks: st.startTimeTicks, name: st.comm },
        'SIGTERM',
        { procRoot, graceMs: LEFTOVER_GRACE_MS, escalation: 'auto' },
      );
      if (out.kind === 'failed' && out.error.code !== 'ESRCH' && out.error.code !== 'REUSED') refused.push(`PID ${pid}: ${out.error.message}`);
      else ended++;
    }),
  );
  return { ended, refused };
}

/** rmdir fails while the last tasks are still being torn down: retry for a moment. */
async function removeWithRetry(job: JobCgroup): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    if (job.remove()) return true;
    if (job.pids().length > 0 && i > 10) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
