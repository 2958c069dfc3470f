import { closeSync, openSync, readFileSync, readSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { readRecord } from './read.js';

/** f_type of procfs (linux/magic.h PROC_SUPER_MAGIC). */
const PROC_SUPER_MAGIC = 0x9fa0;
/** Descriptors left for everything else oomtop opens (kmsg, cgroup files, children's pipes). */
const FD_RESERVE = 512;

/** Is `root` a mounted procfs (and not a fixture tree of regular files)? */
export function isProcfs(root: string): boolean {
  try {
    return statfsSync(root).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/** The soft RLIMIT_NOFILE from /proc/self/limits; null when it cannot be read. */
export function openFileLimit(limitsText: string | null): number | null {
  if (limitsText === null) return null;
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (!m) return null;
  if (m[1] === 'unlimited') return Number.MAX_SAFE_INTEGER;
  const n = Number(m[1]);
  return Number.isInteger(n) && n > 0 ? n : null;
}

function defaultBudget(): number {
  let text: string | null = null;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    /* not Linux, or no /proc of our own */
  }
  const limit = openFileLimit(text);
  return limit === null ? 0 : Math.max(0, limit - FD_RESERVE);
}

interface Held {
  fd: number;
  used: number;
}

/**
 * Per-process /proc files that the sampler reads every tick (stat, oom_score), each opened
 * once and then re-read with pread(fd, 0): the kernel regenerates the text on every read,
 * and the open(2) path walk plus close(2) were more than half of the cost of a tick.
 *
 * A held descriptor names the process, not the number: once that process is gone a read
 * fails with ESRCH even if the PID was reused, so the reader opens the path afresh and
 * gets the new process (the caller tells them apart by start time, as before).
 *
 * Used only on a real procfs: a fixture tree of regular files would keep answering from a
 * deleted file. Descriptors are bounded by the soft RLIMIT_NOFILE less a reserve; past
 * that, files are read with open/read/close as before. Descriptors not read during a tick
 * are closed by endTick(), so exited processes release theirs.
 */
export class ProcFiles {
  /** file name → pid → descriptor */
  private readonly held = new Map<string, Map<number, Held>>();
  private count = 0;
  private readonly buf = Buffer.allocUnsafe(4096);
  private tick = 0;
  private readonly hold: boolean;
  private readonly budget: number;

  constructor(
    private readonly procRoot: string,
    opts: { hold?: boolean; maxFds?: number } = {},
  ) {
    this.hold = opts.hold ?? isProcfs(procRoot);
    this.budget = opts.maxFds ?? (this.hold ? defaultBudget() : 0);
  }

  /** Descriptors held now. */
  get size(): number {
    return this.count;
  }

  /** The text of /proc/PID/NAME for a one-record file (stat, oom_score...); null when gone. */
  read(pid: number, name: string): string | null {
    let byPid = this.held.get(name);
    if (byPid === undefined) this.held.set(name, (byPid = new Map()));
    const h = byPid.get(pid);
    if (h !== undefined) {
      h.used = this.tick;
      const text = this.pread(h.fd);
      if (text !== null) return text;
      // That process is gone (ESRCH); the PID may already name another one.
      this.drop(byPid, pid, h);
    }
    const path = join(this.procRoot, String(pid), name);
    if (!this.hold || this.count >= this.budget) return readRecord(path);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    const text = this.pread(fd);
    if (text === null) {
      this.closeFd(fd);
      return null;
    }
    byPid.set(pid, { fd, used: this.tick });
    this.count++;
    return text;
  }

  /** Integer files (oom_score, oom_score_adj). */
  readInt(pid: number, name: string): number | null {
    const text = this.read(pid, name);
    if (text === null) return null;
    const n = Number.parseInt(text, 10);
    return Number.isFinite(n) ? n : null;
  }

  /** Close what was not read since the last call: exited processes, skipped kernel threads. */
  endTick(): void {
    for (const byPid of this.held.values()) for (const [pid, h] of byPid) if (h.used !== this.tick) this.drop(byPid, pid, h);
    this.tick++;
  }

  close(): void {
    for (const byPid of this.held.values()) for (const [pid, h] of byPid) this.drop(byPid, pid, h);
  }

  private pread(fd: number): string | null {
    try {
      // These files are one record well under a page: a single read returns all of it.
      const n = readSync(fd, this.buf, 0, this.buf.length, 0);
      return this.buf.toString('utf8', 0, n);
    } catch {
      return null;
    }
  }

  private drop(byPid: Map<number, Held>, pid: number, h: Held): void {
    byPid.delete(pid);
    this.count--;
    this.closeFd(h.fd);
  }

  private closeFd(fd: number): void {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
}
