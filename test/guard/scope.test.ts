import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hierarchyFromRoot } from '../../src/cgroup/mountinfo.js';
import { readStat } from '../../src/proc/process.js';
import { interceptHighBytes, recoverStale } from '../../src/guard/intercept.js';
import { CgroupScope, emptySample } from '../../src/guard/scope.js';
import { buildScopes, limitedCgroups, resolveCgroupArg } from '../../src/guard/setup.js';
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
    const h = hierarchyFromRoot(root)!;
    expect(h).toMatchObject({ version: 1, root: join(root, 'memory') });
    expect(resolveCgroupArg(h, '/docker/abc')).toBe('/docker/abc');
    expect(resolveCgroupArg(h, 'docker/abc')).toBe('/docker/abc');
    expect(resolveCgroupArg(h, join(root, 'memory', 'docker', 'abc'))).toBe('/docker/abc');
    expect(resolveCgroupArg(h, join(root, 'memory'))).toBe('/');
    expect(resolveCgroupArg(h, '/')).toBe('/');
    expect(resolveCgroupArg(h, '/docker/nope')).toBeNull();
    expect(resolveCgroupArg(h, '/docker')).toBeNull(); // a directory without memory files
    expect(resolveCgroupArg(h, '/memory.stat')).toBeNull(); // a file, not a cgroup
    expect(resolveCgroupArg(h, '/../../etc')).toBeNull();
    expect(limitedCgroups(h)).toEqual(['/docker/abc']);
  });

  it("counts the kernel's badness against mem_cgroup_get_max() of the binding memcg: limit + swap allowance, none at swappiness 0", () => {
    const proc = join(root, 'proc');
    mkdirSync(join(proc, 'sys', 'vm'), { recursive: true });
    writeFileSync(join(proc, 'meminfo'), 'MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\nSwapTotal: 1048576 kB\nSwapFree: 1048576 kB\n');
    writeFileSync(join(proc, 'sys', 'vm', 'swappiness'), '60\n');
    const dir = v1Group('app', { limit: 256 * MiB, usage: 200 * MiB });
    writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), `${320 * MiB}\n`);
    writeFileSync(join(dir, 'memory.memsw.usage_in_bytes'), `${200 * MiB}\n`);
    writeFileSync(join(dir, 'memory.swappiness'), '60\n');
    const h = hierarchyFromRoot(root)!;
    const p = policy(['--proc-root', proc]);
    const read = () => {
      const s = emptySample();
      expect(new CgroupScope(h, '/app', p).read(s, 1000)).toBe(true);
      return s.oomTotalKiB;
    };
    expect(read()).toBe((256 + 64) * 1024);
    writeFileSync(join(dir, 'memory.swappiness'), '0\n');
    expect(read()).toBe(256 * 1024);
  });

  it('headroom is limit minus working set (usage minus inactive file)', () => {
    v1Group('app', { limit: 256 * MiB, usage: 200 * MiB, inactive: 30 * MiB });
    const h = hierarchyFromRoot(root)!;
    const scope = new CgroupScope(h, '/app', policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    expect(scope.read(s, 1000)).toBe(true);
    expect(s.totalKiB).toBe(256 * 1024);
    expect(s.availableKiB).toBe((256 - 200 + 30) * 1024);
    expect(s.held).toBe(false);
  });

  it('honours the tightest limit up the hierarchy', () => {
    v1Group('pod', { limit: 512 * MiB, usage: 500 * MiB });
    v1Group('pod/c1', { usage: 100 * MiB });
    const h = hierarchyFromRoot(root)!;
    const scope = new CgroupScope(h, '/pod/c1', policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    scope.read(s, 1000);
    expect(s.totalKiB).toBe(512 * 1024);
    expect(s.availableKiB).toBe(12 * 1024);
    expect(scope.ownsLimit(1000)).toBe(false);
  });

  it('reads under_oom near the limit only while intercepting', () => {
    v1Group('app', { limit: 256 * MiB, usage: 256 * MiB, oom: 'oom_kill_disable 1\nunder_oom 1\noom_kill 0\n' });
    const h = hierarchyFromRoot(root)!;
    const scope = new CgroupScope(h, '/app', policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    scope.read(s, 1000);
    expect(s.held).toBe(false);
    scope.intercepting = true;
    scope.read(s, 1001);
    expect(s.held).toBe(true);
  });

  it('swap: the memsw allowance over the binding limit, capped by the swap of the system', () => {
    v1Group('pod', { limit: 512 * MiB, usage: 100 * MiB });
    const c1 = v1Group('pod/c1', { usage: 100 * MiB });
    writeFileSync(join(c1, 'memory.memsw.limit_in_bytes'), `${768 * MiB}\n`);
    writeFileSync(join(c1, 'memory.memsw.usage_in_bytes'), `${120 * MiB}\n`);
    const procRoot = join(root, 'proc');
    mkdirSync(procRoot);
    writeFileSync(join(procRoot, 'meminfo'), 'MemTotal: 4194304 kB\nMemAvailable: 3000000 kB\nSwapTotal: 1048576 kB\nSwapFree: 921600 kB\n');
    const h = hierarchyFromRoot(root)!;
    const s = emptySample();
    expect(new CgroupScope(h, '/pod/c1', policy(['--proc-root', procRoot])).read(s, 1000)).toBe(true);
    expect(s.totalKiB).toBe(512 * 1024);
    expect(s.swapTotalKiB).toBe(256 * 1024);
    expect(s.swapFreeKiB).toBe(236 * 1024);
    // Without memsw accounting the system's swap stands.
    v1Group('pod/c2', { usage: 1 });
    const s2 = emptySample();
    expect(new CgroupScope(h, '/pod/c2', policy(['--proc-root', procRoot])).read(s2, 1000)).toBe(true);
    expect(s2.swapTotalKiB).toBe(1048576);
    expect(s2.swapFreeKiB).toBe(921600);
  });

  it('reports a removed cgroup as gone', () => {
    const dir = v1Group('gone', { limit: 64 * MiB, usage: 1 });
    const h = hierarchyFromRoot(root)!;
    const scope = new CgroupScope(h, '/gone', policy(['--proc-root', join(root, 'noproc')]));
    rmSync(dir, { recursive: true });
    expect(scope.read(emptySample(), 1000)).toBe(false);
  });

  it('lists the processes of the whole subtree', () => {
    v1Group('a', { usage: 1, procs: [10, 11] });
    v1Group('a/b', { usage: 1, procs: [12] });
    const h = hierarchyFromRoot(root)!;
    // Candidates are read from a fake /proc holding only these PIDs' stat files.
    const procRoot = join(root, 'proc');
    for (const pid of [10, 11, 12, 13]) {
      mkdirSync(join(procRoot, String(pid)), { recursive: true });
      writeFileSync(join(procRoot, String(pid), 'stat'), `${pid} (p${pid}) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${pid} 0 0\n`);
    }
    const scope = new CgroupScope(h, '/a', policy(['--proc-root', procRoot]));
    expect(scope.processes().map((c) => c.pid).sort()).toEqual([10, 11, 12]);
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
    const h = hierarchyFromRoot(v2)!;
    expect(h.version).toBe(2);
    const scope = new CgroupScope(h, '/svc', policy(['--proc-root', join(root, 'noproc')]));
    const s = emptySample();
    expect(scope.read(s, 1)).toBe(true);
    expect(s.availableKiB).toBe(32 * 1024);
    expect(s.psiFullAvg10).toBeNull();
    // With --psi-full, memory.pressure "full avg10" of the cgroup.
    writeFileSync(join(v2, 'svc', 'memory.pressure'), 'some avg10=3.00 avg60=1.00 avg300=0.00 total=9\nfull avg10=2.50 avg60=0.50 avg300=0.00 total=5\n');
    const psi = new CgroupScope(h, '/svc', policy(['--proc-root', join(root, 'noproc'), '--psi-full', '20']));
    expect(psi.read(s, 2)).toBe(true);
    expect(s.psiFullAvg10).toBe(2.5);
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

describe('v2 intercept (memory.high) recovery after a crash', () => {
  // The real v2 paths (arm, release, watchdog, state file on a live cgroup) run in the
  // cgroup v2 guest: test/vm/v2.test.ts. This covers the state file's rules on plain files.
  it('puts memory.high back when it still holds what the dead guard wrote, and only then', () => {
    const state = join(root, 'state');
    mkdirSync(state);
    const a = join(root, 'v2', 'a');
    const b = join(root, 'v2', 'b');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    const set = String(interceptHighBytes(256 * MiB));
    writeFileSync(join(a, 'memory.high'), `${set}\n`);
    writeFileSync(join(b, 'memory.high'), '123456789\n'); // changed by someone since: left alone
    writeFileSync(join(state, 'guard-99999999.json'), JSON.stringify({ pid: 99999999, startTimeTicks: 1, dirs: [], highs: [{ dir: a, set, restore: 'max' }, { dir: b, set, restore: 'max' }] }));
    expect(recoverStale(state, '/proc')).toEqual([a]);
    expect(readFileSync(join(a, 'memory.high'), 'utf8')).toBe('max\n');
    expect(readFileSync(join(b, 'memory.high'), 'utf8')).toBe('123456789\n');
    expect(existsSync(join(state, 'guard-99999999.json'))).toBe(false);
  });

  it('sets memory.high 2 % (at least 1 MiB) under memory.max, page-aligned', () => {
    expect(interceptHighBytes(256 * MiB)).toBe(Math.floor((256 * MiB * 0.98) / 4096) * 4096);
    expect(interceptHighBytes(32 * MiB)).toBe(31 * MiB);
    expect(interceptHighBytes(4096)).toBe(4096);
  });
});
