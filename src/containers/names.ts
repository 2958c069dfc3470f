import { execa } from 'execa';
import { dockerHost, type ContainerDetails, type EngineEvent, type EventWatch } from './engine.js';
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
  /** Follow the Engine's event stream once its socket answered (default true; --once says false). */
  follow?: boolean;
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
  /** The open event stream, while the Engine keeps it open (then the source is not polled). */
  watch: EventWatch | null;
  watching: boolean;
}

/** The default sources: the Engine's socket (DOCKER_HOST when it is a unix socket), then the CLIs. */
export function defaultSources(env: Record<string, string | undefined> = process.env): NameSource[] {
  const host = dockerHost(env);
  return [...(host.socket ? [dockerSocketSource(host.socket)] : []), ...cliSources(execaRunner)];
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
  private readonly eventListeners = new Set<(ev: EngineEvent) => void>();
  private readonly follow: boolean;
  private stopped = false;

  constructor(opts: NamerOptions = {}) {
    const sources = opts.sources ?? defaultSources();
    this.follow = opts.follow ?? true;
    this.states = sources.map((source) => ({ source, ok: null, retryAt: 0, lastError: null, watch: null, watching: false }));
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

  /** A copy of info with the names known so far filled in (and image and Compose labels from the Engine). */
  resolve(info: ContainerInfo): ContainerInfo {
    const name = this.lookup(info) ?? info.name;
    const pod = info.pod ? { ...info.pod, name: this.podName(info.pod.uid) ?? info.pod.name } : null;
    const d = info.id === null ? undefined : this.table.details.get(info.id);
    if (!d) return { ...info, name, pod };
    return { ...info, name, pod, image: d.image, compose: d.compose };
  }

  /** What the runtimes said about a container id (kept after it is gone), or null. */
  details(id: string): ContainerDetails | null {
    return this.table.details.get(id) ?? null;
  }

  /** Container events from the Engine's stream (start, die, oom, rename, …), as they come. */
  onEngineEvent(cb: (ev: EngineEvent) => void): () => void {
    this.eventListeners.add(cb);
    return () => this.eventListeners.delete(cb);
  }

  /** True while an Engine event stream is open. */
  following(): boolean {
    return this.states.some((s) => s.watching);
  }

  /** Close the event streams (the namer keeps answering from its cache). */
  stop(): void {
    this.stopped = true;
    for (const s of this.states) {
      s.watch?.close();
      s.watch = null;
      s.watching = false;
    }
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
    // An open event stream keeps the table current: no periodic listing then.
    const stale = now - this.refreshedAt >= this.refreshMs && this.pollable(now).length > 0;
    const missOk = miss && now - this.lastMissRefresh >= this.missRetryMs && now - this.refreshedAt >= this.missRetryMs;
    if (!stale && !missOk) return;
    if (this.inflight) return;
    if (miss) this.lastMissRefresh = now;
    void this.refresh();
  }

  /** Not polled: a source whose event stream is open, one known absent, and a CLI that repeats an Engine that answers. */
  private pollable(now: number): SourceState[] {
    const engineUp = new Set(this.states.filter((s) => s.ok === true && s.source.kind).map((s) => s.source.kind));
    return this.states.filter((s) => s.retryAt <= now && !s.watching && !(s.source.fallbackFor && engineUp.has(s.source.fallbackFor)));
  }

  private async doRefresh(): Promise<void> {
    const now = this.now();
    const due = this.pollable(now);
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
    for (const s of due) if (s.ok && s.source.watch && !s.watch && this.follow && !this.stopped) this.startWatch(s);
    if (changed) for (const cb of this.listeners) cb();
  }

  private startWatch(s: SourceState): void {
    s.watch = s.source.watch!(
      (ev) => this.applyEvent(ev),
      () => {
        // The Engine went away (restart, socket gone): back to listing, and a new stream on the next good answer.
        s.watch = null;
        s.watching = false;
        this.refreshedAt = Number.NEGATIVE_INFINITY;
      },
      () => {
        s.watching = true;
      },
    );
  }

  private applyEvent(ev: EngineEvent): void {
    let changed = false;
    if (ev.name !== null && this.table.containers.get(ev.id) !== ev.name) {
      this.table.containers.set(ev.id, ev.name);
      changed = true;
    }
    const old = this.table.details.get(ev.id);
    const name = ev.name ?? old?.name;
    if (name !== undefined) {
      const next: ContainerDetails = { id: ev.id, name, image: ev.image ?? old?.image ?? null, compose: ev.compose ?? old?.compose ?? null };
      if (!old || old.name !== next.name || old.image !== next.image || old.compose?.project !== next.compose?.project || old.compose?.service !== next.compose?.service) {
        this.table.details.set(ev.id, next);
        changed = true;
      }
    }
    // "destroy" keeps the entry: a container that is gone keeps its name in past events.
    for (const cb of this.eventListeners) cb(ev);
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
  if (a.details.size !== b.details.size) return false;
  for (const [k, v] of a.details) {
    const w = b.details.get(k);
    if (!w || w.image !== v.image || w.compose?.project !== v.compose?.project || w.compose?.service !== v.compose?.service) return false;
  }
  return true;
}
