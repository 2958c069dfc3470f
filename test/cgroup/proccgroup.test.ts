import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectMemoryHierarchy } from '../../src/cgroup/mountinfo.js';
import {
  readCgroupInactiveFileKiB,
  readCgroupMemory,
  readCgroupOomControl,
  readCgroupPressure,
  readCgroupSwapKiB,
  readCgroupUsageKiB,
  readOwnLimitKiB,
  cgroupProcs,
  hierarchyPath,
  listMemoryCgroups,
} from '../../src/cgroup/memory.js';
import { hierarchyFromRoot } from '../../src/cgroup/mountinfo.js';
import { cgroupDir, parseProcCgroup, readProcMemoryCgroup, subHierarchy, toMountPath } from '../../src/cgroup/proccgroup.js';
import type { MemoryHierarchy } from '../../src/cgroup/types.js';
import { ID, UID, layout } from './fixtures.js';

const V1: MemoryHierarchy = { version: 1, root: '/x', hybrid: true, unifiedRoot: '/u', mountRoot: '/' };
const V2: MemoryHierarchy = { version: 2, root: '/x', hybrid: false, unifiedRoot: null, mountRoot: '/' };

describe('parseProcCgroup', () => {
  const hybrid = '12:pids:/a\n11:memory:/docker/abc\n1:name=systemd:/sys\n0::/unified/path\n';

  it('v1 takes the memory line, v2 the 0:: line', () => {
    expect(parseProcCgroup(hybrid, 1)).toBe('/docker/abc');
    expect(parseProcCgroup(hybrid, 2)).toBe('/unified/path');
  });

  it('memory co-mounted with other controllers', () => {
    expect(parseProcCgroup('4:cpu,memory:/k\n', 1)).toBe('/k');
    expect(parseProcCgroup('4:memoryx:/k\n', 1)).toBeNull();
  });

  it('keeps colons inside the path', () => {
    expect(parseProcCgroup('0::/system.slice/a:b.service\n', 2)).toBe('/system.slice/a:b.service');
  });

  it('null when the line is missing or the text is empty', () => {
    expect(parseProcCgroup('0::/\n', 1)).toBeNull();
    expect(parseProcCgroup('11:memory:/a\n', 2)).toBeNull();
    expect(parseProcCgroup('', 2)).toBeNull();
  });
});

describe('toMountPath', () => {
  it('identity for a mount of the whole hierarchy', () => {
    expect(toMountPath(V1, '/docker/abc')).toBe('/docker/abc');
  });

  it('strips the mount root when the mount shows a sub-tree', () => {
    const h = { ...V1, mountRoot: '/docker/abc' };
    expect(toMountPath(h, '/docker/abc')).toBe('/');
    expect(toMountPath(h, '/docker/abc/sub')).toBe('/sub');
    expect(toMountPath(h, '/docker/abcdef')).toBeNull();
    expect(toMountPath(h, '/other')).toBeNull();
  });

  it('a path outside our cgroup namespace is unreachable', () => {
    expect(toMountPath(V2, '/../../system.slice')).toBeNull();
  });
});

describe('readProcMemoryCgroup', () => {
  it('reads PROC/PID/cgroup in the hybrid fixture', () => {
    const { proc } = layout('hybrid');
    expect(readProcMemoryCgroup(proc, 101, V1)).toBe(`/docker/${ID.dockerA}`);
    expect(readProcMemoryCgroup(proc, 201, V1)).toBe(`/kubepods/burstable/pod${UID.burst}/${ID.kubeB}`);
    expect(readProcMemoryCgroup(proc, 999, V1)).toBeNull();
    expect(readProcMemoryCgroup(proc, 424242, V1)).toBeNull();
  });

  it('reads the 0:: line in the v2 fixture', () => {
    const { proc } = layout('v2');
    expect(readProcMemoryCgroup(proc, 41, V2)).toBe('/user.slice/user-1000.slice/session-2.scope');
  });

  it('this process on this machine: its cgroup directory lists it', () => {
    const h = detectMemoryHierarchy('/proc');
    if (!h) {
      console.log('no memory controller on this machine: skipped');
      return;
    }
    const path = readProcMemoryCgroup('/proc', process.pid, h);
    expect(path).not.toBeNull();
    const procs = readFileSync(join(cgroupDir(h, path!), 'cgroup.procs'), 'utf8').split('\n').map(Number);
    expect(procs).toContain(process.pid);
  });
});

describe('subHierarchy', () => {
  it('roots the hierarchy at a cgroup: "/" is that cgroup, "/x" its child', () => {
    expect(subHierarchy(V1, '/a/b')).toEqual({ version: 1, root: '/x/a/b', hybrid: true, unifiedRoot: '/u/a/b', mountRoot: '/a/b' });
    expect(subHierarchy(V2, '/a')).toEqual({ version: 2, root: '/x/a', hybrid: false, unifiedRoot: null, mountRoot: '/a' });
    expect(subHierarchy(V2, '/')).toBe(V2);
    const sub = subHierarchy({ ...V1, mountRoot: '/docker/abc' }, '/a');
    expect(sub.mountRoot).toBe('/docker/abc/a');
    expect(hierarchyPath(sub, '/b')).toBe('/docker/abc/a/b');
    expect(cgroupDir(sub, '/')).toBe('/x/a');
    expect(cgroupDir(sub, '/b')).toBe('/x/a/b');
  });

  it('reading (sub, "/") gives what reading (h, path) gives, on every cgroup of every fixture', () => {
    for (const name of ['hybrid', 'v1', 'v2'] as const) {
      const h = hierarchyFromRoot(layout(name).cgroupRoot)!;
      for (const path of listMemoryCgroups(h)) {
        const sub = subHierarchy(h, path);
        const at = `${name} ${path}`;
        expect(readCgroupUsageKiB(sub, '/'), at).toBe(readCgroupUsageKiB(h, path));
        expect(readOwnLimitKiB(sub, '/'), at).toBe(readOwnLimitKiB(h, path));
        expect(readCgroupInactiveFileKiB(sub, '/'), at).toBe(readCgroupInactiveFileKiB(h, path));
        expect(readCgroupSwapKiB(sub, '/', 100), at).toEqual(readCgroupSwapKiB(h, path, 100));
        expect(readCgroupOomControl(sub, '/'), at).toEqual(readCgroupOomControl(h, path));
        expect(readCgroupPressure(sub, '/'), at).toEqual(readCgroupPressure(h, path));
        expect(cgroupProcs(sub, '/', true).sort(), at).toEqual(cgroupProcs(h, path, true).sort());
        const m = readCgroupMemory(h, path);
        const ms = readCgroupMemory(sub, '/');
        if (m === null) {
          expect(ms, at).toBeNull();
          continue;
        }
        // Everything but the path and the limit walk above the cgroup (v2 only; v1 reads the kernel's figure).
        const { path: _p, effectiveLimitKiB: e, ...rest } = m;
        const { path: _q, effectiveLimitKiB: es, ...restSub } = ms!;
        expect(restSub, at).toEqual(rest);
        if (h.version === 1) expect(es, at).toBe(e);
      }
    }
  });
});
