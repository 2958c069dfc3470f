/**
 * Kernel OOM kills as the kernel log told them (src/kernel/follow.ts parses it; nothing here
 * reads the log again), turned into bounded counters: one series per (constraint, cgroup),
 * at most `max` of them (the least recently killed in is dropped first), and the victim of
 * the last kill only, so a node that kills a thousand pods never grows a thousand series.
 */
import type { OomEvent } from '../kernel/types.js';

export interface KillKey {
  /** The kernel's constraint, lower case: none, cpuset, memory_policy, memcg; "unknown" when the report did not say. */
  constraint: string;
  /** The memory cgroup whose limit was hit (memcg kills); "" for a system-wide kill. */
  cgroup: string;
}

export interface LastKill extends KillKey {
  timeSec: number;
  pid: number;
  comm: string;
  /** The victim's memory cgroup as the kernel printed it (task_memcg). */
  taskCgroup: string;
  oomScoreAdj: number | null;
  /** The victim's container, pod or unit when its cgroup names one ("" otherwise). */
  container: string;
}

export function killKey(ev: OomEvent): KillKey {
  const constraint = ev.constraint === null ? 'unknown' : ev.constraint.toLowerCase();
  const cgroup = ev.constraint === 'MEMCG' ? (ev.memcg?.oomMemcg ?? ev.memcg?.taskMemcg ?? '') : '';
  return { constraint, cgroup };
}

const keyOf = (k: KillKey) => `${k.constraint}\u0000${k.cgroup}`;

export class KernelKills {
  private readonly counts = new Map<string, KillKey & { n: number }>();
  private lastKill: LastKill | null = null;
  /** Kills counted since the exporter started (live ones: the log's past does not count). */
  seen = 0;

  constructor(private readonly max: number) {}

  /**
   * A kill from the follower. Kills already in the kernel's buffer when the exporter started
   * (`past`) name the last victim but are not counted: a restarted exporter would otherwise
   * count them again, and Prometheus would read that as new kills.
   */
  observe(ev: OomEvent & { past?: boolean }, timeMs: number, container = ''): void {
    if (!ev.victim || (ev.kind !== 'kill' && ev.kind !== 'group-kill')) return;
    const key = killKey(ev);
    if (!ev.past) {
      const k = keyOf(key);
      const entry = this.counts.get(k) ?? { ...key, n: 0 };
      entry.n += 1 + (ev.groupVictims ? Math.max(0, ev.groupVictims.length - 1) : 0);
      // Re-insert: the map's order is the least recently killed first.
      this.counts.delete(k);
      this.counts.set(k, entry);
      while (this.counts.size > this.max) this.counts.delete(this.counts.keys().next().value!);
      this.seen++;
    }
    const timeSec = timeMs / 1000;
    if (this.lastKill === null || timeSec >= this.lastKill.timeSec) {
      this.lastKill = {
        ...key,
        timeSec,
        pid: ev.victim.pid,
        comm: ev.victim.comm,
        taskCgroup: ev.memcg?.taskMemcg ?? '',
        oomScoreAdj: ev.victim.oomScoreAdj,
        container,
      };
    }
  }

  /** Every counted (constraint, cgroup) with its kills. */
  counted(): (KillKey & { n: number })[] {
    return [...this.counts.values()];
  }

  count(key: KillKey): number {
    return this.counts.get(keyOf(key))?.n ?? 0;
  }

  get last(): LastKill | null {
    return this.lastKill;
  }
}
