import { closeSync, openSync, readSync } from 'node:fs';

let buf = Buffer.allocUnsafe(64 * 1024);

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
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const room = buf.length - len;
      const n = readSync(fd, buf, len, room, null);
      if (n <= 0) break;
      len += n;
      if (singleRecord && n < room) break;
    }
    return buf.toString('utf8', 0, len);
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
