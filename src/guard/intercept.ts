import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupOomControl } from '../cgroup/memory.js';
import type { OomControl } from '../cgroup/types.js';
import { readStat } from '../proc/process.js';
import { checkStateDir, prepareStateDir, readStateFile, writeStateFile } from '../actions/trust.js';

/**
 * Cgroup v1 OOM interception: with memory.oom_control oom_kill_disable=1 the kernel does
 * not kill when the cgroup reaches its limit; it pauses the faulting tasks (under_oom=1)
 * until memory is freed. The guard then ends its own victim with SIGKILL (which wakes a
 * paused task) and the kernel's OOM killer never fires, however fast the hog.
 *
 * The setting must be put back on every exit path, or the cgroup's tasks would hang at
 * the limit with nobody to free memory:
 *  - normal stop, errors, SIGTERM/SIGINT/SIGHUP, uncaught exceptions: release()/releaseAll();
 *  - a crash or SIGKILL of the guard: a watchdog `sh` holding the read end of a pipe
 *    restores 0 when the pipe closes without the word "disarm";
 *  - the watchdog killed too: a state file per guard records what it changed, and the
 *    next guard to start restores it (recoverStale()).
 *
 * Cgroup v2 has no oom_kill_disable. There the intercept sets memory.high just below
 * memory.max (by HIGH_GAP) while armed: a hog that passes it is throttled in reclaim
 * instead of reaching the limit at full speed, which gives the polling guard the time to
 * end it. The kernel's OOM killer still acts if usage reaches memory.max regardless (the
 * throttle slows, it does not stop). memory.high is put back to what it was on the same exit
 * paths, and only when it still holds the value the guard wrote.
 */

const WATCHDOG = `trap '' INT TERM HUP; read line; [ "$line" = disarm ] || echo 0 > "$1"`;
/** v2: $1 memory.high, $2 the value to restore, $3 the value the guard set. */
const WATCHDOG_HIGH = `trap '' INT TERM HUP; read line; [ "$line" = disarm ] || { [ "$(cat "$1")" = "$3" ] && echo "$2" > "$1"; }`;

/** How far below memory.max the v2 intercept puts memory.high: 2 % of the limit, at least 1 MiB. */
export function interceptHighBytes(maxBytes: number): number {
  const gap = Math.max(1 << 20, Math.floor(maxBytes * 0.02));
  return Math.max(4096, Math.floor((maxBytes - gap) / 4096) * 4096);
}

const active = new Set<Intercept>();

export function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/run/oomtop' : join(tmpdir(), `oomtop-${process.getuid?.() ?? 'u'}`);
}

interface StateFile {
  pid: number;
  startTimeTicks: number;
  /** v1 cgroups whose oom_kill_disable the guard set. */
  dirs: string[];
  /** v2 cgroups whose memory.high the guard lowered: what it wrote and what to put back. */
  highs?: { dir: string; set: string; restore: string }[];
}

function readHigh(dir: string): string | null {
  try {
    return readFileSync(join(dir, 'memory.high'), 'utf8').trim();
  } catch {
    return null;
  }
}

function writeHigh(dir: string, value: string): string | null {
  try {
    writeFileSync(join(dir, 'memory.high'), `${value}\n`);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

/** Put memory.high back when it still holds what the guard wrote (someone may have changed it since). */
function restoreHigh(dir: string, set: string, restore: string): boolean {
  return readHigh(dir) === set && writeHigh(dir, restore) === null;
}

/** The intercept works on cgroup directories (the state file records them): read the one at `dir`. */
function readOomControl(dir: string): OomControl | null {
  return readCgroupOomControl({ version: 1, root: dir, hybrid: false, unifiedRoot: null }, '/');
}

function writeOomKillDisable(dir: string, value: 0 | 1): string | null {
  try {
    writeFileSync(join(dir, 'memory.oom_control'), `${value}\n`);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

function stateFileName(pid: number): string {
  return `guard-${pid}.json`;
}

/**
 * Record what this guard changed. Best effort: on a full (ENOSPC) or read-only state directory
 * the watchdog still covers a crash; the error is returned for the guard's notice. The file is
 * written owner-only, never through a symlink (src/actions/trust.ts).
 */
function saveState(stateDir: string, procRoot: string): string | null {
  const mine = [...active].filter((i) => i.stateDir === stateDir);
  const dirs = mine.filter((i) => i.version === 1).map((i) => i.dir);
  const highs = mine.flatMap((i) => (i.version === 2 && i.saved ? [{ dir: i.dir, ...i.saved }] : []));
  const name = stateFileName(process.pid);
  try {
    if (dirs.length === 0 && highs.length === 0) {
      unlinkSync(join(stateDir, name));
      return null;
    }
    const st: StateFile = { pid: process.pid, startTimeTicks: readStat(procRoot, process.pid)?.startTimeTicks ?? 0, dirs, highs };
    writeStateFile(stateDir, name, JSON.stringify(st) + '\n');
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/**
 * Put back what a guard that died without cleaning up left behind (its state file names a
 * PID that no longer runs, or runs as another process). Returns the directories restored.
 */
export function recoverStale(stateDir: string, procRoot: string): string[] {
  const restored: string[] = [];
  // A directory someone else owns or can write, or a symlink, may hold planted files: read nothing.
  if (!checkStateDir(stateDir).ok) return restored;
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return restored;
  }
  for (const n of names) {
    if (!/^guard-\d+\.json$/.test(n)) continue;
    const path = join(stateDir, n);
    let st: StateFile;
    try {
      st = JSON.parse(readStateFile(stateDir, n) ?? 'null') as StateFile;
      if (st === null || typeof st !== 'object' || !Number.isSafeInteger(st.pid)) continue;
    } catch {
      continue;
    }
    const alive = readStat(procRoot, st.pid);
    if (alive !== null && alive.startTimeTicks === st.startTimeTicks) continue;
    for (const d of st.dirs ?? []) {
      if (readOomControl(d)?.oomKillDisable && writeOomKillDisable(d, 0) === null) restored.push(d);
    }
    for (const h of st.highs ?? []) {
      if (typeof h?.dir === 'string' && restoreHigh(h.dir, String(h.set), String(h.restore))) restored.push(h.dir);
    }
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
  return restored;
}

export class Intercept {
  private watchdog: ChildProcess | null = null;
  private armed = false;

  /** v2: the memory.high the guard wrote, and the one it found (to put back). */
  saved: { set: string; restore: string } | null = null;

  /** Why the state file could not be written when arming (ENOSPC, EROFS), or null. */
  stateError: string | null = null;

  constructor(
    readonly dir: string,
    readonly stateDir: string,
    private readonly procRoot: string,
    readonly version: 1 | 2 = 1,
  ) {}

  /** What the armed intercept does, for the guard's notice. */
  get description(): string {
    const state = this.stateError === null ? '' : ` (state file not written: ${this.stateError}; the watchdog still restores it if the guard dies)`;
    return (this.version === 1
      ? 'holding the cgroup at its limit for the guard (memory.oom_control oom_kill_disable=1; restored on exit)'
      : `throttling the cgroup just below its limit for the guard (memory.high ${this.saved?.set ?? '?'} under memory.max; ${this.saved?.restore ?? '?'} restored on exit)`) + state;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  get watchdogPid(): number | null {
    return this.watchdog?.pid ?? null;
  }

  /** Set oom_kill_disable=1. Refuses when it is already set (someone else handles this cgroup's OOMs). */
  arm(): { ok: true } | { ok: false; message: string } {
    if (this.armed) return { ok: true };
    if (this.version === 2) return this.armHigh();
    const oc = readOomControl(this.dir);
    if (oc === null) return { ok: false, message: `${this.dir}: no memory.oom_control (not a cgroup v1 memory group?)` };
    if (oc.oomKillDisable) {
      return { ok: false, message: `${this.dir}: oom_kill_disable is already 1 (another OOM handler?): left as it is` };
    }
    const dir = prepareStateDir(this.stateDir);
    if (!dir.ok) return { ok: false, message: dir.message };
    active.add(this);
    this.stateError = saveState(this.stateDir, this.procRoot);
    this.startWatchdog(WATCHDOG, [join(this.dir, 'memory.oom_control')]);
    const err = writeOomKillDisable(this.dir, 1);
    if (err !== null) {
      this.release();
      return { ok: false, message: `${this.dir}: cannot set oom_kill_disable (${err})` };
    }
    this.armed = true;
    return { ok: true };
  }

  /** v2: memory.high just below memory.max. Refuses when memory.high is already at or below that. */
  private armHigh(): { ok: true } | { ok: false; message: string } {
    let max: string;
    try {
      max = readFileSync(join(this.dir, 'memory.max'), 'utf8').trim();
    } catch {
      return { ok: false, message: `${this.dir}: no memory.max (not a cgroup v2 memory group?)` };
    }
    if (!/^\d+$/.test(max)) return { ok: false, message: `${this.dir}: memory.max is ${max}: nothing to throttle below` };
    const restore = readHigh(this.dir);
    if (restore === null) return { ok: false, message: `${this.dir}: no memory.high` };
    const target = interceptHighBytes(Number(max));
    if (restore !== 'max' && Number(restore) <= target) {
      return { ok: false, message: `${this.dir}: memory.high is already ${restore}, at or below ${target}: left as it is` };
    }
    const dir = prepareStateDir(this.stateDir);
    if (!dir.ok) return { ok: false, message: dir.message };
    this.saved = { set: String(target), restore };
    active.add(this);
    this.stateError = saveState(this.stateDir, this.procRoot);
    this.startWatchdog(WATCHDOG_HIGH, [join(this.dir, 'memory.high'), restore, String(target)]);
    const err = writeHigh(this.dir, String(target));
    if (err !== null) {
      this.release();
      return { ok: false, message: `${this.dir}: cannot set memory.high (${err})` };
    }
    this.armed = true;
    return { ok: true };
  }

  private startWatchdog(script: string, args: string[]): void {
    try {
      const wd = spawn('/bin/sh', ['-c', script, 'oomtop-guard-watchdog', ...args], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
      wd.on('error', () => {});
      wd.stdin?.on('error', () => {});
      this.watchdog = wd;
    } catch {
      this.watchdog = null;
    }
  }

  /** Put oom_kill_disable back to 0 (v2: memory.high back) and dismiss the watchdog. Synchronous and idempotent. */
  release(): void {
    if (this.armed && this.version === 1) writeOomKillDisable(this.dir, 0);
    if (this.armed && this.version === 2 && this.saved) restoreHigh(this.dir, this.saved.set, this.saved.restore);
    this.armed = false;
    const wd = this.watchdog;
    this.watchdog = null;
    if (wd) {
      try {
        wd.stdin?.end('disarm\n');
      } catch {
        /* the pipe closing restores 0, which is what we just did */
      }
      wd.unref();
    }
    if (active.delete(this)) saveState(this.stateDir, this.procRoot);
  }
}

/** Every intercept of this process: for exit handlers. */
export function releaseAll(): void {
  for (const i of [...active]) i.release();
}
