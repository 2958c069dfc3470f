import type { StoreApi } from 'zustand/vanilla';
import { startKernelFollower, type FollowedEvent, type KernelFollower } from '../kernel/follow.js';
import type { LogEntry } from '../store/events.js';
import type { ProcessHistory } from '../store/history.js';
import type { OomtopState } from '../store/store.js';
import { fmtKiB } from '../ui/format.js';

/** One line for the event log: victim, RSS, constraint and cgroup. */
export function describeOomEvent(ev: FollowedEvent): string {
  const v = ev.victim;
  const others = (ev.groupVictims ?? []).filter((g) => g.pid !== v?.pid);
  const who = (v ? `PID ${v.pid} (${v.comm})` : 'no victim') + (others.length > 0 ? ` and ${others.length} more (${others.map((g) => `${g.pid} ${g.comm}`).join(', ')})` : '');
  const rss = v && v.anonRssKiB !== null ? ` anon-rss ${fmtKiB(v.anonRssKiB)}${v.fileRssKiB ? ` file-rss ${fmtKiB(v.fileRssKiB)}` : ''}` : '';
  const scope =
    ev.constraint === 'MEMCG'
      ? ` in cgroup ${ev.memcg?.oomMemcg ?? ev.memcg?.taskMemcg ?? '?'}${ev.memcg?.limitKiB ? ` (limit ${fmtKiB(ev.memcg.limitKiB)})` : ''}`
      : ev.constraint
        ? ` (${ev.constraint === 'NONE' ? 'system-wide' : ev.constraint})`
        : '';
  const head = ev.kind === 'kill' ? 'OOM kill' : ev.kind === 'group-kill' ? 'OOM group kill' : ev.kind === 'no-killable' ? 'OOM: no killable process' : 'OOM';
  return `${head}: ${who}${rss}${scope}${ev.past ? ' [before oomtop started]' : ''}${ev.incomplete ? ' [partial report]' : ''}`;
}

/**
 * The flight recorder: oomtop's own last samples of the victim, when it was watching it.
 * The kernel log gives pid and a comm cut at 15 bytes; the history entry seen last with
 * that pid and a matching name is the process that died.
 */
export function recordedFor(history: ReadonlyMap<string, ProcessHistory>, ev: FollowedEvent): LogEntry['recorded'] {
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

/** Kernel OOM kills into the store's event log, as they happen (and the ones since boot, marked past). */
export function followKernelLog(store: StoreApi<OomtopState>, opts: { procRoot: string; devKmsg?: string }): KernelFollower {
  const entries = new Map<FollowedEvent, LogEntry>();
  const noteKill = (ev: FollowedEvent) => {
    if (!ev.victim) return;
    const time = eventTimeMs(ev);
    const last = store.getState().lastOomKill;
    if (!last || time >= last.time) {
      store.setState({ lastOomKill: { time, name: ev.victim.comm, cgroup: ev.memcg?.taskMemcg ?? ev.memcg?.oomMemcg ?? null } });
    }
  };
  return startKernelFollower({
    procRoot: opts.procRoot,
    devKmsg: opts.devKmsg,
    onEvent: (ev) => {
      const s = store.getState();
      const entry = s.log('oom-kill', ev.past ? 'warn' : 'bad', describeOomEvent(ev), { oom: ev, recorded: recordedFor(s.history, ev), time: eventTimeMs(ev) });
      entries.set(ev, entry);
      // Only recent events still get reaper/group updates: keep the map small.
      if (entries.size > 64) entries.delete(entries.keys().next().value!);
      noteKill(ev);
      if (!ev.past) s.setStatus(entry.text, 'bad');
    },
    onUpdate: (ev) => {
      const entry = entries.get(ev);
      if (!entry) return;
      // The reaper line or group membership arrived: refresh the entry in place.
      store.setState((st) => ({ events: st.events.map((e) => (e.id === entry.id ? { ...e, text: describeOomEvent(ev), oom: ev } : e)) }));
    },
    onStatus: (st) => {
      store.setState({ kernelLog: { source: st.source, message: st.message ?? null } });
      if (st.message) store.getState().log('info', st.source === 'none' ? 'warn' : 'info', `kernel log: ${st.message}`);
    },
  });
}
