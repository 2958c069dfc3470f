import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import type { StoreApi } from 'zustand/vanilla';
import type { OomtopState } from '../store/store.js';

export const STATS_HEADER = 'time_ms,ticks,rss_bytes,heap_used_bytes,heap_total_bytes,external_bytes,fds,processes,histories,retired,events,tick_ms,cgroups,held_files';

/**
 * Self-measurement for soak runs: OOMTOP_STATS=PATH appends one CSV line a second (RSS, V8 heap,
 * open descriptors, what the store keeps, the last tick's cost). Off unless asked for; a write
 * that fails turns it off rather than disturbing the monitor.
 */
export class StatsWriter {
  private fd: number | null;
  private ticks = 0;
  private last = 0;

  /** `heldFiles`: the sampler's held descriptors (/proc files and cgroup files), -1 when unknown. */
  constructor(path: string, private readonly store: StoreApi<OomtopState>, private readonly heldFiles: () => number = () => -1) {
    this.fd = openSync(path, 'a', 0o600);
    writeSync(this.fd, STATS_HEADER + '\n');
  }

  tick(): void {
    this.ticks++;
    const now = Date.now();
    if (this.fd === null || now - this.last < 1000) return;
    this.last = now;
    const m = process.memoryUsage();
    let fds = -1;
    try {
      fds = readdirSync('/proc/self/fd').length - 1; // less the one readdir opened
    } catch {
      /* no /proc/self: leave -1 */
    }
    const s = this.store.getState();
    const line = [now, this.ticks, m.rss, m.heapUsed, m.heapTotal, m.external, fds, s.snapshot?.processes.length ?? 0, s.history.size, s.history.retired, s.events.length, s.snapshot?.costMs.toFixed(2) ?? '', s.snapshot?.cgroups.length ?? 0, this.heldFiles()].join(',');
    try {
      writeSync(this.fd, line + '\n');
    } catch {
      this.close();
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
