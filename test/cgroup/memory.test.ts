import { describe, expect, it } from 'vitest';
import {
  cgroupProcs,
  hierarchyPath,
  readCgroupsFor,
  listMemoryCgroups,
  readCgroupMemory,
  readCgroupUsageKiB,
  readEffectiveLimitKiB,
  readCgroupInactiveFileKiB,
  readCgroupOomControl,
  readCgroupPressure,
  readCgroupSwapKiB,
  readOwnLimitKiB,
} from '../../src/cgroup/memory.js';
import { hierarchyFromRoot } from '../../src/cgroup/mountinfo.js';
import { ID, MiB, UID, layout } from './fixtures.js';

const hybrid = hierarchyFromRoot(layout('hybrid').cgroupRoot)!;
const v1 = hierarchyFromRoot(layout('v1').cgroupRoot)!;
const v2 = hierarchyFromRoot(layout('v2').cgroupRoot)!;
const guarV2 = `/kubepods.slice/kubepods-pod${UID.guar.replaceAll('-', '_')}.slice`;

describe('v1 (hybrid fixture)', () => {
  it('a Docker container at 94 % of its limit', () => {
    const m = readCgroupMemory(hybrid, `/docker/${ID.dockerA}`)!;
    expect(m).toMatchObject({
      path: `/docker/${ID.dockerA}`,
      version: 1,
      usageKiB: 240 * MiB,
      limitKiB: 256 * MiB,
      effectiveLimitKiB: 256 * MiB,
      highKiB: null,
      swapUsageKiB: 0,
      swapLimitKiB: null,
      inactiveFileKiB: 10 * MiB,
      workingSetKiB: 230 * MiB,
      oomKills: 2,
      oomEvents: null,
      underOom: false,
      oomKillDisabled: false,
      maxEvents: 17,
      swappiness: 60,
      effectiveMemswLimitKiB: null,
      pressure: null,
      container: { runtime: 'docker', id: ID.dockerA, name: null, pod: null },
    });
  });

  it('unlimited is null, not 8 EiB; the effective limit comes from hierarchical_memory_limit', () => {
    const root = readCgroupMemory(hybrid, '/')!;
    expect(root.limitKiB).toBeNull();
    expect(root.effectiveLimitKiB).toBeNull();
    const pause = readCgroupMemory(hybrid, `/kubepods/burstable/pod${UID.burst}/${ID.pause}`)!;
    expect(pause.limitKiB).toBeNull();
    expect(pause.effectiveLimitKiB).toBe(512 * MiB);
    expect(pause.container).toEqual({
      runtime: 'kubernetes',
      id: ID.pause,
      name: null,
      pod: { uid: UID.burst, qos: 'burstable', name: null },
    });
  });

  it('the tree walk agrees with the kernel-computed hierarchical limit', () => {
    for (const path of listMemoryCgroups(hybrid)) {
      const m = readCgroupMemory(hybrid, path, { limitCache: new Map() });
      if (!m) continue;
      expect(readEffectiveLimitKiB(hybrid, path), path).toBe(m.effectiveLimitKiB);
    }
  });

  it('hybrid: PSI from the same-named cgroup of the v2 tree, when it exists', () => {
    const nginx = readCgroupMemory(hybrid, '/system.slice/nginx.service')!;
    expect(nginx.pressure).toEqual({
      some: { avg10: 1.25, avg60: 0, avg300: 0, total: 123456 },
      full: { avg10: 0, avg60: 0, avg300: 0, total: 0 },
    });
    expect(nginx.workingSetKiB).toBe(60 * MiB);
    expect(nginx.swappiness).toBe(0);
    expect(readCgroupMemory(hybrid, '/system.slice/nginx.service', { pressure: false })!.pressure).toBeNull();
  });

  it('memsw: swap usage and allowance, under_oom and oom_kill_disable (pure v1 fixture)', () => {
    const m = readCgroupMemory(v1, `/kubepods/pod${UID.guar}/${ID.gpod}`)!;
    expect(m.limitKiB).toBe(1024 * MiB);
    expect(m.swapUsageKiB).toBe(8 * MiB);
    expect(m.swapLimitKiB).toBe(256 * MiB);
    expect(m.effectiveMemswLimitKiB).toBe(1280 * MiB);
    expect(m.underOom).toBe(true);
    expect(m.oomKillDisabled).toBe(true);
    expect(m.container).toMatchObject({ runtime: 'kubernetes', pod: { uid: UID.guar, qos: 'guaranteed' } });
  });

  it('a cgroup without files (vanished, or an intermediate one) reads as null', () => {
    expect(readCgroupMemory(hybrid, '/user.slice')).toBeNull();
    expect(readCgroupMemory(hybrid, '/no/such')).toBeNull();
    expect(readCgroupUsageKiB(hybrid, '/no/such')).toBeNull();
  });
});

describe('v2 fixture', () => {
  it('a guaranteed pod container near its limit, with high, swap, events, group and PSI', () => {
    const path = `${guarV2}/cri-containerd-${ID.gpod}.scope`;
    const m = readCgroupMemory(v2, path)!;
    expect(m).toMatchObject({
      version: 2,
      usageKiB: 1000 * MiB,
      limitKiB: 1024 * MiB,
      effectiveLimitKiB: 1024 * MiB,
      highKiB: 900 * MiB,
      swapUsageKiB: 4 * MiB,
      swapLimitKiB: 0,
      workingSetKiB: 976 * MiB,
      oomKills: 1,
      oomEvents: 3,
      maxEvents: 40,
      underOom: null,
      oomGroup: true,
      container: { runtime: 'containerd', id: ID.gpod, pod: { uid: UID.guar, qos: 'guaranteed' } },
    });
    expect(m.pressure?.some.avg10).toBe(12.5);
    expect(m.pressure?.some.total).toBe(987654);
  });

  it('"max" is no limit, and the effective limit walks up to the nearest set one', () => {
    const path = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID.best.replaceAll('-', '_')}.slice/cri-containerd-${ID.cri2}.scope`;
    const m = readCgroupMemory(v2, path)!;
    expect(m.limitKiB).toBeNull();
    expect(m.highKiB).toBeNull();
    expect(m.swapLimitKiB).toBeNull();
    expect(m.effectiveLimitKiB).toBe(16384 * MiB);
    expect(m.workingSetKiB).toBe(150 * MiB);
    expect(m.container).toMatchObject({ runtime: 'containerd', pod: { qos: 'besteffort' } });
  });

  it('the shared limit cache avoids re-reading ancestors and gives the same answer', () => {
    const cache = new Map<string, number | null | undefined>();
    const a = readCgroupMemory(v2, `/system.slice/docker-${ID.docker3}.scope`, { limitCache: cache })!;
    expect(a.effectiveLimitKiB).toBe(128 * MiB);
    expect(cache.get('/system.slice')).toBeNull();
    expect(cache.get(`/system.slice/docker-${ID.docker3}.scope`)).toBe(128 * MiB);
    // A poisoned cache entry proves the cache is consulted.
    cache.set('/system.slice', 64 * MiB);
    expect(readEffectiveLimitKiB(v2, `/system.slice/sshd.service`, cache)).toBe(64 * MiB);
  });

  it('the v2 root has no memory.current: null', () => {
    expect(readCgroupMemory(v2, '/')).toBeNull();
  });
});

describe('listing and processes', () => {
  it('lists the tree pre-order from the root, with a depth bound', () => {
    const all = listMemoryCgroups(v2);
    expect(all[0]).toBe('/');
    expect(all).toContain(`/system.slice/docker-${ID.docker3}.scope`);
    expect(all.indexOf('/system.slice')).toBeLessThan(all.indexOf('/system.slice/sshd.service'));
    expect(listMemoryCgroups(v2, { maxDepth: 1 }).sort()).toEqual(['/', '/kubepods.slice', '/system.slice', '/user.slice']);
  });

  it('cgroup.procs, own and recursive', () => {
    expect(cgroupProcs(hybrid, `/docker/${ID.dockerA}`)).toEqual([101, 102]);
    expect(cgroupProcs(hybrid, `/kubepods/burstable/pod${UID.burst}`)).toEqual([]);
    expect(cgroupProcs(hybrid, `/kubepods/burstable/pod${UID.burst}`, true).sort()).toEqual([201, 202, 203]);
    expect(cgroupProcs(v2, '/', true).sort((a, b) => a - b)).toEqual([1, 21, 22, 23, 31, 32, 41, 42]);
    expect(cgroupProcs(v2, '/gone', true)).toEqual([]);
  });
});

describe('reading only what processes need', () => {
  it('readCgroupsFor reads the cgroups and their ancestors once, skipping ones without files', () => {
    const leaf = `${guarV2}/cri-containerd-${ID.gpod}.scope`;
    const got = readCgroupsFor(v2, [leaf, '/system.slice/sshd.service', leaf]);
    expect([...got.keys()].sort()).toEqual(['/kubepods.slice', '/system.slice', '/system.slice/sshd.service', guarV2, leaf].sort());
    expect(got.get(leaf)!.effectiveLimitKiB).toBe(1024 * MiB);
    expect(got.get(leaf)).toEqual(readCgroupMemory(v2, leaf));
  });

  it('a mount of a sub-tree: container recognition sees the whole hierarchy path', () => {
    const sub = { ...hybrid, root: `${hybrid.root}/docker/${ID.dockerA}`, mountRoot: `/docker/${ID.dockerA}` };
    expect(hierarchyPath(sub, '/')).toBe(`/docker/${ID.dockerA}`);
    expect(hierarchyPath(sub, '/x')).toBe(`/docker/${ID.dockerA}/x`);
    expect(hierarchyPath(hybrid, '/x')).toBe('/x');
    const m = readCgroupMemory(sub, '/')!;
    expect(m.path).toBe('/');
    expect(m.limitKiB).toBe(256 * MiB);
    expect(m.container).toMatchObject({ runtime: 'docker', id: ID.dockerA });
  });
});

describe('single readers (the guard samples these on every tick)', () => {
  const trees = { hybrid, v1, v2 };

  it('inactive file and swap agree with readCgroupMemory on every cgroup of every fixture', () => {
    let swaps = 0;
    for (const [name, h] of Object.entries(trees)) {
      for (const path of listMemoryCgroups(h)) {
        const m = readCgroupMemory(h, path);
        if (!m) continue;
        expect(readCgroupInactiveFileKiB(h, path), `${name} ${path}`).toBe(m.inactiveFileKiB);
        const own = readOwnLimitKiB(h, path);
        const swap = readCgroupSwapKiB(h, path, own ?? 0);
        if (own !== null && own !== undefined && m.swapLimitKiB !== null) {
          expect(swap, `${name} ${path}`).toEqual({ limitKiB: m.swapLimitKiB, usageKiB: m.swapUsageKiB });
          swaps++;
        }
      }
    }
    expect(swaps).toBeGreaterThan(1);
  });

  it('inactive file: v1 takes the hierarchical total, v2 its own; a vanished cgroup is null', () => {
    expect(readCgroupInactiveFileKiB(hybrid, `/docker/${ID.dockerA}`)).toBe(10 * MiB);
    expect(readCgroupInactiveFileKiB(v2, `${guarV2}/cri-containerd-${ID.gpod}.scope`)).toBe(24 * MiB);
    expect(readCgroupInactiveFileKiB(v2, '/gone')).toBeNull();
  });

  it('swap: v1 allowance is what memsw adds over the memory limit that applies', () => {
    const gpod = `/kubepods/pod${UID.guar}/${ID.gpod}`;
    expect(readCgroupSwapKiB(v1, gpod, 1024 * MiB)).toEqual({ limitKiB: 256 * MiB, usageKiB: 8 * MiB });
    // A tighter memory limit further up leaves more of the memsw limit to swap.
    expect(readCgroupSwapKiB(v1, gpod, 512 * MiB)).toEqual({ limitKiB: 768 * MiB, usageKiB: 8 * MiB });
    expect(readCgroupSwapKiB(v1, gpod, 2048 * MiB)).toEqual({ limitKiB: 0, usageKiB: 8 * MiB });
    // No memsw limit, no swap accounting, or gone: null.
    expect(readCgroupSwapKiB(hybrid, `/docker/${ID.dockerA}`, 256 * MiB)).toBeNull();
    expect(readCgroupSwapKiB(v1, '/gone', 0)).toBeNull();
  });

  it('swap: v2 swap.max and swap.current, "max" is null', () => {
    expect(readCgroupSwapKiB(v2, `${guarV2}/cri-containerd-${ID.gpod}.scope`, 1024 * MiB)).toEqual({ limitKiB: 0, usageKiB: 4 * MiB });
    const best = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID.best.replaceAll('-', '_')}.slice/cri-containerd-${ID.cri2}.scope`;
    expect(readCgroupSwapKiB(v2, best, 0)).toBeNull();
  });

  it('oom_control: v1 only', () => {
    expect(readCgroupOomControl(v1, `/kubepods/pod${UID.guar}/${ID.gpod}`)).toEqual({ oomKillDisable: true, underOom: true, oomKill: 0 });
    expect(readCgroupOomControl(hybrid, `/docker/${ID.dockerA}`)).toEqual({ oomKillDisable: false, underOom: false, oomKill: 2 });
    expect(readCgroupOomControl(v2, `${guarV2}/cri-containerd-${ID.gpod}.scope`)).toBeNull();
    expect(readCgroupOomControl(v1, '/gone')).toBeNull();
  });

  it('pressure: v2 own file, hybrid from the v2 mirror, pure v1 none', () => {
    const leaf = `${guarV2}/cri-containerd-${ID.gpod}.scope`;
    expect(readCgroupPressure(v2, leaf)).toEqual(readCgroupMemory(v2, leaf)!.pressure);
    expect(readCgroupPressure(v2, leaf)?.some.avg10).toBe(12.5);
    expect(readCgroupPressure(hybrid, '/system.slice/nginx.service')?.some.avg10).toBe(1.25);
    expect(readCgroupPressure(hybrid, `/docker/${ID.dockerA}`)).toBeNull();
    expect(readCgroupPressure(v1, `/kubepods/pod${UID.guar}/${ID.gpod}`)).toBeNull();
  });
});
