import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Small-file reader for /proc and /sys: one shared buffer, open/read/close, no fstat
 * (procfs reports size 0), and no second read to see EOF. Returns null when the file vanished or is unreadable, which
 * is normal for processes that exit between listing and reading.
 */
let buf = Buffer.allocUnsafe(64 * 1024);

export function readSmall(path: string): string | null {
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
      // procfs/sysfs hand out the whole record in one read and regular files only read
      // short at EOF: a short read means we are done, which saves a syscall per file.
      if (n < room) break;
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

/** Like readSmall but keeps the error code, for callers that explain failures. */
export function readSmallOrError(path: string): { text: string } | { code: string } {
  try {
    const fd = openSync(path, 'r');
    closeSync(fd);
  } catch (e) {
    return { code: (e as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  const text = readSmall(path);
  return text === null ? { code: 'ENOENT' } : { text };
}

export function readInt(path: string): number | null {
  const text = readSmall(path);
  if (text === null) return null;
  const n = Number.parseInt(text.trim(), 10);
  return Number.isFinite(n) ? n : null;
}
