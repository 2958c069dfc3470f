import { describe, expect, it } from 'vitest';
import { TickSelector } from '../../src/history/select.js';
import type { ProcessSample, Snapshot } from '../../src/sampler/types.js';

function proc(pid: number, rssKiB: number, danger: number, extra: Partial<ProcessSample> = {}): ProcessSample {
  return {
    key: `${pid}:${pid * 10}`, nextVictim: false, growthKiBps: null,
    pid, startTimeTicks: pid * 10, name: `p${pid}`, cmdline: `p${pid}`, state: 'S', ppid: 1, pgrp: pid, uid: 0, user: 'root',
    oomScore: 100, oomScoreAdj: 0, badnessPermille: 10, rssKiB, anonKiB: null, fileKiB: null, shmemKiB: null,
    swapKiB: 0, pgtablesKiB: 0, cgroup: '/app', detailTime: 0, limitPct: null, danger, cgroupVictim: false, container: null, ...extra,
  };
}

const cgroup = (path: string, limitKiB: number | null, nextVictimPid: number | null) => ({
  memory: { path, usageKiB: 5000, workingSetKiB: 4000, limitKiB, effectiveLimitKiB: limitKiB } as never,
  oomDomain: path, domainFillPct: 50, headroomKiB: 0, nextVictimPid, processCount: 1, label: path,
});

/**
 * Second `t`: 30 processes. PIDs 1..3 are the most at risk (flat); 11..13 grow (13 fastest);
 * 20 is the system's next victim and 21 the victim of /small (both low risk, flat); the rest
 * are flat and low. PID 13 stops existing after `gone13`.
 */
function snap(t: number, gone13 = Infinity, processes?: ProcessSample[]): Snapshot {
  const ps = processes ?? [
    ...[1, 2, 3].map((pid) => proc(pid, 100_000, 100 - pid)),
    ...[11, 12, 13].filter((pid) => pid !== 13 || t <= gone13).map((pid) => proc(pid, 10_000 + t * 100 * (pid - 10), 1)),
    proc(20, 5000, 0.5),
    proc(21, 5000, 0.5, { cgroup: '/small' }),
    ...Array.from({ length: 24 }, (_, i) => proc(100 + i, 2000, 0.1)),
  ];
  return {
    seq: t + 1, time: 1e12 + t * 1000, processes: ps, nextVictimPid: 20, costMs: 1, warnings: [],
    cgroups: [cgroup('/small', 64 * 1024, 21), cgroup('/unlimited', null, null)],
    system: {
      kernel: null, scale: 'v5.9', oomKills: 0,
      pressure: { some: { avg10: 1.5, avg60: 0, avg300: 0, totalUs: 0 }, full: { avg10: 0.25, avg60: 0, avg300: 0, totalUs: 0 } } as never,
      settings: { panicOnOom: 0, oomKillAllocatingTask: 0, oomDumpTasks: 1, overcommitMemory: 0, overcommitRatio: 50, overcommitKbytes: 0, swappiness: 60 },
      memory: { totalKiB: 4_000_000, freeKiB: 0, availableKiB: 3_000_000, buffersKiB: 0, cachedKiB: 0, shmemKiB: 0, swapTotalKiB: 1_000_000, swapFreeKiB: 900_000, committedKiB: 0, commitLimitKiB: 0, availableEstimated: false },
    },
  };
}

const procPids = (pts: ReturnType<TickSelector['points']>) => pts.filter((p) => p.id.kind === 'proc').map((p) => Number(p.id.key.split(':')[0])).sort((a, b) => a - b);

describe('what a tick records', () => {
  it('system memory and PSI, every cgroup with a limit (working set, usage, limit), none without', () => {
    const pts = new TickSelector({ top: 3, stickyMs: 600_000 }).points(snap(0));
    const sys = Object.fromEntries(pts.filter((p) => p.id.kind === 'system').map((p) => [p.id.metric, p.value]));
    expect(sys).toEqual({ total: 4_000_000, used: 1_000_000, headroom: 3_900_000, swap_used: 100_000, psi_some: 1.5, psi_full: 0.25 });
    const cg = pts.filter((p) => p.id.kind === 'cgroup');
    expect(cg.map((p) => `${p.id.key} ${p.id.metric} ${p.value}`)).toEqual(['/small ws 4000', '/small usage 5000', '/small limit 65536']);
  });

  it('the processes that matter: top N by risk, top N by growth, every next victim; keyed by PID and start time, with name and cgroup', () => {
    const sel = new TickSelector({ top: 3, stickyMs: 600_000 });
    let pts = sel.points(snap(0));
    // No growth is known from one sample: the risk top 3 and the two victims.
    expect(procPids(pts)).toEqual([1, 2, 3, 20, 21]);
    for (let t = 1; t <= 5; t++) pts = sel.points(snap(t));
    expect(procPids(pts)).toEqual([1, 2, 3, 11, 12, 13, 20, 21]);
    const p13 = pts.find((p) => p.id.key === '13:130')!;
    expect(p13.id).toMatchObject({ kind: 'proc', metric: 'rss', label: 'p13', cgroup: '/app' });
    expect(p13.value).toBe(10_000 + 5 * 300);
    // With top 2, the slowest grower (11) is not picked.
    const two = new TickSelector({ top: 2, stickyMs: 600_000 });
    for (let t = 0; t <= 5; t++) pts = two.points(snap(t));
    expect(procPids(pts)).toEqual([1, 2, 12, 13, 20, 21]);
  });

  it('a process once picked stays recorded while it lives, for stickyMs after it was last picked; one that exits is gone', () => {
    const sel = new TickSelector({ top: 3, stickyMs: 10_000 });
    for (let t = 0; t <= 5; t++) sel.points(snap(t, 8));
    // From t = 6 the growers stop growing (they keep their t = 5 size): their growth leaves the
    // 10-sample window by t = 15, so they are last picked by then and stay for 10 s after.
    const flat = (t: number) => snap(t, 8, snap(t, 8).processes.map((p) => (p.pid >= 11 && p.pid <= 13 ? { ...p, rssKiB: 10_000 + 5 * 100 * (p.pid - 10) } : p)));
    let pts = sel.points(flat(6));
    expect(procPids(pts)).toEqual([1, 2, 3, 11, 12, 13, 20, 21]);
    for (let t = 7; t <= 18; t++) pts = sel.points(flat(t));
    // 13 exited after t = 8: gone; 11 and 12 still within 10 s of their last pick.
    expect(procPids(pts)).toEqual([1, 2, 3, 11, 12, 20, 21]);
    for (let t = 19; t <= 26; t++) pts = sel.points(flat(t));
    expect(procPids(pts)).toEqual([1, 2, 3, 20, 21]); // more than 10 s after it
  });
});
