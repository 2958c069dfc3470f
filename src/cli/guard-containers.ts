import { readOwnLimitKiB } from '../cgroup/memory.js';
import { readProcMemoryCgroup } from '../cgroup/proccgroup.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import {
  dockerHost,
  engineRequest,
  inspectContainer,
  parseContainerList,
  watchEvents,
  type ContainerState,
  type EngineEvent,
  type EventWatch,
} from '../containers/engine.js';
import { makeEvent } from '../guard/decide.js';
import { preciseNow, type GuardEngine } from '../guard/engine.js';
import { CgroupScope } from '../guard/scope.js';
import type { GuardEvent, GuardPolicy } from '../guard/types.js';

/**
 * `guard --container NAME|ID` and `--all-containers`: containers resolved through the Docker
 * Engine (node:http on its socket, no CLI) to their memory cgroups, which the guard then
 * watches like any --cgroup. The Engine's event stream brings a container back under watch
 * when it starts again, also with a new id under the same name (docker compose up, rm + run).
 */

export type ContainerSetup = { ok: true; follower: ContainerFollower } | { ok: false; message: string };

const short = (id: string) => id.slice(0, 12);

export class ContainerFollower {
  /** Requested names (ids are turned into the container's name at start, so a new id is followed too). */
  private readonly wanted = new Set<string>();
  private watch: EventWatch | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  /** Container id → the cgroup path watched for it. */
  readonly watched = new Map<string, string>();

  constructor(
    private readonly socket: string,
    private readonly h: MemoryHierarchy,
    private readonly policy: GuardPolicy,
    private readonly engine: GuardEngine,
    private readonly emit: (e: GuardEvent) => void,
  ) {}

  private note(scope: string, message: string): void {
    this.emit(makeEvent('notice', scope, null, preciseNow(), { message }));
  }

  private matches(c: { id: string; name: string }): boolean {
    return this.policy.allContainers === true || this.wanted.has(c.name);
  }

  /** Start watching a running container's cgroup; false when it has none to watch. */
  private add(c: ContainerState, why: string): boolean {
    if (!c.running || c.pid === null) return false;
    const path = readProcMemoryCgroup(this.policy.procRoot, c.pid, this.h);
    if (path === null) {
      this.note('guard', `container ${c.name} (${short(c.id)}): its memory cgroup is not readable`);
      return false;
    }
    if (this.policy.allContainers && !this.wanted.has(c.name)) {
      const lim = readOwnLimitKiB(this.h, path);
      if (lim === null || lim === undefined) return false; // no limit of its own: the system scope covers it
    }
    const existing = this.engine.scopes.find((s) => s.reader.label === path);
    if (existing && why === 'found') {
      this.watched.set(c.id, path);
      return true;
    }
    // Started again in a cgroup of the same path (docker restart): a fresh scope, so the v1 intercept is set on the new directory.
    if (existing) this.engine.removeScope(existing);
    this.engine.addScope(new CgroupScope(this.h, path, this.policy));
    this.watched.set(c.id, path);
    this.note(path, `container ${c.name} (${short(c.id)}, image ${c.image ?? '?'}) ${why}: now watched`);
    return true;
  }

  /** Resolve the requested containers and (with --all-containers) list the running ones. */
  async resolve(): Promise<string | null> {
    for (const req of this.policy.containers ?? []) {
      let c: ContainerState | null;
      try {
        c = await inspectContainer(this.socket, req, 3000);
      } catch (e) {
        return `--container ${req}: the Docker Engine at ${this.socket} did not answer (${(e as Error).message}); set DOCKER_HOST=unix:///path/to/docker.sock`;
      }
      if (c === null) return `--container ${req}: no such container on the Docker Engine at ${this.socket}`;
      this.wanted.add(c.name);
      if (!this.add(c, 'found') && !c.running) this.note('guard', `container ${c.name} (${short(c.id)}) is not running: watched when it starts`);
    }
    if (this.policy.allContainers) {
      let list;
      try {
        const r = await engineRequest(this.socket, '/containers/json', 3000);
        if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
        list = parseContainerList(r.body);
      } catch (e) {
        return `--all-containers: the Docker Engine at ${this.socket} did not answer (${(e as Error).message}); set DOCKER_HOST=unix:///path/to/docker.sock`;
      }
      for (const d of list) {
        const c = await inspectContainer(this.socket, d.id, 3000).catch(() => null);
        if (c) this.add(c, 'found');
      }
    }
    return null;
  }

  /** Follow the Engine's events: a matching container that starts (new id or not) is watched. */
  follow(): void {
    if (this.stopped) return;
    this.watch = watchEvents(
      this.socket,
      (ev) => void this.onEvent(ev),
      (reason) => {
        this.watch = null;
        if (this.stopped) return;
        this.note('guard', `Docker Engine event stream closed (${reason}): reconnecting in 5 s`);
        this.retry = setTimeout(() => this.follow(), 5000);
        this.retry.unref();
      },
    );
  }

  private async onEvent(ev: EngineEvent): Promise<void> {
    if (this.stopped) return;
    if (ev.action === 'start' || ev.action === 'restart') {
      if (ev.name !== null && !this.matches({ id: ev.id, name: ev.name })) return;
      const c = await inspectContainer(this.socket, ev.id, 3000).catch(() => null);
      if (c && this.matches(c)) this.add(c, ev.action === 'restart' ? 'restarted' : 'started');
    } else if (ev.action === 'die' || ev.action === 'destroy') {
      // Its cgroup goes with it; the engine drops the scope when the cgroup is gone.
      this.watched.delete(ev.id);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.watch?.close();
    this.watch = null;
  }
}

/** Resolve --container / --all-containers; an unknown container or an unreachable Engine is an error before anything runs. */
export async function setupContainers(
  policy: GuardPolicy,
  h: MemoryHierarchy | null,
  engine: GuardEngine,
  emit: (e: GuardEvent) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<ContainerSetup> {
  const host = dockerHost(env);
  if (host.error !== undefined) return { ok: false, message: `--container: ${host.error}` };
  if (h === null) return { ok: false, message: `--container: no cgroup memory controller found under ${policy.cgroupRoot}` };
  const f = new ContainerFollower(host.socket, h, policy, engine, emit);
  const err = await f.resolve();
  if (err !== null) return { ok: false, message: err };
  f.follow();
  return { ok: true, follower: f };
}
