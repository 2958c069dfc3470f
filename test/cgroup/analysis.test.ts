import { describe, expect, it } from 'vitest';
import { analyzeCgroups, cgroupExposures, dangerOf, nextVictimOf, type CgroupProc } from '../../src/cgroup/analysis.js';
import fc from 'fast-check';
import { cgroupJson } from '../../src/cgroup/json.js';
import { listMemoryCgroups, readCgroupMemory } from '../../src/cgroup/memory.js';
import { hierarchyFromRoot } from '../../src/cgroup/mountinfo.js';
import { cgroupRiskPct, processDanger, systemFillPct, victimShare } from '../../src/cgroup/risk.js';
import type { CgroupMemory } from '../../src/cgroup/types.js';
import { ID, MiB, UID, layout } from './fixtures.js';

const hybrid = hierarchyFromRoot(layout('hybrid').cgroupRoot)!;
const memories = listMemoryCgroups(hybrid)
  .map((p) => readCgroupMemory(hybrid, p))
  .filter((m): m is CgroupMemory => m !== null);

const pod = `/kubepods/burstable/pod${UID.burst}`;
const kubeB = `${pod}/${ID.kubeB}`;
const pause = `${pod}/${ID.pause}`;
const dockerA = `/docker/${ID.dockerA}`;

const proc = (pid: number, cgroup: string | null, rssMiB: number, adj = 0, kernelThread = false): CgroupProc => ({
  pid,
  cgroup,
  rssKiB: rssMiB * MiB,
  swapKiB: 0,
  pgtablesKiB: 0,
  oomScoreAdj: adj,
  kernelThread,
});

const procs: CgroupProc[] = [
  proc(1, '/', 10, 0, true),
  proc(101, dockerA, 150, 0),
  proc(102, dockerA, 40, 500),
  proc(201, kubeB, 150, 0),
  proc(202, kubeB, 30, 900),
  proc(203, pause, 1, -998),
  proc(301, '/system.slice/nginx.service', 90, 0),
];
const a = analyzeCgroups(memories, procs, { swapTotalKiB: 0, vmSwappiness: 60 });

describe('analyzeCgroups', () => {
  it('every cgroup with its own limit is a domain, with the kernel total', () => {
    expect([...a.domains.keys()].sort()).toEqual([dockerA, '/kubepods', pod, kubeB].sort());
    expect(a.domains.get(kubeB)!.totalKiB).toBe(300 * MiB);
    expect(a.domains.get(dockerA)!.fillPct).toBeCloseTo((230 / 256) * 100, 6);
  });

  it('the docker container: adj 500 in a 256 MiB cgroup outweighs 110 MiB more RSS', () => {
    // 102: 40 MiB + 500 × floor(65536/1000) pages = 10240 + 32500 > 101: 38400.
    expect(nextVictimOf(a, dockerA)).toBe(102);
  });

  it('a container without its own limit OOMs in its pod: the victim may be a sibling', () => {
    expect(a.domainOf.get(pause)).toBe(pod);
    // 202: 30 MiB + 900 × 131 pages beats 201: 150 MiB in the 512 MiB pod.
    expect(nextVictimOf(a, pause)).toBe(202);
  });

  it('the nearest limit is not always the one that bites: least headroom wins', () => {
    // kubeB: 300 MiB limit, 200 used (100 left); pod: 512, 210 used (302 left); /kubepods 8 GiB.
    expect(a.domainOf.get(kubeB)).toBe(kubeB);
    // 201: 38400 pages; 202: 7680 + 900 × 76 = 76080.
    expect(nextVictimOf(a, kubeB)).toBe(202);
  });

  it('unlimited cgroups have no domain and no victim', () => {
    expect(a.domainOf.get('/system.slice/nginx.service')).toBeNull();
    expect(nextVictimOf(a, '/system.slice/nginx.service')).toBeNull();
    expect(nextVictimOf(a, '/nowhere')).toBeNull();
  });

  it('exposures: one per limited ancestor the process is ranked in', () => {
    const ex = cgroupExposures(a, 201, kubeB);
    expect(ex).toHaveLength(3); // kubeB, pod, /kubepods
    expect(cgroupExposures(a, 301, '/system.slice/nginx.service')).toEqual([]);
    expect(cgroupExposures(a, 1, null)).toEqual([]);
  });
});

describe('risk', () => {
  it('cgroupRiskPct', () => {
    expect(cgroupRiskPct(95, 100)).toBe(95);
    expect(cgroupRiskPct(95, null)).toBeNull();
    expect(cgroupRiskPct(1, 0)).toBe(100);
  });

  it('victimShare and processDanger', () => {
    expect(victimShare(50, 100)).toBe(0.5);
    expect(victimShare(100, 100)).toBe(1);
    expect(victimShare(-5, 100)).toBe(0);
    expect(victimShare(-50, -10)).toBe(0);
    expect(processDanger([])).toBe(0);
    // The victim of a cgroup at 95 % outranks the system-wide victim of a box at 30 %.
    const cgVictim = processDanger([{ fillPct: 95, points: 10, victimPoints: 10 }, { fillPct: 30, points: 1, victimPoints: 50 }]);
    const sysVictim = processDanger([{ fillPct: 30, points: 50, victimPoints: 50 }]);
    expect(cgVictim).toBe(95);
    expect(sysVictim).toBe(30);
  });

  it('docker victim 102 is more in danger than 101 in the same cgroup', () => {
    const d = (pid: number) => processDanger(cgroupExposures(a, pid, dockerA));
    expect(d(102)).toBeCloseTo((230 / 256) * 100, 6);
    expect(d(101)).toBeLessThan(d(102));
    expect(d(101)).toBeGreaterThan(0);
  });

  it('systemFillPct', () => {
    expect(systemFillPct({ totalKiB: 1000, availableKiB: 250, swapTotalKiB: 0, swapFreeKiB: 0 })).toBe(75);
    expect(systemFillPct({ totalKiB: 1000, availableKiB: 500, swapTotalKiB: 1000, swapFreeKiB: 500 })).toBe(50);
    expect(systemFillPct({ totalKiB: 0, availableKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0 })).toBe(0);
  });
});

describe('cgroupJson', () => {
  it('the --json shape', () => {
    const m = memories.find((x) => x.path === dockerA)!;
    const j = cgroupJson(m, a.domainOf.get(dockerA) ?? null, nextVictimOf(a, dockerA));
    expect(j).toEqual({
      path: dockerA,
      container: { runtime: 'docker', id: ID.dockerA, name: null, image: null, compose: null, pod: null },
      usageKiB: 240 * MiB,
      limitKiB: 256 * MiB,
      effectiveLimitKiB: 256 * MiB,
      workingSetKiB: 230 * MiB,
      highKiB: null,
      swapUsageKiB: 0,
      oomKills: 2,
      pressure: null,
      oomDomain: dockerA,
      nextVictimPid: 102,
    });
    const root = cgroupJson(memories.find((x) => x.path === '/')!, null, null);
    expect(root.limitKiB).toBeNull();
    expect(JSON.parse(JSON.stringify(root)).limitKiB).toBeNull();
  });
});

describe('dangerOf (the sampler’s per-process danger, without lists)', () => {
  it('equals processDanger over cgroupExposures plus the system domain, for every process and system state', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 120, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: null }),
        (fillPct, victimPoints, points) => {
          for (const p of [...procs, proc(999, '/unknown/path', 5), proc(998, null, 5)]) {
            const sys = points === null ? [] : [{ fillPct, points, victimPoints }];
            const want = processDanger([...cgroupExposures(a, p.pid, p.cgroup), ...sys]);
            if (dangerOf(a, p.pid, p.cgroup, { fillPct, victimPoints }, points) !== want) return false;
            if (dangerOf(null, p.pid, p.cgroup, { fillPct, victimPoints }, points) !== processDanger(sys)) return false;
          }
          return true;
        },
      ),
    );
  });
});
