import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupOomControl } from '../cgroup/memory.js';
import type { OomControl } from '../cgroup/types.js';
import { readStat } from '../proc/process.js';

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
 */

const WATCHDOG = `trap '' INT TERM HUP; read line; [ "$line" = disarm ] || echo 0 > "$1"`;

const active = new Set<Intercept>();

export function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/run/oomtop' : join(tmpdir(), `oomtop-${process.getuid?.() ?? 'u'}`);
}

interface StateFile {
  pid: number;
  startTimeTicks: number;
  dirs: string[];
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

function stateFile(stateDir: string, pid: number): string {
  return join(stateDir, `guard-${pid}.json`);
}

function saveState(stateDir: string, procRoot: string): void {
  const dirs = [...active].filter((i) => i.stateDir === stateDir).map((i) => i.dir);
  const path = stateFile(stateDir, process.pid);
  try {
    if (dirs.length === 0) {
      unlinkSync(path);
      return;
    }
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const st: StateFile = { pid: process.pid, startTimeTicks: readStat(procRoot, process.pid)?.startTimeTicks ?? 0, dirs };
    writeFileSync(path, JSON.stringify(st) + '\n', { mode: 0o600 });
  } catch {
    /* best effort: the watchdog still covers a crash */
  }
}

/**
 * Put back what a guard that died without cleaning up left behind (its state file names a
 * PID that no longer runs, or runs as another process). Returns the directories restored.
 */
export function recoverStale(stateDir: string, procRoot: string): string[] {
  const restored: string[] = [];
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
      st = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
    } catch {
      continue;
    }
    const alive = readStat(procRoot, st.pid);
    if (alive !== null && alive.startTimeTicks === st.startTimeTicks) continue;
    for (const d of st.dirs ?? []) {
      if (readOomControl(d)?.oomKillDisable && writeOomKillDisable(d, 0) === null) restored.push(d);
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

  constructor(
    readonly dir: string,
    readonly stateDir: string,
    private readonly procRoot: string,
  ) {}

  get isArmed(): boolean {
    return this.armed;
  }

  get watchdogPid(): number | null {
    return this.watchdog?.pid ?? null;
  }

  /** Set oom_kill_disable=1. Refuses when it is already set (someone else handles this cgroup's OOMs). */
  arm(): { ok: true } | { ok: false; message: string } {
    if (this.armed) return { ok: true };
    const oc = readOomControl(this.dir);
    if (oc === null) return { ok: false, message: `${this.dir}: no memory.oom_control (not a cgroup v1 memory group?)` };
    if (oc.oomKillDisable) {
      return { ok: false, message: `${this.dir}: oom_kill_disable is already 1 (another OOM handler?): left as it is` };
    }
    active.add(this);
    saveState(this.stateDir, this.procRoot);
    try {
      const wd = spawn('/bin/sh', ['-c', WATCHDOG, 'oomtop-guard-watchdog', join(this.dir, 'memory.oom_control')], {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      });
      wd.on('error', () => {});
      wd.stdin?.on('error', () => {});
      this.watchdog = wd;
    } catch {
      this.watchdog = null;
    }
    const err = writeOomKillDisable(this.dir, 1);
    if (err !== null) {
      this.release();
      return { ok: false, message: `${this.dir}: cannot set oom_kill_disable (${err})` };
    }
    this.armed = true;
    return { ok: true };
  }

  /** Put oom_kill_disable back to 0 and dismiss the watchdog. Synchronous and idempotent. */
  release(): void {
    if (this.armed) writeOomKillDisable(this.dir, 0);
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
