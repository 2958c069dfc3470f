/**
 * One writer per history file. `oomtop record`, `guard --history`, `exporter --history` and
 * the monitor's `--history` all default to, or may be given, the same file; two writers would
 * write every point twice and roll the minutes up twice, and the second used to find the file
 * busy and move the first one's file aside. The writer holds `PATH.lock` (created with O_EXCL,
 * owner-only) naming its PID and start time; a second writer is refused with who holds it. A
 * lock left by a writer that died (SIGKILL, a crash) names a process that is gone, or a PID
 * now reused by another process (another start time): it is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync, constants } from 'node:fs';
import { readStat } from '../proc/process.js';
import { sanitize } from '../text/sanitize.js';

export interface WriterLock {
  readonly path: string;
  release(): void;
}

export class HistoryBusyError extends Error {
  readonly code = 'OOMTOP_HISTORY_BUSY';
}

interface Holder {
  pid: number;
  startTimeTicks: number;
}

function parseHolder(text: string): Holder | null {
  const m = /^(\d+) (\d+)\n?$/.exec(text);
  return m ? { pid: Number(m[1]), startTimeTicks: Number(m[2]) } : null;
}

/** The holder, when it is still the same live process (PID and start time). */
function liveHolder(lockPath: string, procRoot: string): (Holder & { comm: string }) | null {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch {
    return null;
  }
  const h = parseHolder(text);
  if (!h) return null;
  const st = readStat(procRoot, h.pid);
  return st && st.startTimeTicks === h.startTimeTicks ? { ...h, comm: st.comm } : null;
}

/** Take `historyPath`.lock for this process, or throw HistoryBusyError naming its holder. */
export function lockHistory(historyPath: string, procRoot = '/proc'): WriterLock {
  const lockPath = `${historyPath}.lock`;
  const self = readStat(procRoot, process.pid);
  const me = `${process.pid} ${self?.startTimeTicks ?? 0}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = liveHolder(lockPath, procRoot);
      if (holder && holder.pid !== process.pid) {
        throw new HistoryBusyError(
          `history ${historyPath} is being written by PID ${holder.pid} (${sanitize(holder.comm)}); give this one another file with --history PATH, or stop that one`,
        );
      }
      // Left by a writer that is gone (or by this very process): take it over.
      try {
        unlinkSync(lockPath);
      } catch {
        /* another starter removed it first */
      }
      continue;
    }
    try {
      writeSync(fd, me);
    } finally {
      closeSync(fd);
    }
    return {
      path: lockPath,
      release() {
        // Only our own: a writer that took over a lock we were thought to have left keeps it.
        try {
          if (readFileSync(lockPath, 'utf8') === me) unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      },
    };
  }
  throw new HistoryBusyError(`history ${historyPath}: could not take ${lockPath} (other writers are starting at the same time)`);
}
