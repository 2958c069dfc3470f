/**
 * EACCES from oom_score_adj, explained by its real cause. The pure rule first, then for
 * real: oomtop's action code run as `nobody` (setpriv) against a root-owned child and
 * against its own child, and as this root without CAP_SYS_RESOURCE.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { explainAdjDenied, type AdjDenial } from '../../src/actions/explain.js';
import { adjOf, killStarted, startSleeper, startTimeOf } from '../helpers/children.js';
import { waitFor } from '../helpers/wait.js';

const ALL = (1n << 41n) - 1n;
const NONE = 0n;
const base: AdjDenial = { label: 'PID 42 (app)', before: 0, target: 500, callerUid: 1000, capEff: NONE, fileOwner: 1000, procReadOnly: false, lsms: ['capability', 'apparmor'] };

describe('explainAdjDenied: the cause that applies', () => {
  it("another user's process, whichever way the value goes (not the CAP_SYS_RESOURCE story)", () => {
    for (const target of [500, -500]) {
      const e = explainAdjDenied({ ...base, target, fileOwner: 0 });
      expect(e.message).toBe('PID 42 (app): belongs to root, and oomtop (uid 1000) may only change its own processes (EACCES)');
      expect(e.message).not.toMatch(/CAP_SYS_RESOURCE|lowering/);
      expect(e.hint).toBe('run oomtop as root');
    }
    expect(explainAdjDenied({ ...base, fileOwner: 33 }).hint).toBe('run oomtop as root or as uid 33');
  });

  it('lowering below the floor without CAP_SYS_RESOURCE, as a user or as root', () => {
    const user = explainAdjDenied({ ...base, target: -500 });
    expect(user.message).toMatch(/^PID 42 \(app\): lowering oom_score_adj from 0 to -500 needs CAP_SYS_RESOURCE, which oomtop \(uid 1000\) lacks \(EACCES:/);
    const root = explainAdjDenied({ ...base, target: -500, callerUid: 0, fileOwner: 1000, capEff: ALL & ~(1n << 24n) });
    expect(root.message).toMatch(/which oomtop \(root\) lacks \(EACCES, even as root/);
    expect(root.hint).toMatch(/OOMScoreAdjust=/);
  });

  it('a read-only /proc', () => {
    expect(explainAdjDenied({ ...base, procReadOnly: true }).message).toMatch(/\/proc is mounted read-only/);
  });

  it('none of those: a security module, with the active ones named', () => {
    const e = explainAdjDenied({ ...base, target: 500 });
    expect(e.message).toBe('PID 42 (app): changing oom_score_adj from 0 to 500 was denied although oomtop (uid 1000) has the permissions: a security module refused it (active: apparmor)');
    expect(e.hint).toMatch(/audit log/);
    // Root with every capability lowering: only an LSM can say no.
    expect(explainAdjDenied({ ...base, target: -500, callerUid: 0, fileOwner: 5, capEff: ALL }).message).toMatch(/security module/);
  });
});

const repo = resolve(import.meta.dirname, '../..');
const built = existsSync(resolve(repo, 'dist/actions/adjust.js'));
const root = process.getuid?.() === 0;
const setpriv = spawnSync('setpriv', ['--version']).status === 0;
const skip = !root ? 'not root' : !setpriv ? 'no setpriv' : !built ? 'not built' : null;
if (skip) console.log(`[oomtop] skipping the unprivileged EACCES tests: ${skip}`);
const NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

const nobodyChildren: number[] = [];
afterEach(() => {
  killStarted();
  for (const pid of nobodyChildren.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** setOomScoreAdj run by nobody, in a process of its own; its result as JSON. */
function adjustAsNobody(pid: number, value: number): { ok: boolean; error?: { code: string; message: string; hint: string | null } } {
  const script = `
    const { setOomScoreAdj } = await import(${JSON.stringify(resolve(repo, 'dist/actions/adjust.js'))});
    const r = setOomScoreAdj({ pid: ${pid}, startTimeTicks: ${startTimeOf(pid)}, name: 'child' }, ${value}, { procRoot: '/proc' });
    console.log(JSON.stringify(r));`;
  const r = spawnSync('setpriv', [...NOBODY, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', cwd: '/', timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(skip !== null)('EACCES for real, as nobody', () => {
  it("raising a root process's adj: it belongs to root (not \"lowering needs CAP_SYS_RESOURCE\")", () => {
    const c = startSleeper();
    const r = adjustAsNobody(c.pid!, 500);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('EACCES');
    expect(r.error?.message).toBe('PID ' + c.pid + ' (child): belongs to root, and oomtop (uid 65534) may only change its own processes (EACCES)');
    expect(r.error?.hint).toBe('run oomtop as root');
    expect(adjOf(c.pid!)).toBe(0);
  });

  it('lowering its own process below the floor: needs CAP_SYS_RESOURCE; raising it works', async () => {
    // setpriv execs sleep: the PID is nobody's sleeper.
    const own = spawn('setpriv', [...NOBODY, 'sleep', '60'], { stdio: 'ignore' });
    nobodyChildren.push(own.pid!);
    await waitFor(() => (readFileSync(`/proc/${own.pid}/comm`, 'utf8') === 'sleep\n' ? true : undefined));
    expect(/^Uid:\s+65534\s+65534/m.test(readFileSync(`/proc/${own.pid}/status`, 'utf8'))).toBe(true);
    const down = adjustAsNobody(own.pid!, -100);
    expect(down.ok).toBe(false);
    expect(down.error?.message).toMatch(/lowering oom_score_adj from 0 to -100 needs CAP_SYS_RESOURCE, which oomtop \(uid 65534\) lacks/);
    expect(adjustAsNobody(own.pid!, 300)).toMatchObject({ ok: true, before: 0, after: 300 });
  });
});
