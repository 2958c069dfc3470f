import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A reusable buffer that a whole small kernel file is read into, grown by doubling as
 * needed (procfs and kernfs report size 0, so there is no fstat to size it by).
 */
export class ReadBuffer {
  buf: Buffer;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /**
   * Read the file into buf; returns its length. From the descriptor's offset (a fresh
   * open) or, `fromStart`, with pread from offset 0 (a held descriptor). `singleRecord`:
   * a file the kernel builds as one record (single_open, a cgroup value or memory.stat)
   * gives all of it in one read that leaves room, so a short read is the end; otherwise
   * read until EOF (multi-record seq files hand out about a page per read). Throws on a
   * read error.
   */
  fill(fd: number, singleRecord: boolean, fromStart = false): number {
    let len = 0;
    for (;;) {
      if (len === this.buf.length) {
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, len);
        this.buf = bigger;
      }
      const room = this.buf.length - len;
      const n = readSync(fd, this.buf, len, room, fromStart ? len : null);
      if (n <= 0) break;
      len += n;
      if (singleRecord && n < room) break;
    }
    return len;
  }
}

const shared = new ReadBuffer(64 * 1024);

/**
 * Small-file reader for /proc and /sys: one shared buffer, open/read/close, no fstat
 * (procfs reports size 0). Reads until EOF: multi-record seq files (mountinfo, vmstat,
 * cgroup.procs) hand out about a page per read. Returns null when the file vanished or is
 * unreadable, which is normal for processes that exit between listing and reading.
 */
export function readSmall(path: string): string | null {
  return readFile(path, false);
}

/**
 * For the per-process files the kernel builds as one record (/proc/PID/stat, status,
 * oom_score, oom_score_adj: single_open): one read returns all of it, so a short read
 * means EOF and the second read(2) is saved. That is a quarter of the sampler's syscalls.
 * Never use it for multi-record files.
 */
export function readRecord(path: string): string | null {
  return readFile(path, true);
}

function readFile(path: string, singleRecord: boolean): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const len = shared.fill(fd, singleRecord);
    return shared.buf.toString('utf8', 0, len);
  } catch {
    return null;
  } finally {
    try {
      closeSync(fd);
    } catch {
      /* already gone */
    }
  }
}

export function readInt(path: string): number | null {
  const text = readRecord(path);
  if (text === null) return null;
  const n = Number.parseInt(text.trim(), 10);
  return Number.isFinite(n) ? n : null;
}
