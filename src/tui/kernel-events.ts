import type { StoreApi } from 'zustand/vanilla';
import { startKernelFollower, type FollowedEvent, type KernelFollower } from '../kernel/follow.js';
import type { LogEntry } from '../store/events.js';
import type { HistoryLookup, ProcessHistory } from '../store/history.js';
import type { OomtopState } from '../store/store.js';
import { containerPhrase, describeOomEvent, type EventContainer } from '../kernel/render.js';
import { containerOfPath } from '../containers/kills.js';
import type { ContainerNamer, EngineEvent } from '../containers/index.js';

/**
 * The flight recorder: oomtop's own last samples of the victim, when it was watching it.
 * The kernel log gives pid and a comm cut at 15 bytes; the history entry seen last with
 * that pid and a matching name is the process that died.
 */
export function recordedFor(history: HistoryLookup, ev: FollowedEvent): LogEntry['recorded'] {
  const v = ev.victim;
  if (!v) return undefined;
  let best: ProcessHistory | null = null;
  for (const h of history.values()) {
    if (h.pid !== v.pid) continue;
    if (!(h.name.startsWith(v.comm) || v.comm.startsWith(h.name))) continue;
    if (!best || h.lastSeen > best.lastSeen) best = h;
  }
  if (!best) return undefined;
  return { rssKiB: [...best.rssKiB.values], oomScore: [...best.oomScore.values], times: [...best.rssKiB.times], oomScoreAdj: best.oomScoreAdj };
}

function eventTimeMs(ev: FollowedEvent): number {
  const t = ev.time ? Date.parse(ev.time) : NaN;
  return Number.isFinite(t) ? t : Date.now();
}

/** The kill's container, named by the namer when it knows the id (null: not in a container). */
export function killContainer(ev: FollowedEvent, namer: ContainerNamer | null | undefined): EventContainer | null {
  const c = containerOfPath(ev.memcg?.taskMemcg ?? ev.memcg?.oomMemcg);
  if (!c) return null;
  const r = namer ? namer.resolve(c) : c;
  return { runtime: r.runtime, id: r.id!, name: r.name, image: r.image ?? null, compose: r.compose ?? null, engine: null };
}

/**
 * The event-log line of a kill: the kernel's facts, with the container it happened in named
 * in place of its cgroup path (the path stays in the details view, e).
 */
export function describeKill(ev: FollowedEvent, namer: ContainerNamer | null | undefined): string {
  const text = describeOomEvent(ev);
  const c = killContainer(ev, namer);
  if (!c) return text;
  const path = ev.memcg?.oomMemcg ?? ev.memcg?.taskMemcg;
  const at = path ? text.indexOf(` in cgroup ${path}`) : -1;
  if (at < 0) return `${text} — ${containerPhrase(c)}`;
  return `${text.slice(0, at)} in ${containerPhrase(c)}${text.slice(at + ` in cgroup ${path}`.length)}`;
}

/** The Engine's own "oom" event, logged beside the kernel's report (a second witness). */
export function describeEngineOom(ev: EngineEvent): string {
  const id = ev.id.slice(0, 12);
  return `Docker Engine: container ${ev.name ?? id}${ev.image ? ` (image ${ev.image})` : ''} ${id} hit its memory limit (oom event)`;
}

/** Kernel OOM kills into the store's event log, as they happen (and the ones since boot, marked past). */
export function followKernelLog(
  store: StoreApi<OomtopState>,
  opts: { procRoot: string; devKmsg?: string; namer?: ContainerNamer | null; onLiveKill?: (ev: FollowedEvent) => void },
): KernelFollower {
  const entries = new Map<FollowedEvent, LogEntry>();
  const namer = opts.namer;
  // An entry's text changed (names, the reaper line, group members): the log line in place,
  // and the footer's status when it still shows this kill's previous text.
  const retext = (ev: FollowedEvent, entry: LogEntry, text: string, oom?: FollowedEvent) => {
    entries.set(ev, { ...entry, text });
    store.setState((st) => ({
      events: st.events.map((e) => (e.id === entry.id ? { ...e, text, ...(oom ? { oom } : {}) } : e)),
      ...(st.status && st.status.text === entry.text ? { status: { ...st.status, text } } : {}),
    }));
  };
  // Names that arrive after the kill (the runtime answered later) fill in the lines already logged.
  const unnamed = new Set<FollowedEvent>();
  const offUpdate = namer?.onUpdate(() => {
    for (const ev of unnamed) {
      const entry = entries.get(ev);
      const c = killContainer(ev, namer);
      if (!entry || !c || c.name === null) continue;
      unnamed.delete(ev);
      retext(ev, entry, describeKill(ev, namer));
    }
  });
  const offEngine = namer?.onEngineEvent((ev) => {
    if (ev.action === 'oom') store.getState().log('oom-kill', 'bad', describeEngineOom(ev), { time: ev.timeMs });
  });
  const noteKill = (ev: FollowedEvent) => {
    if (!ev.victim) return;
    const time = eventTimeMs(ev);
    const last = store.getState().lastOomKill;
    if (!last || time >= last.time) {
      store.setState({ lastOomKill: { time, name: ev.victim.comm, cgroup: ev.memcg?.taskMemcg ?? ev.memcg?.oomMemcg ?? null } });
    }
  };
  const follower = startKernelFollower({
    procRoot: opts.procRoot,
    devKmsg: opts.devKmsg,
    onEvent: (ev) => {
      const s = store.getState();
      // Past or live is the event log's marker at the start of the line (src/ui/EventLog.tsx),
      // not a suffix that a narrow terminal cuts off.
      const entry = s.log('oom-kill', ev.past ? 'warn' : 'bad', describeKill({ ...ev, past: false }, namer), { oom: ev, recorded: recordedFor(s.history, ev), time: eventTimeMs(ev) });
      entries.set(ev, entry);
      const c = killContainer(ev, namer);
      if (c && c.name === null) {
        unnamed.add(ev);
        void namer?.refresh();
      }
      // Only recent events still get reaper/group updates: keep the map small.
      if (entries.size > 64) {
        const first = entries.keys().next().value!;
        entries.delete(first);
        unnamed.delete(first);
      }
      noteKill(ev);
      if (!ev.past) s.setStatus(entry.text, 'bad');
      if (!ev.past && (ev.kind === 'kill' || ev.kind === 'group-kill')) opts.onLiveKill?.(ev);
    },
    onUpdate: (ev) => {
      const entry = entries.get(ev);
      if (!entry) return;
      // The reaper line or group membership arrived: refresh the entry in place, and the
      // footer's status when it still shows this kill's first text.
      retext(ev, entry, describeKill({ ...ev, past: false }, namer), ev);
    },
    onStatus: (st) => {
      store.setState({ kernelLog: { source: st.source, message: st.message ?? null } });
      if (st.message) store.getState().log('info', st.source === 'none' ? 'warn' : 'info', `kernel log: ${st.message}`);
    },
  });
  return {
    stop: () => {
      offUpdate?.();
      offEngine?.();
      follower.stop();
    },
  };
}
