import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findMemoryHierarchy, limitedCgroups, resolveCgroup, subtreePids } from '../../src/guard/cgroupfs.js';
import { readStat } from '../../src/proc/process.js';
import { recoverStale } from '../../src/guard/intercept.js';
import { CgroupScope, emptySample } from '../../src/guard/scope.js';
import { buildScopes } from '../../src/guard/setup.js';
import { policy } from './helpers.js';

let root: string;
const MiB = 1024 * 1024;
const UNLIMITED = '9223372036854771712';

function v1Group(rel: string, files: { limit?: number | string; usage: number; inactive?: number; procs?: number[]; oom?: string }) {
  const dir = join(root, 'memory', rel);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'memory.limit_in_bytes'), `${files.limit ?? UNLIMITED}\n`);
  writeFileSync(join(dir, 'memory.usage_in_bytes'), `${files.usage}\n`);
  writeFileSync(join(dir, 'memory.stat'), `cache 0\ninactive_file 1\ntotal_inactive_file ${files.inactive ?? 0}\n`);
  writeFileSync(join(dir, 'memory.oom_control'), files.oom ?? 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
  writeFileSync(join(dir, 'cgroup.procs'), (files.procs ?? []).map((p) => `${p}\n`).join(''));
  return dir;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'oomtop-guard-fake-'));
  v1Group('', { usage: 900 * MiB });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('cgroup v1 scope on a fake tree', () => {
  it('finds the hierarchy and resolves relative and absolute paths, refusing unknown ones', () => {
    v1Group('docker/abc', { limit: 256 * MiB, usage: 10 * MiB });
    const h = findMemoryHierarchy(root)!;
    expect(h).toEqual({ version: 1, root: join(root, 'memory') });
    expect(resolveCgroup(h, '/docker/abc')?.path).toBe('/docker/abc');
    expect(resolveCgroup(h, 'docker/abc')?.path).toBe('/docker/abc');
    expect(resolveCgroup(h, join(root, 'memory', 'docker', 'abc'))?.path).toBe('/docker/abc');
    expect(resolveCgroup(h, '/docker/nope')).toBeNull();
    expect(resolveCgroup(h, '/../../etc')).toBeNull();
    expect(limitedCgroups(h).map((c) => c.path)).toEqual(['/docker/abc']);
  });

  it('headroom is limit minus working set (usage minus inactive file)', () => {
    v1Group('app', { limit: 256 * MiB, usage: 200 * MiB, inactive: 30 * MiB });
    const h = findMemoryHierarchy(root)!;
    const scope = new CgroupScope(h, resolveCgroup(h, '/app')!, policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    expect(scope.read(s, 1000)).toBe(true);
    expect(s.totalKiB).toBe(256 * 1024);
    expect(s.availableKiB).toBe((256 - 200 + 30) * 1024);
    expect(s.held).toBe(false);
  });

  it('honours the tightest limit up the hierarchy', () => {
    v1Group('pod', { limit: 512 * MiB, usage: 500 * MiB });
    v1Group('pod/c1', { usage: 100 * MiB });
    const h = findMemoryHierarchy(root)!;
    const scope = new CgroupScope(h, resolveCgroup(h, '/pod/c1')!, policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    scope.read(s, 1000);
    expect(s.totalKiB).toBe(512 * 1024);
    expect(s.availableKiB).toBe(12 * 1024);
    expect(scope.ownsLimit(1000)).toBe(false);
  });

  it('reads under_oom near the limit only while intercepting', () => {
    v1Group('app', { limit: 256 * MiB, usage: 256 * MiB, oom: 'oom_kill_disable 1\nunder_oom 1\noom_kill 0\n' });
    const h = findMemoryHierarchy(root)!;
    const scope = new CgroupScope(h, resolveCgroup(h, '/app')!, policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    scope.read(s, 1000);
    expect(s.held).toBe(false);
    scope.intercepting = true;
    scope.read(s, 1001);
    expect(s.held).toBe(true);
  });

  it('reports a removed cgroup as gone', () => {
    const dir = v1Group('gone', { limit: 64 * MiB, usage: 1 });
    const h = findMemoryHierarchy(root)!;
    const scope = new CgroupScope(h, resolveCgroup(h, '/gone')!, policy(['--proc-root', join(root, 'noproc')]));
    rmSync(dir, { recursive: true });
    expect(scope.read(emptySample(), 1000)).toBe(false);
  });

  it('lists the processes of the whole subtree', () => {
    v1Group('a', { usage: 1, procs: [10, 11] });
    v1Group('a/b', { usage: 1, procs: [12] });
    expect(subtreePids(join(root, 'memory', 'a')).sort()).toEqual([10, 11, 12]);
  });

  it('setup rejects an unknown cgroup before anything runs', () => {
    const r = buildScopes(policy(['--cgroup', '/nope', '--cgroup-root', root]));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/--cgroup \/nope: no such memory cgroup/);
  });
});

describe('cgroup v2 scope on a fake tree', () => {
  it('uses memory.current, memory.max and inactive_file', () => {
    const v2 = join(root, 'v2');
    mkdirSync(join(v2, 'svc'), { recursive: true });
    writeFileSync(join(v2, 'cgroup.controllers'), 'cpu io memory pids\n');
    writeFileSync(join(v2, 'svc', 'memory.current'), `${100 * MiB}\n`);
    writeFileSync(join(v2, 'svc', 'memory.max'), `${128 * MiB}\n`);
    writeFileSync(join(v2, 'svc', 'memory.stat'), `anon 1\ninactive_file ${4 * MiB}\n`);
    const h = findMemoryHierarchy(v2)!;
    expect(h.version).toBe(2);
    const scope = new CgroupScope(h, resolveCgroup(h, '/svc')!, policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    expect(scope.read(s, 1)).toBe(true);
    expect(s.availableKiB).toBe(32 * 1024);
  });
});

describe('intercept recovery after a crash', () => {
  it('restores oom_kill_disable=0 recorded by a dead guard and removes its state file', () => {
    const dir = v1Group('held', { limit: 64 * MiB, usage: 1, oom: 'oom_kill_disable 1\nunder_oom 0\noom_kill 0\n' });
    const state = join(root, 'state');
    mkdirSync(state);
    // A PID that cannot exist (above pid_max) stands for the dead guard.
    writeFileSync(join(state, 'guard-99999999.json'), JSON.stringify({ pid: 99999999, startTimeTicks: 1, dirs: [dir] }));
    // A live guard's file (this process) is left alone.
    const me = readStat('/proc', process.pid)!;
    writeFileSync(join(state, `guard-${process.pid}.json`), JSON.stringify({ pid: process.pid, startTimeTicks: me.startTimeTicks, dirs: [dir] }));
    const restored = recoverStale(state, '/proc');
    expect(restored).toEqual([dir]);
    expect(existsSync(join(state, 'guard-99999999.json'))).toBe(false);
    expect(existsSync(join(state, `guard-${process.pid}.json`))).toBe(true);
    // Writing the control file of a real cgroup sets oom_kill_disable; the fake file just takes the value.
    expect(readFileSync(join(dir, 'memory.oom_control'), 'utf8')).toBe('0\n');
  });
});
