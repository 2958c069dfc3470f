import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryHierarchy } from '../../src/cgroup/types.js';
import { JobCgroup, jobName, jobOwner, ownerAlive, removeStale, validJobLabel } from '../../src/run/cgroup.js';

/*
 * Cgroup v2 cannot be mounted on this machine (memory is on v1), so the v2 side is shown
 * on a fixture tree: what the module writes where, and what it reads back from the files
 * a v2 kernel keeps. The kernel's side (rmdir of a cgroup with files, limits enforced) is
 * for the v2 test environment; v1 is tested for real in run-real.test.ts.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function v2Root(opts: { subtree?: string; controllers?: string } = {}): MemoryHierarchy {
  const root = mkdtempSync(join(tmpdir(), 'oomtop-run-v2-'));
  dirs.push(root);
  writeFileSync(join(root, 'cgroup.controllers'), opts.controllers ?? 'cpuset cpu io memory pids\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), opts.subtree ?? '');
  return { version: 2, root, hybrid: false, unifiedRoot: null, mountRoot: '/' };
}

const budget = { memoryBytes: 64 * 2 ** 20, highBytes: 48 * 2 ** 20, swapBytes: 0 };

describe('job cgroup names', () => {
  it('carry the owner PID', () => {
    expect(jobName(123, null)).toBe('oomtop-run-123');
    expect(jobName(123, 'nightly.import')).toBe('oomtop-run-123-nightly.import');
    expect(jobOwner('oomtop-run-123')).toBe(123);
    expect(jobOwner('oomtop-run-123-nightly')).toBe(123);
    expect(jobOwner('oomtop-run-')).toBeNull();
    expect(jobOwner('oomtop-run-x')).toBeNull();
    expect(jobOwner('docker')).toBeNull();
  });
  it('take only labels that are safe as a directory name', () => {
    expect(validJobLabel('nightly-import_2')).toBe(true);
    for (const bad of ['', '.', '..', '../x', 'a/b', '-x', 'a b', 'a\nb', 'x'.repeat(65), '\u001b[2J']) expect(validJobLabel(bad), bad).toBe(false);
  });
});

describe('cgroup v2 (fixture tree)', () => {
  it('enables the memory controller for children, then writes memory.max, memory.high and memory.swap.max', () => {
    const h = v2Root();
    const dir = join(h.root, 'oomtop-run-1');
    const made = JobCgroup.create({ h, parentPath: '/', name: 'oomtop-run-1', budget, unifiedParentDir: null });
    expect(made.ok).toBe(true);
    expect(readFileSync(join(h.root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory');
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe(String(64 * 2 ** 20));
    expect(readFileSync(join(dir, 'memory.high'), 'utf8')).toBe(String(48 * 2 ** 20));
    // A v2 kernel makes memory.swap.max with the directory when it accounts swap; a plain
    // directory has none, which reads as a kernel without swap accounting: said so.
    expect(made.ok && made.warnings).toEqual(['--swap: this kernel has no swap accounting for cgroups (no memory.swap.max); swap is not limited']);
    expect(made.ok && made.job.path).toBe('/oomtop-run-1');
    expect(made.ok && made.job.procsFiles()).toEqual([join(dir, 'cgroup.procs')]);
  });

  it('leaves subtree_control alone when memory is already enabled', () => {
    const h = v2Root({ subtree: 'cpu memory pids\n' });
    const made = JobCgroup.create({ h, parentPath: '/', name: 'oomtop-run-2', budget: { ...budget, highBytes: null, swapBytes: null }, unifiedParentDir: null });
    expect(made.ok).toBe(true);
    expect(readFileSync(join(h.root, 'cgroup.subtree_control'), 'utf8')).toBe('cpu memory pids\n');
    expect(existsSync(join(h.root, 'oomtop-run-2', 'memory.high'))).toBe(false);
  });

  it('refuses a parent without the memory controller', () => {
    const h = v2Root({ controllers: 'cpu pids\n' });
    const made = JobCgroup.create({ h, parentPath: '/', name: 'oomtop-run-3', budget, unifiedParentDir: null });
    expect(made).toEqual({ ok: false, permission: false, message: `the memory controller is not available in ${h.root} (cgroup.controllers)` });
    expect(existsSync(join(h.root, 'oomtop-run-3'))).toBe(false);
  });

  it('says when the cgroup already exists', () => {
    const h = v2Root({ subtree: 'memory' });
    mkdirSync(join(h.root, 'oomtop-run-4'));
    const made = JobCgroup.create({ h, parentPath: '/', name: 'oomtop-run-4', budget, unifiedParentDir: null });
    expect(made).toMatchObject({ ok: false, permission: false, message: expect.stringContaining('already exists') });
  });

  it('reads what a v2 kernel keeps: memory.peak, memory.events, memory.swap.*, memory.pressure, cpu.stat', () => {
    const h = v2Root({ subtree: 'memory' });
    const made = JobCgroup.create({ h, parentPath: '/', name: 'oomtop-run-5', budget: { ...budget, swapBytes: null }, unifiedParentDir: null });
    if (!made.ok) throw new Error(made.message);
    const job = made.job;
    const d = job.dir;
    writeFileSync(join(d, 'memory.current'), `${30 * 2 ** 20}\n`);
    writeFileSync(join(d, 'memory.peak'), `${63 * 2 ** 20}\n`);
    writeFileSync(join(d, 'memory.max'), `${64 * 2 ** 20}\n`);
    writeFileSync(join(d, 'memory.high'), `${48 * 2 ** 20}\n`);
    writeFileSync(join(d, 'memory.events'), 'low 0\nhigh 17\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n');
    writeFileSync(join(d, 'memory.swap.current'), `${2 * 2 ** 20}\n`);
    writeFileSync(join(d, 'memory.swap.peak'), `${3 * 2 ** 20}\n`);
    writeFileSync(join(d, 'memory.swap.max'), `${8 * 2 ** 20}\n`);
    writeFileSync(join(d, 'memory.pressure'), 'some avg10=1.00 avg60=0.50 avg300=0.10 total=2500000\nfull avg10=0.50 avg60=0.20 avg300=0.05 total=1200000\n');
    writeFileSync(join(d, 'cpu.stat'), 'usage_usec 4321000\nuser_usec 4000000\nsystem_usec 321000\n');
    writeFileSync(join(d, 'cgroup.procs'), '');
    expect(job.usageKiB()).toBe(30 * 1024);
    expect(job.peakKiB()).toBe(63 * 1024);
    expect(job.limitKiB()).toBe(64 * 1024);
    expect(job.highKiB()).toBe(48 * 1024);
    expect(job.oomKills()).toBe(2);
    expect(job.swapUseKiB()).toBe(2 * 1024);
    expect(job.swapPeakKiB()).toBe(3 * 1024);
    expect(job.swapLimitKiB()).toBe(8 * 1024);
    expect(job.pressureTotalsUs()).toEqual({ someUs: 2_500_000, fullUs: 1_200_000 });
    expect(job.cpuUsageUs()).toBe(4_321_000);
    expect(job.pids()).toEqual([]);
  });

  it('has no peak before kernel 5.19 (no memory.peak): the caller samples', () => {
    const h = v2Root({ subtree: 'memory' });
    const made = JobCgroup.create({ h, parentPath: '/', name: 'oomtop-run-6', budget, unifiedParentDir: null });
    if (!made.ok) throw new Error(made.message);
    expect(made.job.peakKiB()).toBeNull();
    expect(made.job.swapPeakKiB()).toBeNull();
  });
});

describe('stale job cgroups', () => {
  it('count a PID as their owner only if that process started before the cgroup was made', () => {
    const up = Number.parseFloat(readFileSync('/proc/uptime', 'utf8'));
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const startedMs = Date.now() - up * 1000 + startTicks * 10;
    expect(ownerAlive('/proc', process.pid, startedMs + 5000)).toBe(true);
    expect(ownerAlive('/proc', process.pid, Date.now())).toBe(true);
    // A cgroup made a minute before this process started: this process only reuses the PID.
    expect(ownerAlive('/proc', process.pid, startedMs - 60_000)).toBe(false);
    expect(ownerAlive('/proc', Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1, Date.now())).toBe(false);
  });

  it('removes empty ones whose oomtop is gone, leaves live owners and busy ones alone', () => {
    const h = v2Root({ subtree: 'memory' });
    for (const n of ['oomtop-run-111', 'oomtop-run-222-x', 'oomtop-run-333', 'oomtop-run-444', 'unrelated']) mkdirSync(join(h.root, n));
    writeFileSync(join(h.root, 'oomtop-run-333', 'cgroup.procs'), '5000\n5001\n');
    // 444 is "alive"; 111, 222, 333 are gone; 555 is a PID reused by a process that started after its cgroup was made.
    mkdirSync(join(h.root, 'oomtop-run-555'));
    const made = new Map<number, number>();
    const r = removeStale(h, '/', null, (pid, madeMs) => {
      made.set(pid, madeMs);
      return pid === 444 || (pid === 555 && Date.now() + 60_000 <= madeMs + 1000);
    });
    expect(Math.abs(made.get(111)! - Date.now())).toBeLessThan(60_000);
    expect(r.removed.sort()).toEqual([join(h.root, 'oomtop-run-111'), join(h.root, 'oomtop-run-222-x'), join(h.root, 'oomtop-run-555')]);
    expect(r.busy).toEqual([{ dir: join(h.root, 'oomtop-run-333'), pids: 2 }]);
    expect(existsSync(join(h.root, 'oomtop-run-444'))).toBe(true);
    expect(existsSync(join(h.root, 'unrelated'))).toBe(true);
  });

  it('in a hybrid layout removes the v2 twins too, and twins whose memory cgroup is gone', () => {
    const h = v2Root({ subtree: 'memory' });
    const unified = mkdtempSync(join(tmpdir(), 'oomtop-run-unified-'));
    dirs.push(unified);
    for (const n of ['oomtop-run-111', 'oomtop-run-444']) mkdirSync(join(h.root, n));
    for (const n of ['oomtop-run-111', 'oomtop-run-222', 'oomtop-run-444', 'oomtop-run-666']) mkdirSync(join(unified, n));
    writeFileSync(join(unified, 'oomtop-run-666', 'cgroup.procs'), '77\n');
    const r = removeStale(h, '/', unified, (pid) => pid === 444);
    expect(r.removed.sort()).toEqual([join(h.root, 'oomtop-run-111'), join(unified, 'oomtop-run-222')].sort());
    expect(existsSync(join(unified, 'oomtop-run-111'))).toBe(false);
    expect(existsSync(join(unified, 'oomtop-run-444'))).toBe(true);
    expect(existsSync(join(unified, 'oomtop-run-666'))).toBe(true);
  });
});
