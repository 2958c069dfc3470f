import { execa } from 'execa';
import { cliSources, dockerSocketSource, emptyTable, mergeTables, type NameSource, type NameTable, type Runner } from './sources.js';
import type { ContainerInfo } from '../cgroup/types.js';

/**
 * The default runner: execa in its own process group, no stdin, bounded output. On timeout
 * the whole group is killed: a CLI that forked helpers (plugins, shells) would otherwise keep
 * the output pipe open and the call alive past its deadline.
 */
export const execaRunner: Runner = async (cmd, args, { timeoutMs }) => {
  const sub = execa(cmd, args, { detached: true, stdin: 'ignore', maxBuffer: 32 * 1024 * 1024 });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (sub.pid === undefined) return;
    try {
      process.kill(-sub.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, timeoutMs);
  try {
    const r = await sub;
    return { stdout: r.stdout };
  } catch (e) {
    if (timedOut) throw Object.assign(new Error(`${cmd} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT', timedOut: true });
    throw e;
  } finally {
    clearTimeout(timer);
  }
};

export interface NamerOptions {
  /** Where names come from; default: Docker socket, then docker, podman, crictl, kubectl CLIs. */
  sources?: NameSource[];
  /** Per call, ≤ 2000 ms. */
  timeoutMs?: number;
  /** Refresh a table this old when asked for a name (ms). Default 30 s. */
  refreshMs?: number;
  /** After a miss, do not ask again sooner than this (ms). Default 5 s. */
  missRetryMs?: number;
  /** A runtime that is not installed (ENOENT) is not asked again for this long. Default 10 min. */
  absentRetryMs?: number;
  now?: () => number;
}

interface SourceState {
  source: NameSource;
  ok: boolean | null;
  retryAt: number;
  lastError: string | null;
}

export interface NamerStatus {
  /** Sources that answered on the last refresh. */
  reachable: string[];
  /** Said once when no runtime answered: names fall back to short IDs. */
  message: string | null;
}

/**
 * Container and pod names from whatever runtime is reachable, never on the caller's path:
 * lookup() answers from the cache at once and, on a miss or a stale cache, starts a
 * background refresh (one at a time); onUpdate listeners hear when names changed.
 */
export class ContainerNamer {
  private table: NameTable = emptyTable();
  private readonly states: SourceState[];
  private readonly timeoutMs: number;
  private readonly refreshMs: number;
  private readonly missRetryMs: number;
  private readonly absentRetryMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();
  private readonly statusListeners = new Set<(message: string) => void>();
  private inflight: Promise<void> | null = null;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private lastMissRefresh = Number.NEGATIVE_INFINITY;
  private message: string | null = null;
  private told = false;

  constructor(opts: NamerOptions = {}) {
    const sources = opts.sources ?? [dockerSocketSource(), ...cliSources(execaRunner)];
    this.states = sources.map((source) => ({ source, ok: null, retryAt: 0, lastError: null }));
    this.timeoutMs = Math.min(2000, opts.timeoutMs ?? 2000);
    this.refreshMs = opts.refreshMs ?? 30_000;
    this.missRetryMs = opts.missRetryMs ?? 5_000;
    this.absentRetryMs = opts.absentRetryMs ?? 600_000;
    this.now = opts.now ?? Date.now;
  }

  /** Sync: the cached name of the container (or null), scheduling a refresh when useful. */
  lookup(info: ContainerInfo): string | null {
    if (info.id === null || !isRuntime(info)) return null;
    const name = this.table.containers.get(info.id) ?? null;
    this.maybeRefresh(name === null || (info.pod !== null && !this.table.pods.has(info.pod.uid)));
    return name;
  }

  /** Sync: "namespace/name" of a pod, or null. */
  podName(uid: string): string | null {
    const name = this.table.pods.get(uid) ?? null;
    this.maybeRefresh(name === null);
    return name;
  }

  /** A copy of info with the names known so far filled in. */
  resolve(info: ContainerInfo): ContainerInfo {
    const name = this.lookup(info) ?? info.name;
    const pod = info.pod ? { ...info.pod, name: this.podName(info.pod.uid) ?? info.pod.name } : null;
    return { ...info, name, pod };
  }

  /** Called after a refresh changed some name. Returns an unsubscribe function. */
  onUpdate(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Called once, when no runtime could be reached. */
  onStatus(cb: (message: string) => void): () => void {
    this.statusListeners.add(cb);
    if (this.message !== null) cb(this.message);
    return () => this.statusListeners.delete(cb);
  }

  status(): NamerStatus {
    return { reachable: this.states.filter((s) => s.ok === true).map((s) => s.source.name), message: this.message };
  }

  /** Ask every source now (skips runtimes known to be absent); resolves when done. Never rejects. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.doRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Resolves when no refresh is running (tests, --once). */
  async idle(): Promise<void> {
    while (this.inflight) await this.inflight;
  }

  private maybeRefresh(miss: boolean): void {
    const now = this.now();
    const stale = now - this.refreshedAt >= this.refreshMs;
    const missOk = miss && now - this.lastMissRefresh >= this.missRetryMs && now - this.refreshedAt >= this.missRetryMs;
    if (!stale && !missOk) return;
    if (this.inflight) return;
    if (miss) this.lastMissRefresh = now;
    void this.refresh();
  }

  private async doRefresh(): Promise<void> {
    const now = this.now();
    const due = this.states.filter((s) => s.retryAt <= now);
    const results = await Promise.allSettled(due.map((s) => s.source.list(this.timeoutMs)));
    const next = emptyTable();
    results.forEach((r, i) => {
      const s = due[i]!;
      if (r.status === 'fulfilled') {
        s.ok = true;
        s.retryAt = 0;
        s.lastError = null;
        mergeTables(next, r.value);
      } else {
        const err = r.reason as { code?: unknown; message?: unknown };
        s.ok = false;
        s.lastError = typeof err?.message === 'string' ? err.message.split('\n')[0]! : String(r.reason);
        s.retryAt = now + (err?.code === 'ENOENT' ? this.absentRetryMs : this.refreshMs);
      }
    });
    this.refreshedAt = this.now();
    // Keep names from sources that were skipped or failed this time, so a flaky runtime does not blank the table.
    mergeTables(next, this.table);
    const changed = !sameTable(next, this.table);
    this.table = next;
    if (this.states.every((s) => s.ok === false) && !this.told) {
      this.told = true;
      this.message = `no container runtime reachable (tried ${this.states.map((s) => s.source.name).join(', ')}): showing short IDs`;
      for (const cb of this.statusListeners) cb(this.message);
    }
    if (changed) for (const cb of this.listeners) cb();
  }
}

function isRuntime(info: ContainerInfo): boolean {
  return (
    info.runtime === 'docker' ||
    info.runtime === 'containerd' ||
    info.runtime === 'cri-o' ||
    info.runtime === 'podman' ||
    info.runtime === 'kubernetes'
  );
}

function sameTable(a: NameTable, b: NameTable): boolean {
  if (a.containers.size !== b.containers.size || a.pods.size !== b.pods.size) return false;
  for (const [k, v] of a.containers) if (b.containers.get(k) !== v) return false;
  for (const [k, v] of a.pods) if (b.pods.get(k) !== v) return false;
  return true;
}
