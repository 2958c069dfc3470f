/**
 * Faults around the real `oomtop guard` (bin/oomtop.js) on a real cgroup v1 memory group with a
 * small limit: SIGKILL while its intercept (oom_kill_disable=1) is set, a full (ENOSPC) and a
 * read-only state directory (small tmpfs mounts made here, unmounted after), the watched cgroup
 * removed while held, SIGSTOP then SIGCONT during pressure (no stale kill), and descriptor
 * exhaustion (ulimit -n). Root, cgroup v1 and a build (dist/) only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCgroup, realSkipReason } from '../guard/realcg.js';
import { sleep, until } from '../helpers/wait.js';

const repo = resolve(import.meta.dirname, '../..');
const BIN = join(repo, 'bin/oomtop.js');
const built = existsSync(join(repo, 'dist/cli/main.js'));
const skip = realSkipReason() ?? (built ? null : 'no build (npm run build)');
if (skip) console.log(`guard fault tests skipped: ${skip}`);

interface Guard {
  child: ChildProcess;
  events: Array<{ event: string; scope?: string; message?: string; pid?: number }>;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startGuard(args: string[], opts: { ulimitN?: number } = {}): Guard {
  const argv = [BIN, 'guard', '--json', ...args];
  const child =
    opts.ulimitN === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `ulimit -n ${opts.ulimitN} && exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Guard['events'] = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        events.push(JSON.parse(line));
      } catch {
        events.push({ event: 'unparsed', message: line });
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exit, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  return { child, events, stderr: () => err, exit };
}

function group(limitMiB: number): TestCgroup {
  const g = new TestCgroup(limitMiB);
  cleanups.push(() => g.cleanup());
  return g;
}

/** A tmpfs of `kib` KiB mounted on a fresh directory, unmounted (lazily if busy) after the test. */
function tmpfs(kib: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'oomtop-fault-tmpfs-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'oomtop-fault', dir], { encoding: 'utf8' });
  if (m.status !== 0) throw new Error(`mount tmpfs: ${m.stderr}`);
  cleanups.push(() => {
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const held = (e: Guard['events'][number]) => e.event === 'notice' && /holding the cgroup/.test(e.message ?? '');

async function waitEvent(g: Guard, pred: (e: Guard['events'][number]) => boolean, ms: number, what: string) {
  await until(() => g.events.some(pred) || g.child.exitCode !== null, ms, what);
  const hit = g.events.find(pred);
  if (!hit) throw new Error(`${what}: guard exited ${g.child.exitCode}; stderr ${g.stderr()}; events ${JSON.stringify(g.events)}`);
  return hit;
}

describe.skipIf(skip !== null)('oomtop guard under faults (real binary, real cgroup v1 group)', () => {
  it('SIGKILL of the guard while oom_kill_disable=1 is set: its watchdog puts 0 back', async () => {
    const g = group(64);
    const state = mkdtempSync(join(tmpdir(), 'oomtop-fault-state-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    const gd = startGuard(['--cgroup', g.path, '--state-dir', state]);
    await waitEvent(gd, held, 20_000, 'the intercept');
    expect(g.oomControl().oomKillDisable).toBe(1);
    expect(existsSync(join(state, `guard-${gd.child.pid}.json`))).toBe(true);
    gd.child.kill('SIGKILL');
    await gd.exit;
    await until(() => g.oomControl().oomKillDisable === 0, 10_000, 'the watchdog restoring oom_kill_disable=0');
  });

  for (const fault of ['ENOSPC', 'EROFS'] as const) {
    it(`a ${fault === 'ENOSPC' ? 'full' : 'read-only'} state directory (tmpfs): the guard still holds the cgroup, says the state file is not written, and restores on SIGTERM and on SIGKILL`, async () => {
      const fs = tmpfs(64);
      const state = join(fs, 'state');
      mkdirSync(state, { mode: 0o700 });
      if (fault === 'ENOSPC') {
        // Fill it: the state directory's own entry exists, no block is left for a file's bytes.
        spawnSync('sh', ['-c', `dd if=/dev/zero of=${fs}/fill bs=4k 2>/dev/null; true`]);
      } else {
        expect(spawnSync('mount', ['-o', 'remount,ro', fs]).status).toBe(0);
      }
      const g = group(64);
      for (const stop of ['SIGTERM', 'SIGKILL'] as const) {
        const gd = startGuard(['--cgroup', g.path, '--state-dir', state]);
        const notice = await waitEvent(gd, held, 20_000, 'the intercept');
        expect(notice.message).toContain(`state file not written: ${fault}; the watchdog still restores it if the guard dies`);
        expect(g.oomControl().oomKillDisable).toBe(1);
        gd.child.kill(stop);
        const ex = await gd.exit;
        if (stop === 'SIGTERM') expect(ex.code).toBe(0);
        await until(() => g.oomControl().oomKillDisable === 0, 10_000, `oom_kill_disable=0 after ${stop}`);
        expect(gd.stderr()).not.toMatch(/at .*\.js:\d+/); // no stack trace
      }
    });
  }

  it('the watched cgroup removed while the guard holds it: the guard goes on with the other group and stops cleanly', async () => {
    const g = group(64);
    const other = group(64); // a second group keeps the guard with something to watch
    const state = mkdtempSync(join(tmpdir(), 'oomtop-fault-state-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    const gd = startGuard(['--cgroup', g.path, '--cgroup', other.path, '--state-dir', state]);
    await until(() => gd.events.filter(held).length >= 2, 20_000, 'both intercepts');
    rmdirSync(g.dir);
    await sleep(2000);
    expect(gd.child.exitCode).toBeNull(); // still running
    expect(other.oomControl().oomKillDisable).toBe(1);
    gd.child.kill('SIGTERM');
    const ex = await gd.exit;
    expect(ex.code).toBe(0);
    expect(gd.stderr()).not.toMatch(/at .*\.js:\d+|TypeError|ENOENT.*\n.*at /);
    expect(other.oomControl().oomKillDisable).toBe(0);
    expect(readFileSync(join(other.dir, 'memory.oom_control'), 'utf8')).toMatch(/oom_kill_disable 0/);
  });

  it('SIGSTOP during pressure, the pressure gone by SIGCONT: no kill from the old samples', async () => {
    // TERM below 30 % available, KILL below 15 % of the 256 MiB; each hog is node (~10 MiB charged) plus what it allocates.
    const g = group(256);
    const gd = startGuard(['--cgroup', g.path, '--no-intercept', '--mem-term', '30', '--mem-kill', '15']);
    await waitEvent(gd, (e) => e.event === 'start', 20_000, 'the guard running');
    const hog = await g.startHog(['--rate', '200', '--total', '20']);
    await sleep(1500); // seen by the guard for a while, far from any threshold
    process.kill(gd.child.pid!, 'SIGSTOP');
    try {
      // While the guard sleeps, the group runs past TERM (about 20 % available) and back.
      const hog2 = await g.startHog(['--rate', 'max', '--total', '160']);
      await until(() => g.usageBytes() > 185 * 1024 * 1024, 15_000, 'the cgroup past its TERM threshold');
      await sleep(1500);
      hog.child.kill('SIGKILL');
      hog2.child.kill('SIGKILL');
      await Promise.all([hog.exited, hog2.exited]);
    } finally {
      process.kill(gd.child.pid!, 'SIGCONT');
    }
    // An innocent process in the group now; the guard wakes with its timers all due at once.
    const quiet = await g.startHog(['--total', '4']);
    await sleep(3000);
    expect(gd.events.filter((e) => e.event === 'term' || e.event === 'kill')).toEqual([]);
    expect(quiet.child.exitCode).toBeNull();
    expect(quiet.child.signalCode).toBeNull();
    expect(gd.child.exitCode).toBeNull();
    // The same pressure with the guard awake is acted on: the scenario is a real one.
    const again = await g.startHog(['--rate', 'max', '--total', '200']);
    await waitEvent(gd, (e) => (e.event === 'term' || e.event === 'kill') && e.pid === again.pid, 15_000, 'the guard acting on live pressure');
  });

  it('descriptors exhausted (ulimit -n 40): the guard runs on every cgroup without holding files, and stops cleanly', async () => {
    const g = group(64);
    const gd = startGuard(['--all-cgroups', '--dry-run', '--report', '1'], { ulimitN: 40 });
    await sleep(4000);
    expect(gd.child.exitCode).toBeNull();
    gd.child.kill('SIGTERM');
    const ex = await gd.exit;
    expect(ex.code).toBe(0);
    expect(gd.stderr()).not.toMatch(/EMFILE|at .*\.js:\d+/);
    void g;
  });

  it('descriptors exhausted (ulimit -n 40): --once --json still lists every process', () => {
    const r = spawnSync('/bin/sh', ['-c', `ulimit -n 40 && exec "$0" "$@"`, process.execPath, BIN, '--once', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/EMFILE|at .*\.js:\d+/);
    expect(r.status).toBe(0);
    const procs = JSON.parse(r.stdout).processes;
    expect(Array.isArray(procs)).toBe(true);
    // The same listing without the limit: processes come and go on a shared box, so within a margin.
    const free = JSON.parse(spawnSync(process.execPath, [BIN, '--once', '--json'], { encoding: 'utf8', timeout: 60_000 }).stdout).processes;
    expect(procs.length).toBeGreaterThan(free.length * 0.8);
    expect(procs.every((p: { pid: number; rssKiB?: number }) => Number.isInteger(p.pid))).toBe(true);
  });
});

