import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTarget, killSafely, setOomScoreAdj, signalProcess } from '../../src/actions/index.js';
import { adjOf, exited, killStarted, startHog, startSleeper, startTimeOf } from '../helpers/children.js';
import { until } from '../helpers/wait.js';

afterEach(killStarted);
const opts = { procRoot: '/proc' };
const refOf = (pid: number) => ({ pid, startTimeTicks: startTimeOf(pid), name: 'child' });
const canRaiseCap = (() => {
  // CAP_SYS_RESOURCE is bit 24 of CapEff.
  try {
    const eff = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return eff ? (BigInt(`0x${eff}`) >> 24n) & 1n : 0n;
  } catch {
    return 0n;
  }
})();

describe('setOomScoreAdj on a real child', () => {
  it('raises the real oom_score_adj and reports before/after', () => {
    const c = startSleeper();
    const r = setOomScoreAdj(refOf(c.pid!), 500, opts);
    expect(r).toMatchObject({ ok: true, before: 0, after: 500 });
    expect(adjOf(c.pid!)).toBe(500);
    // Back down to the floor (0) is allowed without privileges.
    expect(setOomScoreAdj(refOf(c.pid!), 0, opts)).toMatchObject({ ok: true, after: 0 });
  });

  it('clamps to -1000..1000', () => {
    const c = startSleeper();
    expect(setOomScoreAdj(refOf(c.pid!), 5000, opts)).toMatchObject({ ok: true, after: 1000 });
  });

  it.skipIf(canRaiseCap === 1n)('explains EACCES below the floor without CAP_SYS_RESOURCE', () => {
    const c = startSleeper();
    const r = setOomScoreAdj(refOf(c.pid!), -500, opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('EACCES');
    expect(r.error.message).toMatch(/lowering oom_score_adj from 0 to -500 needs CAP_SYS_RESOURCE, which oomtop \(root\) lacks \(EACCES, even as root/);
    expect(r.error.hint).toMatch(/OOMScoreAdjust=/);
    expect(adjOf(c.pid!)).toBe(0);
  });

  it('refuses a PID whose start time changed (PID reuse) and touches nothing', () => {
    const c = startSleeper();
    const stale = { pid: c.pid!, startTimeTicks: startTimeOf(c.pid!) - 1, name: 'old' };
    const r = setOomScoreAdj(stale, 700, opts);
    expect(r).toMatchObject({ ok: false, error: { code: 'REUSED' } });
    expect(adjOf(c.pid!)).toBe(0);
    expect(signalProcess(stale, 'SIGKILL', opts)).toMatchObject({ ok: false, error: { code: 'REUSED' } });
    expect(c.exitCode).toBeNull();
  });

  it('refuses read-only mode, init, itself and kernel threads', () => {
    const c = startSleeper();
    expect(checkTarget(refOf(c.pid!), { ...opts, readOnly: true })).toMatchObject({ ok: false, error: { code: 'READONLY' } });
    expect(checkTarget({ pid: 1, startTimeTicks: startTimeOf(1) }, opts)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(checkTarget(refOf(process.pid), opts)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(checkTarget({ pid: 2 ** 22 + 1, startTimeTicks: 1 }, opts)).toMatchObject({ ok: false, error: { code: 'ESRCH' } });
  });
});

describe('killSafely on real children', () => {
  it('SIGTERM ends a well-behaved process', async () => {
    const c = startSleeper();
    const out = await killSafely(refOf(c.pid!), 'SIGTERM', { ...opts, graceMs: 3000, escalation: 'auto' });
    expect(out.kind).toBe('exited');
    await exited(c);
    expect(c.signalCode).toBe('SIGTERM');
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const c = await startHog(8, { ignoreTerm: true });
    const out = await killSafely(refOf(c.pid!), 'SIGTERM', { ...opts, graceMs: 500, escalation: 'auto' });
    expect(out).toMatchObject({ kind: 'escalated', exited: true });
    await exited(c);
    expect(c.signalCode).toBe('SIGKILL');
  });

  it("with 'ask' reports it still alive and sends nothing more", async () => {
    const c = await startHog(8, { ignoreTerm: true });
    const out = await killSafely(refOf(c.pid!), 'SIGTERM', { ...opts, graceMs: 300, escalation: 'ask' });
    expect(out.kind).toBe('still-alive');
    expect(c.exitCode).toBeNull();
    expect(c.signalCode).toBeNull();
  });
});

describe('group signals on real children', () => {
  it('signals every member of a group that holds only allowed processes', async () => {
    const { spawn } = await import('node:child_process');
    // A new group: sh (leader) with two sleeping children.
    const leader = spawn('sh', ['-c', 'sleep 60 & sleep 60 & wait'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const members = () =>
      readFileSync(`/proc/${leader.pid}/task/${leader.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    const kids = members();
    expect(kids).toHaveLength(2);
    const r = signalProcess(refOf(leader.pid!), 'SIGKILL', { ...opts, group: true });
    expect(r).toEqual({ ok: true });
    await exited(leader);
    for (const k of kids) await until(() => { try { return readFileSync(`/proc/${k}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'); } catch { return true; } });
  });

  it('refuses the whole group when a member is excluded, and signals nobody', async () => {
    const { spawn } = await import('node:child_process');
    const leader = spawn('sh', ['-c', 'sleep 60 & sleep 60 & wait'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const kids = readFileSync(`/proc/${leader.pid}/task/${leader.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const r = signalProcess(refOf(leader.pid!), 'SIGKILL', { ...opts, group: true, groupMemberAllowed: (pid) => pid !== kids[1] });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    if (!r.ok) expect(r.error.message).toMatch(/excluded by the policy/);
    expect(leader.exitCode).toBeNull();
    for (const k of kids) expect(readFileSync(`/proc/${k}/stat`, 'utf8')).toMatch(/\) S /);
    process.kill(-leader.pid!, 'SIGKILL');
    await exited(leader);
  });
});
