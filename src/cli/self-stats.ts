import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const SELF_STATS_HEADER = 'time_ms,rss_bytes,heap_used_bytes,heap_total_bytes,external_bytes,fds,heap_after_gc_bytes';

/** Every this many lines, a full collection first and the heap it leaves (what is retained). */
const GC_EVERY = 10;

/**
 * Self-measurement of the long-running headless commands (guard, exporter, record) for soak
 * runs, as the monitor's OOMTOP_STATS (src/tui/stats.ts): one CSV line a second with RSS, the
 * V8 heap and open descriptors, on an unref'd timer; every tenth line after a full collection
 * too, with the heap it left. These commands allocate little, so V8 may not collect old space
 * for minutes and the heap's low point says little; after a forced collection it is what they
 * keep. Off unless OOMTOP_STATS=PATH is set (the collections are the soak's, not the user's);
 * a file that cannot be opened or written turns it off without disturbing the command.
 */
export function startSelfStats(path: string | undefined): { stop(): void } | null {
  if (!path) return null;
  let fd: number | null;
  try {
    fd = openSync(path, 'a', 0o600);
    writeSync(fd, SELF_STATS_HEADER + '\n');
  } catch {
    return null;
  }
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let lines = 0;
  const stop = () => {
    clearInterval(timer);
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  const timer = setInterval(() => {
    if (fd === null) return;
    let afterGc = '';
    if (++lines % GC_EVERY === 0) {
      gc();
      afterGc = String(process.memoryUsage().heapUsed);
    }
    const m = process.memoryUsage();
    let fds = -1;
    try {
      fds = readdirSync('/proc/self/fd').length - 1;
    } catch {
      /* no /proc/self */
    }
    try {
      writeSync(fd, `${Date.now()},${m.rss},${m.heapUsed},${m.heapTotal},${m.external},${fds},${afterGc}\n`);
    } catch {
      stop();
    }
  }, 1000);
  timer.unref();
  return { stop };
}
