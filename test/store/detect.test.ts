import { describe, expect, it } from 'vitest';
import { DETECT_START, detectEvents, fillLevel, type DetectState } from '../../src/store/detect.js';
import type { CgroupSample, ProcessSample, Snapshot } from '../../src/sampler/types.js';
import type { CgroupMemory } from '../../src/cgroup/types.js';

function proc(pid: number, badnessPermille: number | null): ProcessSample {
  return {
    key: `${pid}:1`, nextVictim: false, growthKiBps: null, pid, startTimeTicks: 1, name: `p${pid}`, cmdline: '', state: 'S', ppid: 1, pgrp: pid, uid: 0, user: 'root',
    oomScore: 1000 + (badnessPermille ?? 0), oomScoreAdj: 0, badnessPermille, rssKiB: 1000, anonKiB: null, fileKiB: null, shmemKiB: null,
    swapKiB: 0, pgtablesKiB: 0, cgroup: null, detailTime: 0, limitPct: null, danger: 0, cgroupVictim: false, container: null,
  };
}
function cg(path: string, fillPct: number | null, oomKills = 0, domain: string | null = path): CgroupSample {
  const memory = { path, usageKiB: 0, effectiveLimitKiB: 512 * 1024, oomKills } as unknown as CgroupMemory;
  return { memory, oomDomain: domain, domainFillPct: fillPct, headroomKiB: 10_240, nextVictimPid: 42, processCount: 1, label: path };
}
function snap(opts: { processes?: ProcessSample[]; cgroups?: CgroupSample[]; availablePct?: number; oomKills?: number } = {}): Snapshot {
  const total = 10_000_000;
  return {
    seq: 1, time: 1000, processes: opts.processes ?? [], nextVictimPid: null, cgroups: opts.cgroups ?? [], costMs: 1, warnings: [],
    system: {
      kernel: null, scale: 'v5.9', pressure: null, oomKills: opts.oomKills ?? 0,
      settings: { panicOnOom: 0, oomKillAllocatingTask: 0, oomDumpTasks: 1, overcommitMemory: 0, overcommitRatio: 50, overcommitKbytes: 0, swappiness: 60 },
      memory: { totalKiB: total, freeKiB: 0, availableKiB: ((opts.availablePct ?? 50) / 100) * total, buffersKiB: 0, cachedKiB: 0, shmemKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, committedKiB: 0, commitLimitKiB: 0, availableEstimated: false },
    },
  };
}
const run = (prev: Snapshot | null, next: Snapshot, state: DetectState = DETECT_START, crossed: Record<string, number> = {}, kernelLogReadable = true) =>
  detectEvents({ prev, next, state, kernelLogReadable, crossedOf: (k) => crossed[k] ?? 0 });

describe('detectEvents', () => {
  it('logs a risk crossing upward once, and not for processes already past it at the first snapshot', () => {
    const first = run(null, snap({ processes: [proc(1, 600)] }));
    expect(first.events).toEqual([]);
    expect(first.crossed).toEqual([['1:1', 500]]);
    const again = run(snap(), snap({ processes: [proc(1, 600)] }), first.state, { '1:1': 500 });
    expect(again.events).toEqual([]);
    const up = run(snap(), snap({ processes: [proc(1, 850), proc(2, null)] }), first.state, { '1:1': 500 });
    expect(up.events).toMatchObject([{ kind: 'risk', severity: 'bad', text: expect.stringContaining('PID 1 (p1) now charged 85%') }]);
    expect(up.crossed).toEqual([['1:1', 800]]);
  });

  it('uses the kill counter as a witness only when the kernel log cannot be read', () => {
    expect(run(snap({ oomKills: 3 }), snap({ oomKills: 5 })).counterKill).toBeNull();
    const r = run(snap({ oomKills: 3 }), snap({ oomKills: 5 }), DETECT_START, {}, false);
    expect(r.counterKill).toBe(2);
    expect(r.events[0]!.text).toMatch(/rose by 2 \(to 5\)/);
  });

  it('logs kills counted by a cgroup', () => {
    const r = run(snap({ cgroups: [cg('/db', 10, 1)] }), snap({ cgroups: [cg('/db', 10, 2)] }));
    expect(r.events).toMatchObject([{ kind: 'cgroup', severity: 'bad', text: 'cgroup /db: oom_kill 1 → 2' }]);
  });

  it('warns as a limited cgroup fills past 80, 90 and 95 %, with hysteresis, and says when it is back', () => {
    let state = DETECT_START;
    const texts: string[] = [];
    let prev: Snapshot | null = null;
    for (const fill of [50, 81, 83, 79, 91, 97, 96, 93, 88, 76, 74, 70]) {
      const next = snap({ cgroups: [cg('/job', fill), cg('/job/child', fill, 0, '/job')] });
      const r = run(prev, next, state);
      state = r.state;
      prev = next;
      texts.push(...r.events.map((e) => `${e.severity}: ${e.text}`));
    }
    expect(texts).toEqual([
      'warn: cgroup /job at 81% of its 512 MiB limit, 10 MiB headroom; next victim PID 42',
      'bad: cgroup /job at 91% of its 512 MiB limit, 10 MiB headroom; next victim PID 42',
      'bad: cgroup /job at 97% of its 512 MiB limit, 10 MiB headroom; next victim PID 42',
      'good: cgroup /job back to 74% of its 512 MiB limit',
    ]);
    // A removed cgroup leaves no state behind.
    expect(run(prev, snap(), state).state.cgroupFill.size).toBe(0);
  });

  it('fillLevel rises at once and falls only a margin below each threshold', () => {
    expect(fillLevel(96, 0)).toBe(3);
    expect(fillLevel(91, 3)).toBe(3);
    expect(fillLevel(89, 3)).toBe(2);
    expect(fillLevel(84, 2)).toBe(1);
    expect(fillLevel(75, 1)).toBe(1);
    expect(fillLevel(74.9, 1)).toBe(0);
    expect(fillLevel(10, 3)).toBe(0);
  });

  it('moves the pressure level with hysteresis and logs each change', () => {
    let state = DETECT_START;
    const levels: string[] = [];
    const texts: string[] = [];
    for (const avail of [50, 15, 8, 12, 14, 14, 14, 14, 14, 30]) {
      const r = run(snap(), snap({ availablePct: avail }), state);
      state = r.state;
      levels.push(r.pressureLevel);
      texts.push(...r.events.map((e) => e.text));
    }
    expect(levels).toEqual(['normal', 'elevated', 'high', 'high', 'high', 'high', 'high', 'high', 'elevated', 'elevated']);
    expect(texts[0]).toMatch(/^memory pressure normal → elevated: 15\.0% available/);
    expect(texts).toHaveLength(3);
  });
});
