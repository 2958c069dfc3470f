import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memcgSkipReason, TestMemcg, V1_MEMORY } from '../helpers/memcg.js';
import { until } from '../helpers/wait.js';

/*
 * `oomtop run` end to end on the real cgroup v1 memory controller of this machine (as
 * root): real OOM kills inside small budgets, real signals, the real exit status. Each run
 * makes its cgroup under the memory cgroup this test runs in, and must remove it.
 */

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/oomtop.js');
const built = existsSync(join(repo, 'dist/cli/main.js'));
const skip = memcgSkipReason ?? (built ? null : 'not built (npm run build)');
if (skip) console.warn(`oomtop run real-cgroup tests skipped: ${skip}`);

/** Our own memory cgroup's directory: oomtop run (our child) makes the job's cgroup there. */
function ownMemcgDir(): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes('memory'));
  const path = line ? line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1) : '/';
  return path === '/' ? V1_MEMORY : join(V1_MEMORY, path);
}

function jobDirs(): string[] {
  return readdirSync(ownMemcgDir()).filter((n) => n.startsWith('oomtop-run-'));
}

interface Report {
  exitCode: number;
  signal: string | null;
  oomKilled: boolean | null;
  oomKills: number | null;
  peakKiB: number;
  peakSource: string;
  limitKiB: number;
  swapPeakKiB: number | null;
  wallS: number;
  cpuS: number | null;
  cgroup: string;
  removed: boolean;
  leftovers: number;
  guard: { terms: number; kills: number } | null;
}

function oomtop(args: string[], opts: { timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [bin, 'run', ...args], { encoding: 'utf8', timeout: opts.timeout ?? 30_000 });
  const last = r.stdout.trimEnd().split('\n').at(-1) ?? '';
  let report: Report | null = null;
  try {
    report = JSON.parse(last) as Report;
  } catch {
    /* not --json, or no report */
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, report };
}

let work = '';
/** argv of a job that allocates and touches `mib` MiB (C when a compiler is here, else node), then exits 0. */
let alloc: (mib: number, stepMs?: number) => string[] = () => [];

beforeAll(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'oomtop-run-test-'));
  const exe = join(work, 'alloc');
  const cc = spawnSync('cc', ['-O1', '-o', exe, join(import.meta.dirname, 'fixtures/alloc.c')]);
  if (cc.status === 0) {
    alloc = (mib, stepMs = 0) => [exe, String(mib), String(stepMs)];
  } else {
    const code = `const [m,s]=process.argv.slice(1).map(Number);const k=[];let i=0;const step=()=>{for(;i<m;){const b=Buffer.alloc(1<<20);b.fill(i&255|1);k.push(b);i++;if(s>0)return setTimeout(step,s)}};step()`;
    alloc = (mib, stepMs = 0) => [process.execPath, '-e', code, String(mib), String(stepMs)];
  }
});

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skip !== null)('oomtop run on real cgroup v1', () => {
  it('a job that allocates 200 MiB under --memory 64M is OOM-killed: oomKilled true, exit 137, cgroup gone', () => {
    const before = jobDirs();
    const r = oomtop(['--json', '--memory', '64M', '--', ...alloc(200)]);
    expect(r.status).toBe(137);
    expect(r.report).toMatchObject({ exitCode: 137, signal: 'SIGKILL', oomKilled: true, limitKiB: 64 * 1024, removed: true });
    expect(r.report!.oomKills).toBeGreaterThanOrEqual(1);
    expect(r.report!.peakKiB).toBeGreaterThan(60 * 1024);
    expect(r.report!.peakKiB).toBeLessThanOrEqual(64 * 1024);
    expect(existsSync(r.report!.cgroup)).toBe(false);
    expect(jobDirs()).toEqual(before);
  });

  it('a job of 20 MiB under --memory 128M exits 0, its peak within 10% of 20 MiB plus the runtime base', () => {
    const base = oomtop(['--json', '--memory', '128M', '--', ...alloc(0)]);
    expect(base.status).toBe(0);
    const r = oomtop(['--json', '--memory', '128M', '--', ...alloc(20)]);
    expect(r.status).toBe(0);
    expect(r.report).toMatchObject({ exitCode: 0, signal: null, oomKilled: false, oomKills: 0, peakSource: 'kernel', limitKiB: 128 * 1024 });
    const want = 20 * 1024 + base.report!.peakKiB;
    expect(Math.abs(r.report!.peakKiB - want)).toBeLessThanOrEqual(want * 0.1);
    expect(r.report!.wallS).toBeGreaterThan(0);
    expect(r.report!.cpuS).not.toBeNull();
    expect(existsSync(r.report!.cgroup)).toBe(false);
  });

  it("passes CMD's exit status through, and its output before the report", () => {
    const r = oomtop(['--memory', '64M', '--', 'sh', '-c', 'exit 3']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^oomtop run: sh -c 'exit 3' exited with status 3 after/m);
    expect(r.stderr).toMatch(/OOM: no OOM kill in the job's cgroup/);
    expect(r.stderr).toMatch(/cgroup v1, made directly in cgroupfs .*; removed$/m);
    const j = oomtop(['--json', '--memory', '64M', '--', 'sh', '-c', 'echo out; echo err >&2; exit 4']);
    expect(j.status).toBe(4);
    expect(j.stdout.split('\n')[0]).toBe('out');
    expect(j.report).toMatchObject({ exitCode: 4, signal: null });
    expect(j.stderr).toBe('err\n');
    expect(oomtop(['--memory', '64M', '--', 'no-such-command-oomtop']).status).toBe(127);
  });

  it('forwards SIGTERM, SIGINT and SIGHUP to CMD; the exit status is what CMD makes of them', async () => {
    const cases: [NodeJS.Signals, string, number][] = [
      ['SIGTERM', `trap 'echo got TERM; exit 7' TERM`, 7],
      ['SIGINT', `trap 'echo got INT; exit 8' INT`, 8],
      ['SIGHUP', `trap 'echo got HUP; exit 9' HUP`, 9],
      ['SIGTERM', '', 143],
    ];
    await Promise.all(
      cases.map(async ([sig, trap, want]) => {
        const script = `${trap}${trap ? '; ' : ''}echo ready; while :; do sleep 0.05; done`;
        const c = spawn(process.execPath, [bin, 'run', '--json', '--memory', '64M', '--', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        started.push(c);
        let out = '';
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        await until(() => out.includes('ready'), 10_000, `${sig}: job ready`);
        const code = new Promise<number | null>((r) => c.once('exit', (n) => r(n)));
        c.kill(sig);
        expect(await code, `${sig} ${trap}`).toBe(want);
        if (trap) expect(out).toContain(`got ${sig.slice(3)}`);
        const rep = JSON.parse(out.trimEnd().split('\n').at(-1)!) as Report;
        expect(rep.exitCode).toBe(want);
        expect(rep.signal).toBe(want === 143 ? 'SIGTERM' : null);
        expect(rep.removed).toBe(true);
      }),
    );
  });

  it('ends what CMD leaves running in the cgroup, then removes it', () => {
    const r = oomtop(['--json', '--memory', '64M', '--', 'sh', '-c', 'sleep 60 & exit 0']);
    expect(r.status).toBe(0);
    expect(r.report).toMatchObject({ leftovers: 1, removed: true });
    expect(r.report!.wallS).toBeLessThan(20);
  });

  it('says clearly that cgroup v1 has no memory.high, and still runs under the hard limit', () => {
    const r = oomtop(['--memory', '64M', '--high', '32M', '--', 'true']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(
      'oomtop run: warning: --high: cgroup v1 has no memory.high (throttling below the limit needs cgroup v2); only the hard limit --memory applies',
    );
  });

  it('limits swap with memsw on v1 (memory + swap)', () => {
    if (!existsSync(join(V1_MEMORY, 'memory.memsw.limit_in_bytes'))) return; // no swap accounting: the warning path is covered by fixtures
    const r = oomtop(['--json', '--memory', '64M', '--swap', '16M', '--', 'true']);
    expect(r.status).toBe(0);
    expect(r.report).toMatchObject({ swapLimitKiB: 16 * 1024 });
  });

  it('--guard ends the job with SIGTERM before the kernel has to: exit 143, no OOM kill', () => {
    // 50 MiB/s: some 130 ms between the guard's TERM threshold (10% left) and the limit.
    const r = oomtop(['--json', '--memory', '64M', '--guard', '--', ...alloc(200, 20)]);
    expect(r.status).toBe(143);
    expect(r.report).toMatchObject({ exitCode: 143, signal: 'SIGTERM', oomKilled: false, oomKills: 0, removed: true });
    expect(r.report!.guard!.terms).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toMatch(/guard .*oomtop-run-\d+: sent SIGTERM to PID \d+/);
  });

  it('--guard first restores the v1 intercept (oom_kill_disable) a dead guard left in its state file, and names the setting', async () => {
    const held = new TestMemcg(64);
    const state = mkdtempSync(join(tmpdir(), 'oomtop-run-state-'));
    try {
      writeFileSync(join(held.dir, 'memory.oom_control'), '1');
      expect(readFileSync(join(held.dir, 'memory.oom_control'), 'utf8')).toMatch(/^oom_kill_disable 1$/m);
      // A PID above pid_max stands for the guard that died.
      writeFileSync(join(state, 'guard-99999999.json'), JSON.stringify({ pid: 99999999, startTimeTicks: 1, dirs: [held.dir] }));
      const r = oomtop(['--json', '--memory', '64M', `--guard-opts=--state-dir ${state}`, '--', 'true']);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`oomtop run: guard: restored oom_kill_disable=0 in ${held.dir}, left by a guard that died`);
      expect(readFileSync(join(held.dir, 'memory.oom_control'), 'utf8')).toMatch(/^oom_kill_disable 0$/m);
      expect(existsSync(join(state, 'guard-99999999.json'))).toBe(false);
    } finally {
      rmSync(state, { recursive: true, force: true });
      await held.remove();
    }
  });

  it('refuses a budget larger than the machine or the parent cgroup (exit 2)', () => {
    const r = oomtop(['--memory', '100000G', '--', 'true']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^oomtop run: --memory: \d+ MiB is more than this machine's memory \(\d+ MiB\)\n$/);
    // oomtop run started inside a cgroup limited to 32 MiB: a 64 MiB budget cannot be had.
    const parent = new TestMemcg(32);
    try {
      const p = spawnSync('sh', ['-c', `echo $$ > ${parent.dir}/cgroup.procs && exec "$0" "$@"`, process.execPath, bin, 'run', '--memory', '64M', '--', 'true'], { encoding: 'utf8', timeout: 20_000 });
      expect(p.status).toBe(2);
      expect(p.stderr).toContain(`--memory: 64 MiB is more than the limit of the parent cgroup ${parent.path} (32 MiB)`);
      expect(readdirSync(parent.dir).filter((n) => n.startsWith('oomtop-run-'))).toEqual([]);
    } finally {
      void parent.remove();
    }
  });

  it('without permission to create cgroups says so and how to fix it (exit 2)', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, 'run', '--memory', '64M', '--', 'true'], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) return; // no setpriv
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot create the memory cgroup .*oomtop-run-\d+ \(EACCES\)/);
    expect(r.stderr).toContain('run it as root (sudo oomtop run ...)');
    expect(r.stderr).toContain('systemd-run --user --scope -p MemoryMax=SIZE CMD');
  });

  it('removes job cgroups a dead oomtop left behind, but not live or busy ones', async () => {
    // A PID above pid_max has never run (a PID of an exited process could come back: PIDs wrap).
    const dead = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    const own = ownMemcgDir();
    const stale = join(own, `oomtop-run-${dead}`);
    const staleNamed = join(own, `oomtop-run-${dead}-nightly`);
    const live = join(own, `oomtop-run-${process.pid}`);
    mkdirSync(stale);
    mkdirSync(staleNamed);
    mkdirSync(live);
    try {
      const r = oomtop(['--memory', '64M', '--', 'true']);
      expect(r.status).toBe(0);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(staleNamed)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      for (const d of [stale, staleNamed, live]) if (existsSync(d)) rmdirSync(d);
    }
    // A stale one with a process in it is left alone and named.
    const busy = join(own, `oomtop-run-${dead}`);
    mkdirSync(busy);
    const sleeper = spawn('sh', ['-c', `echo $$ > ${busy}/cgroup.procs && exec sleep 30`], { stdio: 'ignore' });
    started.push(sleeper);
    try {
      await until(() => readFileSync(join(busy, 'cgroup.procs'), 'utf8').trim() !== '', 5000, 'sleeper in the cgroup');
      const r = oomtop(['--memory', '64M', '--', 'true']);
      expect(r.stderr, r.stderr).toContain(`left ${busy} alone: the oomtop that made it is gone, but 1 of its processes still run there`);
      expect(existsSync(busy)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      await until(() => sleeper.exitCode !== null || sleeper.signalCode !== null, 5000, 'sleeper gone');
      await until(() => {
        try {
          rmdirSync(busy);
          return true;
        } catch {
          return false;
        }
      }, 5000, 'busy cgroup removed');
    }
  });

  it('after oomtop itself is SIGKILLed, the next run removes the cgroup it left', async () => {
    const c = spawn(process.execPath, [bin, 'run', '--memory', '64M', '--', 'sh', '-c', 'echo ready; sleep 0.5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(c);
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => out.includes('ready'), 10_000, 'job ready');
    const left = join(ownMemcgDir(), `oomtop-run-${c.pid}`);
    expect(existsSync(left)).toBe(true);
    c.kill('SIGKILL');
    // The job runs on without its oomtop; once it has finished its cgroup is empty.
    await until(() => readFileSync(join(left, 'cgroup.procs'), 'utf8').trim() === '', 10_000, 'orphaned job done');
    const r = oomtop(['--memory', '64M', '--', 'true']);
    expect(r.status).toBe(0);
    expect(existsSync(left)).toBe(false);
  });

  it('CMD inherits stdin, the environment and the working directory', () => {
    const r = spawnSync(process.execPath, [bin, 'run', '--memory', '64M', '--', 'sh', '-c', 'read line; echo "in=$line env=$OOMTOP_RUN_TEST cwd=$(pwd)"'], {
      encoding: 'utf8',
      input: 'hello\n',
      cwd: work,
      env: { ...process.env, OOMTOP_RUN_TEST: 'yes' },
      timeout: 20_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`in=hello env=yes cwd=${work}\n`);
  });

  it("measures the job's CPU time, and reads its PSI where the kernel keeps it per cgroup", () => {
    const r = oomtop(['--json', '--memory', '64M', '--', 'sh', '-c', 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done']);
    expect(r.status).toBe(0);
    const rep = r.report as Report & { psiSomeS: number | null; cpuSource: string };
    expect(rep.cpuS).toBeGreaterThan(0.05);
    expect(rep.cpuS!).toBeLessThanOrEqual(rep.wallS * 2 + 0.1);
    if (existsSync('/sys/fs/cgroup/unified/cgroup.procs') && existsSync('/proc/pressure/memory')) {
      // Hybrid: the job's twin cgroup in the v2 tree gives cpu.stat and memory.pressure.
      expect(rep.cpuSource).toBe('cgroup');
      expect(rep.psiSomeS).not.toBeNull();
    }
  });

  it('the job cgroup holds the limit it was given while CMD runs', () => {
    const r = oomtop(['--memory', '48M', '--', 'sh', '-c', 'cat /proc/self/cgroup']);
    const line = r.stdout.split('\n').find((l) => l.split(':')[1]?.split(',').includes('memory'))!;
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    expect(path).toMatch(/\/oomtop-run-\d+$/);
    // Gone now; its limit was reported.
    expect(existsSync(join(V1_MEMORY, path))).toBe(false);
    expect(r.stderr).toMatch(/memory: peak \S+ of 48M/);
  });
});
