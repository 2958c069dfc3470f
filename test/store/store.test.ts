import { describe, expect, it } from 'vitest';
import { createOomtopStore } from '../../src/store/store.js';
import { slopePerSecond } from '../../src/store/history.js';
import type { ProcessSample, Snapshot } from '../../src/sampler/types.js';

function proc(pid: number, oomScore: number, extra: Partial<ProcessSample> = {}): ProcessSample {
  return {
    key: `${pid}:${pid * 10}`, nextVictim: false, growthKiBps: null,
    pid, startTimeTicks: pid * 10, name: `p${pid}`, cmdline: `/bin/p${pid} --flag`, state: 'S', ppid: 1, pgrp: pid, uid: 0, user: 'root',
    oomScore, oomScoreAdj: 0, badnessPermille: Math.round(oomScore * 1.5 - 1000), rssKiB: 1000 * pid, anonKiB: null, fileKiB: null, shmemKiB: null,
    swapKiB: 0, pgtablesKiB: 0, cgroup: null, detailTime: 0, limitPct: null, danger: oomScore / 20, cgroupVictim: false, container: null, ...extra,
  };
}
function snap(seq: number, processes: ProcessSample[], availableKiB = 5_000_000, nextVictimPid: number | null = null): Snapshot {
  for (const p of processes) p.nextVictim = p.pid === nextVictimPid;
  return {
    seq, time: seq * 1000, processes, nextVictimPid, cgroups: [], costMs: 1, warnings: [],
    system: {
      kernel: null, scale: 'v5.9', pressure: null, oomKills: 0,
      settings: { panicOnOom: 0, oomKillAllocatingTask: 0, oomDumpTasks: 1, overcommitMemory: 0, overcommitRatio: 50, overcommitKbytes: 0, swappiness: 60 },
      memory: { totalKiB: 10_000_000, freeKiB: 0, availableKiB, buffersKiB: 0, cachedKiB: 0, shmemKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, committedKiB: 0, commitLimitKiB: 0, availableEstimated: false },
    },
  };
}

describe('store', () => {
  it('sorts by risk by default with the selection on the first row, marking the next victim', () => {
    const store = createOomtopStore();
    store.getState().applySnapshot(snap(1, [proc(10, 700), proc(11, 900), proc(12, 800)], 5_000_000, 11));
    const s = store.getState();
    expect(s.rows.map((r) => r.pid)).toEqual([11, 12, 10]);
    expect(s.selectedRow()?.pid).toBe(11);
    expect(s.rows[0]!.nextVictim).toBe(true);
  });

  it('keeps the selection on the same process when rows reorder', () => {
    const store = createOomtopStore();
    store.getState().applySnapshot(snap(1, [proc(10, 700), proc(11, 900)]));
    store.getState().moveSelection(1);
    expect(store.getState().selectedRow()?.pid).toBe(10);
    store.getState().applySnapshot(snap(2, [proc(10, 990), proc(11, 900)]));
    expect(store.getState().rows[0]!.pid).toBe(10);
    expect(store.getState().selectedRow()?.pid).toBe(10);
  });

  it('filters digits by PID and by command line, pid:N by PID only, user:NAME by user', () => {
    const store = createOomtopStore({ sort: 'pid' });
    store.getState().applySnapshot(snap(1, [proc(310, 700), proc(11, 900, { cmdline: 'server --port 310' }), proc(12, 800, { user: 'pg', uid: 70 })]));
    const pids = (filter: string) => {
      store.getState().setView({ filter });
      return store.getState().rows.map((r) => r.pid);
    };
    expect(pids('310')).toEqual([11, 310]);
    expect(pids('pid:310')).toEqual([310]);
    expect(pids('pid:31')).toEqual([]);
    expect(pids('pid:x')).toEqual([]);
    expect(pids('user:pg')).toEqual([12]);
    expect(pids('user:70')).toEqual([12]);
    expect(pids('user:root --flag')).toEqual([310]);
    expect(pids('PID:11 port')).toEqual([11]);
    expect(pids('user:')).toEqual([11, 12, 310]);
  });

  it('cycles sorts, inverts, filters by name, command line or PID', () => {
    const store = createOomtopStore();
    store.getState().applySnapshot(snap(1, [proc(10, 700), proc(11, 900), proc(12, 800)]));
    store.getState().cycleSort();
    expect(store.getState().view.sort).toBe('rss');
    expect(store.getState().rows.map((r) => r.pid)).toEqual([12, 11, 10]);
    store.getState().setView({ inverted: true });
    expect(store.getState().rows.map((r) => r.pid)).toEqual([10, 11, 12]);
    store.getState().setView({ filter: 'p11' });
    expect(store.getState().rows.map((r) => r.pid)).toEqual([11]);
    store.getState().setView({ filter: '12' });
    expect(store.getState().rows.map((r) => r.pid)).toEqual([12]);
    store.getState().setView({ filter: '--FLAG' });
    expect(store.getState().rows).toHaveLength(3);
  });

  it('keeps per-process history and computes growth from it', () => {
    const store = createOomtopStore({ sort: 'growth' });
    for (let i = 1; i <= 5; i++) store.getState().applySnapshot(snap(i, [proc(10, 700, { rssKiB: 1000 + i * 2048 }), proc(11, 900)]));
    const s = store.getState();
    expect(s.rows[0]!.pid).toBe(10);
    expect(s.rows[0]!.growthKiBps).toBeCloseTo(2048, 5);
    expect(s.history.get('10:100')!.rssKiB.values).toHaveLength(5);
  });

  it('tags processes and makes actions apply to the tagged set', () => {
    const store = createOomtopStore();
    store.getState().applySnapshot(snap(1, [proc(10, 700), proc(11, 900), proc(12, 800)]));
    store.getState().toggleTag(); // tags 11, moves to 12
    store.getState().toggleTag(); // tags 12
    expect(store.getState().targets().map((t) => t.pid).sort()).toEqual([11, 12]);
  });

  it('logs pressure level changes and risk threshold crossings', () => {
    const store = createOomtopStore();
    store.getState().applySnapshot(snap(1, [proc(10, 700)]));
    store.getState().applySnapshot(snap(2, [proc(10, 1100)], 400_000));
    const texts = store.getState().events.map((e) => e.text);
    expect(texts.some((t) => /pressure normal → critical: 4\.0% available/.test(t))).toBe(true);
    expect(texts.some((t) => /PID 10 \(p10\) now charged 65% of RAM\+swap/.test(t))).toBe(true);
    expect(store.getState().pressureLevel).toBe('critical');
  });

  it("logs a cgroup's oom_kill counter rising", () => {
    const store = createOomtopStore();
    const cg = (oomKills: number) => ({
      memory: { path: '/docker/abc', version: 1, usageKiB: 1, limitKiB: 2, effectiveLimitKiB: 2, highKiB: null, swapUsageKiB: null, swapLimitKiB: null, workingSetKiB: 1, inactiveFileKiB: 0, oomKills, oomEvents: null, underOom: false, pressure: null, container: null },
      oomDomain: '/docker/abc', domainFillPct: 50, headroomKiB: 1, nextVictimPid: null, processCount: 0, label: 'web-1',
    });
    store.getState().applySnapshot({ ...snap(1, []), cgroups: [cg(2)] } as Snapshot);
    store.getState().applySnapshot({ ...snap(2, []), cgroups: [cg(3)] } as Snapshot);
    expect(store.getState().events.at(-1)).toMatchObject({ kind: 'cgroup', text: 'cgroup web-1 (/docker/abc): oom_kill 2 → 3' });
  });

  it('freezes while paused', () => {
    const store = createOomtopStore();
    store.getState().applySnapshot(snap(1, [proc(10, 700)]));
    store.getState().setView({ paused: true });
    store.getState().applySnapshot(snap(2, [proc(10, 700), proc(11, 900)]));
    expect(store.getState().rows).toHaveLength(1);
  });
});

describe('slopePerSecond', () => {
  it('needs three points and fits a line', () => {
    expect(slopePerSecond({ times: [0, 1000], values: [0, 10] })).toBeNull();
    expect(slopePerSecond({ times: [0, 1000, 2000, 3000], values: [5, 15, 25, 35] })).toBeCloseTo(10);
  });
});
