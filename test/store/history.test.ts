import { describe, expect, it } from 'vitest';
import { createOomtopStore } from '../../src/store/store.js';
import { NOTABLE_LIMIT, ProcessHistories, RECENT_LIMIT } from '../../src/store/history.js';
import { recordedFor } from '../../src/tui/kernel-events.js';
import type { FollowedEvent } from '../../src/kernel/follow.js';
import type { ProcessSample, Snapshot } from '../../src/sampler/types.js';

function proc(pid: number, start: number, extra: Partial<ProcessSample> = {}): ProcessSample {
  return {
    key: `${pid}:${start}`, nextVictim: false, growthKiBps: null,
    pid, startTimeTicks: start, name: `p${pid}`, cmdline: `/bin/p${pid}`, state: 'S', ppid: 1, pgrp: pid, uid: 0, user: 'root',
    oomScore: 1, oomScoreAdj: 0, badnessPermille: 1, rssKiB: 1000, anonKiB: null, fileKiB: null, shmemKiB: null,
    swapKiB: 0, pgtablesKiB: 0, cgroup: null, detailTime: 0, limitPct: null, danger: 0, cgroupVictim: false, container: null, ...extra,
  };
}
function snap(seq: number, processes: ProcessSample[]): Snapshot {
  return {
    seq, time: seq * 100, processes, nextVictimPid: null, cgroups: [], costMs: 1, warnings: [],
    system: {
      kernel: null, scale: 'v5.9', pressure: null, oomKills: 0,
      settings: { panicOnOom: 0, oomKillAllocatingTask: 0, oomDumpTasks: 1, overcommitMemory: 0, overcommitRatio: 50, overcommitKbytes: 0, swappiness: 60 },
      memory: { totalKiB: 10_000_000, freeKiB: 0, availableKiB: 5_000_000, buffersKiB: 0, cachedKiB: 0, shmemKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, committedKiB: 0, commitLimitKiB: 0, availableEstimated: false },
    },
  };
}
const kill = (pid: number, comm: string): FollowedEvent =>
  ({ kind: 'kill', victim: { pid, comm, anonRssKiB: 1, fileRssKiB: 0 }, constraint: 'NONE' }) as unknown as FollowedEvent;

describe('process histories under churn', () => {
  it('stay bounded by the live processes plus the graveyard limits, however many processes come and go', () => {
    const store = createOomtopStore();
    const steady = [proc(1, 1), proc(2, 2), proc(3, 3, { oomScore: 1400, badnessPermille: 400, nextVictim: true })];
    let pid = 1000;
    // 5,000 ticks, 8 short-lived processes each (40,000 processes seen): the soak that crashed the TUI.
    for (let seq = 1; seq <= 5000; seq++) {
      const churn = Array.from({ length: 8 }, () => proc(++pid, seq));
      store.getState().applySnapshot(snap(seq, [...steady, ...churn]));
    }
    const h = store.getState().history;
    expect(h.size).toBeLessThanOrEqual(3 + 8 + NOTABLE_LIMIT + RECENT_LIMIT);
    expect(h.retired).toBeLessThanOrEqual(NOTABLE_LIMIT + RECENT_LIMIT);
    // The live ones are all there, with their full recent series.
    for (const p of steady) expect(h.get(p.key)!.rssKiB.values.length).toBe(60);
  });

  it('keep the notable dead (victims, large) for the flight recorder while churn flushes the small ones', () => {
    const store = createOomtopStore();
    // A large process is watched for 20 ticks, then dies (OOM-killed, say).
    for (let seq = 1; seq <= 20; seq++) store.getState().applySnapshot(snap(seq, [proc(1, 1), proc(77, 5, { name: 'postgres', oomScore: 1300, badnessPermille: 300, rssKiB: 5000 + seq })]));
    // Then heavy churn: far more exits than the small tier holds.
    let pid = 1000;
    for (let seq = 21; seq <= 21 + RECENT_LIMIT / 4; seq++) {
      store.getState().applySnapshot(snap(seq, [proc(1, 1), ...Array.from({ length: 8 }, () => proc(++pid, seq))]));
    }
    const s = store.getState();
    const rec = recordedFor(s.history, kill(77, 'postgres'));
    expect(rec?.rssKiB).toHaveLength(20);
    expect(rec?.rssKiB.at(-1)).toBe(5020);
    // The first small processes have been flushed; the last ones are still there.
    expect(s.history.has('1001:21')).toBe(false);
    expect(s.history.has(`${pid}:${21 + RECENT_LIMIT / 4}`)).toBe(true);
  });

  it('drop the dead after GRAVEYARD_MS and move a process back to live if it is seen again', () => {
    const h = new ProcessHistories({ notable: 4, recent: 4, ageMs: 1000 });
    h.observe(proc(5, 5), 0, true);
    h.observe(proc(6, 6), 0, false);
    h.retire(0);
    h.observe(proc(7, 7), 500, false);
    h.retire(500);
    expect(h.retired).toBe(2);
    h.observe(proc(6, 6), 600, false);
    h.retire(600); // 6 is back among the live; 7 (not seen at 600) is retired
    expect(h.retired).toBe(2);
    expect(h.get('6:6')!.rssKiB.values).toHaveLength(2);
    h.retire(1200); // seen last: 5 at 0 (older than 1000 ms: dropped), 7 at 500, 6 at 600 (retired now)
    expect(h.has('5:5')).toBe(false);
    expect(h.has('6:6')).toBe(true);
    h.retire(2000);
    expect(h.size).toBe(0);
  });

  it('trims the oldest exit first when a tier is over its count', () => {
    const h = new ProcessHistories({ notable: 2, recent: 2, ageMs: 1e9 });
    for (let i = 1; i <= 5; i++) {
      h.observe(proc(i, i), i, false);
      h.retire(i + 0.5);
    }
    expect([...h.values()].map((e) => e.pid)).toEqual([4, 5]);
  });

  it('logs a risk crossing once per process, not again after every tick', () => {
    const store = createOomtopStore();
    for (let seq = 1; seq <= 5; seq++) store.getState().applySnapshot(snap(seq, [proc(9, 9, { badnessPermille: 600, oomScore: 600 })]));
    store.getState().applySnapshot(snap(6, [proc(9, 9, { badnessPermille: 600, oomScore: 600 })]));
    expect(store.getState().events.filter((e) => e.kind === 'risk')).toHaveLength(0); // already past 500 at the first snapshot
    store.getState().applySnapshot(snap(7, [proc(9, 9, { badnessPermille: 850, oomScore: 850 })]));
    store.getState().applySnapshot(snap(8, [proc(9, 9, { badnessPermille: 850, oomScore: 850 })]));
    expect(store.getState().events.filter((e) => e.kind === 'risk')).toHaveLength(1);
  });
});
