import { closeSync, openSync, readFileSync, readSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { ReadBuffer } from './read.js';

/** f_type of procfs (linux/magic.h PROC_SUPER_MAGIC). */
const PROC_SUPER_MAGIC = 0x9fa0;
/** f_type of cgroup v1 and v2 (linux/magic.h CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC). */
const CGROUP_SUPER_MAGICS = [0x27e0eb, 0x63677270];
/** Descriptors left for everything else oomtop opens (kmsg, children's pipes, sockets). */
const FD_RESERVE = 512;

function fsType(root: string): number | null {
  try {
    return statfsSync(root).type;
  } catch {
    return null;
  }
}

/** Is `root` a mounted procfs (and not a fixture tree of regular files)? */
export function isProcfs(root: string): boolean {
  return fsType(root) === PROC_SUPER_MAGIC;
}

/** Is `root` a mounted cgroup filesystem, v1 or v2 (and not a fixture tree)? */
export function isCgroupfs(root: string): boolean {
  const t = fsType(root);
  return t !== null && CGROUP_SUPER_MAGICS.includes(t);
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
 * The kernel files the sampler reads every tick, each opened once and then re-read with
 * pread(fd, 0): the kernel regenerates the text on every read, and the open(2) path walk
 * plus close(2) cost more than the read itself. Two kinds share one descriptor budget:
 *
 * - per-process /proc files (statm, oom_score: numbers()), held only on a real procfs;
 * - any other single-record file by absolute path (the memory cgroup files: text()), held
 *   when the caller asks (the sampler does on a real cgroup filesystem).
 *
 * A held /proc/PID descriptor names the process, not the number: once that process is
 * gone a read fails with ESRCH even if the PID was reused. So while a descriptor reads,
 * the process is the one it was opened for, with no start-time check needed. A held
 * cgroup file (kernfs) reads ENODEV once its cgroup is removed, also when a cgroup of the
 * same path was made since: text() then closes it and opens the path afresh.
 *
 * Not held in a fixture tree of regular files: a deleted file would keep answering.
 * Descriptors are bounded by the soft RLIMIT_NOFILE less a reserve; past that, files are
 * read with open/read/close. Descriptors not read during a tick are closed by endTick(),
 * so exited processes and removed cgroups release theirs.
 */
export class ProcFiles {
  /** file name → pid → descriptor */
  private readonly held = new Map<string, Map<number, Held>>();
  /** absolute path → descriptor (text()) */
  private readonly byPath = new Map<string, Held>();
  private count = 0;
  private readonly rb = new ReadBuffer(4096);
  private tick = 0;
  private readonly hold: boolean;
  private readonly budget: number;

  constructor(
    private readonly procRoot: string,
    opts: { hold?: boolean; maxFds?: number } = {},
  ) {
    this.hold = opts.hold ?? isProcfs(procRoot);
    this.budget = opts.maxFds ?? defaultBudget();
  }

  /** Descriptors held now. */
  get size(): number {
    return this.count;
  }

  /** Decimal fields parsed by numbers(), from the start of the file. */
  readonly nums: number[] = [];

  /** Is /proc/PID/NAME held open (so that a read names the process it was opened for)? */
  holds(pid: number, name: string): boolean {
    return this.held.get(name)?.has(pid) === true;
  }

  /** Would a /proc/PID file not held yet be kept open now? */
  get canHold(): boolean {
    return this.hold && this.count < this.budget;
  }

  /** Is this file (by absolute path, text()) held open? */
  holdsPath(path: string): boolean {
    return this.byPath.has(path);
  }

  /**
   * The text of a small file the kernel builds as one record (a cgroup's memory.current,
   * memory.stat, memory.oom_control, memory.pressure...: not cgroup.procs), as
   * readSmall() would return it, or null when it is gone or unreadable. Held open between
   * ticks while the budget allows. A held descriptor that fails (ENODEV: its cgroup was
   * removed, perhaps made again under the same path) is closed and the path opened afresh.
   */
  text(path: string): string | null {
    const h = this.byPath.get(path);
    if (h !== undefined) {
      h.used = this.tick;
      const n = this.readAll(h.fd);
      if (n >= 0) return this.rb.buf.toString('utf8', 0, n);
      this.dropPath(path, h);
    }
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    const n = this.readAll(fd);
    if (n < 0 || this.count >= this.budget) {
      this.closeFd(fd);
    } else {
      this.byPath.set(path, { fd, used: this.tick });
      this.count++;
    }
    return n < 0 ? null : this.rb.buf.toString('utf8', 0, n);
  }

  /**
   * Read the first `count` decimal fields of /proc/PID/NAME (statm, oom_score...) into
   * `nums`, straight from the bytes (nothing allocated per read). Returns how many were
   * read, or -1 when the file is gone or unreadable. A held descriptor that fails is
   * dropped and not reopened: that process is gone, and a new one under the same PID is
   * for the caller to meet as new. A file not held is opened, and kept when it can be.
   */
  numbers(pid: number, name: string, count: number): number {
    let byPid = this.held.get(name);
    if (byPid === undefined) this.held.set(name, (byPid = new Map()));
    const h = byPid.get(pid);
    if (h !== undefined) {
      h.used = this.tick;
      const n = this.pread(h.fd);
      if (n >= 0) return this.parse(n, count);
      this.drop(byPid, pid, h);
      return -1;
    }
    let fd: number;
    try {
      fd = openSync(join(this.procRoot, String(pid), name), 'r');
    } catch {
      return -1;
    }
    const n = this.pread(fd);
    if (n < 0 || !this.canHold) {
      this.closeFd(fd);
      return n < 0 ? -1 : this.parse(n, count);
    }
    byPid.set(pid, { fd, used: this.tick });
    this.count++;
    return this.parse(n, count);
  }

  // ---------------------------------------------------------------- the held files

  /** Size and resident set (pages) of the last successful statm() read. */
  readonly statmPages = { size: 0, resident: 0 };

  /**
   * /proc/PID/statm: "size resident shared text lib data dt" in pages; resident is the
   * kernel's get_mm_rss(), the rss of oom_badness(). Fills statmPages; false when gone.
   */
  statm(pid: number): boolean {
    if (this.numbers(pid, 'statm', 2) !== 2) return false;
    this.statmPages.size = this.nums[0]!;
    this.statmPages.resident = this.nums[1]!;
    return true;
  }

  /** Is this process's statm held (so that a read names the process it was opened for)? */
  holdsStatm(pid: number): boolean {
    return this.holds(pid, 'statm');
  }

  /**
   * /proc/PID/oom_score: the kernel's badness as it prints it (kernel/oom.ts
   * oomScoreFromPoints: 0..2000, 0 for the exempt); null when gone or unreadable.
   */
  oomScore(pid: number): number | null {
    return this.numbers(pid, 'oom_score', 1) === 1 ? this.nums[0]! : null;
  }

  /** Close every file held for this PID. */
  forget(pid: number): void {
    for (const byPid of this.held.values()) {
      const h = byPid.get(pid);
      if (h !== undefined) this.drop(byPid, pid, h);
    }
  }

  /**
   * Close what was not read since the last call: exited processes, skipped kernel threads,
   * cgroups removed or no longer read.
   */
  endTick(): void {
    // forEach, not for-of over entries: no [pid, h] array per descriptor (two per process, every tick).
    const tick = this.tick;
    for (const byPid of this.held.values()) {
      byPid.forEach((h, pid) => {
        if (h.used !== tick) this.drop(byPid, pid, h);
      });
    }
    this.byPath.forEach((h, path) => {
      if (h.used !== tick) this.dropPath(path, h);
    });
    this.tick++;
  }

  close(): void {
    for (const byPid of this.held.values()) for (const [pid, h] of byPid) this.drop(byPid, pid, h);
    for (const [path, h] of this.byPath) this.dropPath(path, h);
  }

  /** Bytes read into buf, or -1. These files are one short record: one read returns all of it. */
  private pread(fd: number): number {
    try {
      return readSync(fd, this.rb.buf, 0, this.rb.buf.length, 0);
    } catch {
      return -1;
    }
  }

  /** The whole single-record file into rb from offset 0, or -1. */
  private readAll(fd: number): number {
    try {
      return this.rb.fill(fd, true, true);
    } catch {
      return -1;
    }
  }

  /** Space-separated decimal integers (a leading '-' allowed); stops at anything else. */
  private parse(len: number, count: number): number {
    const b = this.rb.buf;
    let k = 0;
    let i = 0;
    while (k < count && i < len) {
      while (i < len && (b[i] === 32 || b[i] === 9 || b[i] === 10)) i++;
      if (i >= len) break;
      let neg = false;
      if (b[i] === 45) {
        neg = true;
        i++;
      }
      const start = i;
      let v = 0;
      while (i < len && b[i]! >= 48 && b[i]! <= 57) v = v * 10 + (b[i++]! - 48);
      if (i === start || (i < len && b[i] !== 32 && b[i] !== 9 && b[i] !== 10)) break;
      // No count of pages or score has 16 digits: a longer run is not a number of these files (fuzzing found Infinity).
      if (v > Number.MAX_SAFE_INTEGER) break;
      this.nums[k++] = neg ? -v : v;
    }
    return k;
  }

  private drop(byPid: Map<number, Held>, pid: number, h: Held): void {
    byPid.delete(pid);
    this.count--;
    this.closeFd(h.fd);
  }

  private dropPath(path: string, h: Held): void {
    this.byPath.delete(path);
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
