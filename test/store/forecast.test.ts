import { describe, expect, it } from 'vitest';
import { parseMonitorArgs } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import type { ProcessSample, Snapshot } from '../../src/sampler/types.js';
import { createOomtopStore } from '../../src/store/store.js';
import { forecastGauges } from '../../src/store/forecast.js';
import { badge } from '../../src/text/cells.js';

function proc(pid: number, rssKiB: number): ProcessSample {
  return {
    key: `${pid}:${pid * 10}`, nextVictim: false, growthKiBps: null,
    pid, startTimeTicks: pid * 10, name: `p${pid}`, cmdline: `p${pid}`, state: 'S', ppid: 1, pgrp: pid, uid: 0, user: 'root',
    oomScore: 100, oomScoreAdj: 0, badnessPermille: 10, rssKiB, anonKiB: null, fileKiB: null, shmemKiB: null,
    swapKiB: 0, pgtablesKiB: 0, cgroup: '/app', detailTime: 0, limitPct: null, danger: 1, cgroupVictim: false, container: null,
  };
}

/** Second `t`: the leaker (PID 10) +2 MiB/s, the idle one (11) flat, the cgroup /app filling at the leaker's rate, the system losing 1 MiB/s of 1 GiB. */
function snap(t: number): Snapshot {
  const leaker = proc(10, 50_000 + 2048 * t);
  const idle = proc(11, 80_000);
  return {
    seq: t + 1, time: 1e12 + t * 1000, processes: [leaker, idle], nextVictimPid: null, costMs: 1, warnings: [],
    cgroups: [{
      memory: { path: '/app', usageKiB: 130_000 + 2048 * t, workingSetKiB: 130_000 + 2048 * t, limitKiB: 400_000, effectiveLimitKiB: 400_000 } as never,
      oomDomain: '/app', domainFillPct: 50, headroomKiB: 0, nextVictimPid: 10, processCount: 2, label: '/app',
    }],
    system: {
      kernel: null, scale: 'v5.9', pressure: null, oomKills: 0,
      settings: { panicOnOom: 0, oomKillAllocatingTask: 0, oomDumpTasks: 1, overcommitMemory: 0, overcommitRatio: 50, overcommitKbytes: 0, swappiness: 60 },
      memory: { totalKiB: 4_000_000, freeKiB: 0, availableKiB: 1_048_576 - 1024 * t, buffersKiB: 0, cachedKiB: 0, shmemKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, committedKiB: 0, commitLimitKiB: 0, availableEstimated: false },
    },
  };
}

describe('the live forecast', () => {
  it('marks the leaker L with its slope, not the idle process; ETAs for the system and the cgroup; one warning under 15 min', () => {
    const store = createOomtopStore();
    for (let t = 0; t <= 40; t++) store.getState().applySnapshot(snap(t));
    const s = store.getState();
    const leaker = s.snapshot!.processes.find((p) => p.pid === 10)!;
    const idle = s.snapshot!.processes.find((p) => p.pid === 11)!;
    expect(leaker.leakKiBps).toBeCloseTo(2048, 0);
    expect(badge(leaker)).toContain('L');
    expect(idle.leakKiBps ?? null).toBeNull();
    expect(badge(idle)).not.toContain('L');
    // System: (1 GiB − 40 MiB) at 1 MiB/s is ~16 min away, past ten times the ~40 s measured:
    // no ETA. The cgroup: (400000 − 130000 − 2048·t) KiB at 2 MiB/s, ~2 min.
    const t = (s.forecast.at - 1e12) / 1000;
    expect(s.forecast.system!.slopeKiBPerS).toBeCloseTo(-1024, 3);
    expect(s.forecast.system!.etaSeconds).toBeNull();
    const cg = s.forecast.cgroups.get('/app')!;
    expect(cg.etaSeconds!).toBeCloseTo((400_000 - 130_000 - 2048 * t) / 2048, 3);
    const warnings = s.events.filter((e) => /OOM in ~/.test(e.text));
    // The cgroup's ETA (~2 min) is under 15 min: one warning; the system's (~16 min) is not.
    expect(warnings.map((e) => e.text)).toEqual([expect.stringMatching(/^cgroup \/app: OOM in ~2 min/)]);
    // The exporter's gauges: the ETA there is, the leaker's growth in bytes/s.
    const gauges = forecastGauges(s.forecast, s.snapshot!.processes);
    expect(gauges.eta.map((e) => e.scope)).toEqual(['/app']);
    expect(gauges.growth).toEqual([{ pid: 10, comm: 'p10', cgroup: '/app', bytesPerSecond: expect.closeTo(2048 * 1024, -2) }]);
    for (let t = 41; t <= 60; t++) store.getState().applySnapshot(snap(t));
    expect(store.getState().events.filter((e) => /^cgroup \/app: OOM/.test(e.text))).toHaveLength(1);
  });

  it('--eta-warn sets the threshold of the warning event: under 1 min none for the ~2 min ETA, 0 never, 5m the one', () => {
    const warned = (etaWarnS?: number) => {
      const store = createOomtopStore({}, etaWarnS === undefined ? {} : { etaWarnS });
      for (let t = 0; t <= 40; t++) store.getState().applySnapshot(snap(t));
      // Every ETA is there all the same: only the warning depends on the threshold.
      expect(store.getState().forecast.cgroups.get('/app')!.etaSeconds).not.toBeNull();
      return store.getState().events.filter((e) => /OOM in ~/.test(e.text)).map((e) => e.text);
    };
    expect(warned()).toHaveLength(1);
    expect(warned(60)).toEqual([]);
    expect(warned(0)).toEqual([]);
    expect(warned(300)).toEqual([expect.stringMatching(/^cgroup \/app: OOM in ~2 min/)]);
    const cfg = (v: string) => parseMonitorArgs(['--eta-warn', v]).config.etaWarnS;
    expect(parseMonitorArgs([]).config.etaWarnS).toBe(900);
    expect([cfg('5m'), cfg('90'), cfg('90s'), cfg('1h'), cfg('0')]).toEqual([300, 90, 90, 3600, 0]);
    for (const bad of ['soon', '-5m', '8d', '']) expect(() => parseMonitorArgs(['--eta-warn', bad]), bad).toThrow(UsageError);
  });

  it('the leak verdict goes when the growth stops (the sample, reused as the sampler reuses it, keeps no stale L)', () => {
    const store = createOomtopStore();
    const leaker = proc(10, 0);
    const at = (t: number, rss: number) => {
      const s = snap(t);
      leaker.rssKiB = rss;
      s.processes[0] = leaker;
      return s;
    };
    for (let t = 0; t <= 30; t++) store.getState().applySnapshot(at(t, 50_000 + 2048 * t));
    expect(leaker.leakKiBps).toBeGreaterThan(0);
    for (let t = 31; t <= 100; t++) store.getState().applySnapshot(at(t, 50_000 + 2048 * 30));
    expect(leaker.leakKiBps ?? null).toBeNull();
    expect(badge(leaker)).not.toContain('L');
  });
});
