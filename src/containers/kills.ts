import { recognizeContainer } from '../cgroup/container.js';
import type { ContainerInfo } from '../cgroup/types.js';
import { inspectContainer, pastEvents, type ComposeInfo, type EngineEvent } from './engine.js';

/**
 * Which container an OOM kill happened in, from the kernel's memcg path (oom_memcg or
 * task_memcg) plus what the Docker Engine says: its name and image, its own OOMKilled state
 * and its "oom" event, a second witness beside the kernel log.
 */
export interface KillContainer {
  runtime: ContainerInfo['runtime'];
  id: string;
  name: string | null;
  image: string | null;
  compose: ComposeInfo | null;
  /** The Engine's view; null when it could not be asked or does not know this container. */
  engine: {
    /** State.OOMKilled of the container as it is now (null: the container is gone). */
    oomKilled: boolean | null;
    /** Time of the Engine's "oom" event for this container nearest the kill (ISO), or null when none. */
    oomEvent: string | null;
    /** The container still exists. */
    exists: boolean;
  } | null;
}

/** The container a memcg path belongs to (runtime and id from the path alone), or null. */
export function containerOfPath(path: string | null | undefined): ContainerInfo | null {
  if (!path) return null;
  const c = recognizeContainer(path);
  if (!c || c.id === null) return null;
  if (c.runtime === 'systemd-service' || c.runtime === 'systemd-scope' || c.runtime === 'user-session') return null;
  return c;
}

/** The Engine's oom event for this container nearest timeMs (within 60 s), or null. */
export function matchOomEvent(events: EngineEvent[], id: string, timeMs: number | null): EngineEvent | null {
  let best: EngineEvent | null = null;
  for (const e of events) {
    if (e.id !== id || e.action !== 'oom') continue;
    if (timeMs === null) {
      if (!best || e.timeMs > best.timeMs) best = e;
      continue;
    }
    const d = Math.abs(e.timeMs - timeMs);
    if (d <= 60_000 && (!best || d < Math.abs(best.timeMs - timeMs))) best = e;
  }
  return best;
}

export interface KillInput {
  memcgPath: string | null;
  /** Epoch ms of the kill, when the log tells it. */
  timeMs: number | null;
}

/**
 * For each kill, its container (or null), asking the Engine at socketPath once for its past
 * events and once per container for its state. Never rejects: an unreachable Engine leaves
 * engine null and names from the path alone (null).
 */
export async function containersOfKills(kills: KillInput[], socketPath: string | null, timeoutMs = 2000): Promise<(KillContainer | null)[]> {
  const infos = kills.map((k) => containerOfPath(k.memcgPath));
  const docker = infos.some((c) => c && (c.runtime === 'docker' || c.runtime === 'kubernetes'));
  let events: EngineEvent[] | null = null;
  const states = new Map<string, Awaited<ReturnType<typeof inspectContainer>> | undefined>();
  if (docker && socketPath) {
    try {
      const times = kills.map((k) => k.timeMs).filter((t): t is number => t !== null);
      const since = times.length > 0 ? Math.min(...times) / 1000 - 120 : 0;
      events = await pastEvents(socketPath, since, timeoutMs);
      for (const c of infos) {
        if (!c || states.has(c.id!)) continue;
        try {
          states.set(c.id!, await inspectContainer(socketPath, c.id!, timeoutMs));
        } catch {
          states.set(c.id!, undefined);
        }
      }
    } catch {
      events = null;
    }
  }
  return infos.map((c, i) => {
    if (!c) return null;
    const id = c.id!;
    const st = states.get(id);
    const named = events ? [...events].reverse().find((e) => e.id === id && e.name !== null) : undefined;
    const oom = events ? matchOomEvent(events, id, kills[i]!.timeMs) : null;
    return {
      runtime: c.runtime,
      id,
      name: st?.name ?? named?.name ?? null,
      image: st?.image ?? named?.image ?? null,
      compose: st?.compose ?? named?.compose ?? null,
      engine:
        events === null || (st == null && !named)
          ? null
          : { oomKilled: st ? st.oomKilled : null, oomEvent: oom ? new Date(oom.timeMs).toISOString() : null, exists: st != null },
    };
  });
}
