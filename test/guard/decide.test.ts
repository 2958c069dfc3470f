import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, decide, settle, wantsProcesses } from '../../src/guard/decide.js';
import type { Candidate, ScopeSample, ScopeState } from '../../src/guard/types.js';
import { policy, proc, sample } from './helpers.js';

const SELF = 4242;
const prot = new Set([SELF]);

function run(argv: string[], state: ScopeState, s: ScopeSample, procs: Candidate[] | null) {
  return decide({ policy: policy(argv), state, sample: s, procs, protectedPids: prot, scope: '/test' });
}

/** Decide, then pretend every action succeeded (as the engine does after signalProcess). */
function step(argv: string[], state: ScopeState, s: ScopeSample, procs: Candidate[] | null) {
  const d = run(argv, state, s, procs);
  let st = d.state;
  const events = [...d.events];
  for (const a of d.actions) {
    const out = settle(st, a, { ok: true }, s, '/test', s.timeMs);
    st = out.state;
    events.push(out.event);
  }
  return { d, state: st, events };
}

const hog = proc(100, 600);
const small = proc(101, 50);
const procs = [small, hog];

describe('thresholds', () => {
  it('does nothing and reads no processes above the TERM threshold', () => {
    const d = run([], INITIAL_STATE, sample(101), null);
    expect(d.level).toBe('ok');
    expect(d.actions).toEqual([]);
    expect(wantsProcesses(INITIAL_STATE, d.level)).toBe(false);
  });

  it('sends SIGTERM to the biggest process at the TERM threshold', () => {
    const d = run([], INITIAL_STATE, sample(100), procs);
    expect(d.level).toBe('term');
    expect(d.actions).toHaveLength(1);
    expect(d.actions[0]).toMatchObject({ signal: 'SIGTERM', dry: false, victim: { pid: 100 } });
  });

  it('sends SIGKILL straight away at the KILL threshold', () => {
    const d = run([], INITIAL_STATE, sample(50), procs);
    expect(d.level).toBe('kill');
    expect(d.actions[0]).toMatchObject({ signal: 'SIGKILL', victim: { pid: 100 } });
  });

  it('needs swap low too when there is swap', () => {
    const swapFull = { swapTotalKiB: 1000 * 1024, swapFreeKiB: 500 * 1024 };
    expect(run([], INITIAL_STATE, sample(40, 1, swapFull), procs).actions).toEqual([]);
    const swapLow = { swapTotalKiB: 1000 * 1024, swapFreeKiB: 40 * 1024 };
    expect(run([], INITIAL_STATE, sample(40, 1, swapLow), procs).actions[0]?.signal).toBe('SIGKILL');
  });

  it('honours MiB thresholds (the lower of size and percentage)', () => {
    expect(run(['--mem-term-mib', '200'], INITIAL_STATE, sample(150), procs).actions[0]?.signal).toBe('SIGTERM');
    expect(run(['--mem-term', '10', '--mem-term-mib', '50'], INITIAL_STATE, sample(80), procs).actions).toEqual([]);
  });

  it('treats a cgroup held at its limit as the KILL level', () => {
    const d = run([], INITIAL_STATE, sample(500, 1, { held: true }), procs);
    expect(d).toMatchObject({ level: 'kill', trigger: 'held' });
    expect(d.actions[0]?.signal).toBe('SIGKILL');
  });

  it('raises TERM on PSI only after the stall lasted the whole duration', () => {
    const argv = ['--psi-full', '20', '--psi-duration', '2'];
    let d = run(argv, INITIAL_STATE, sample(500, 10_000, { psiFullAvg10: 30 }), procs);
    expect(d.level).toBe('ok');
    d = run(argv, d.state, sample(500, 11_000, { psiFullAvg10: 30 }), procs);
    expect(d.level).toBe('ok');
    d = run(argv, d.state, sample(500, 12_000, { psiFullAvg10: 30 }), procs);
    expect(d).toMatchObject({ level: 'term', trigger: 'psi' });
    // A dip resets the timer.
    const dip = run(argv, d.state, sample(500, 12_500, { psiFullAvg10: 5 }), procs);
    expect(dip.state.psiSinceMs).toBeNull();
  });
});

describe('escalation', () => {
  it('escalates to SIGKILL when the victim outlives --term-timeout', () => {
    let r = step([], INITIAL_STATE, sample(90, 0), procs);
    expect(r.events.map((e) => e.event)).toEqual(['term']);
    r = step([], r.state, sample(90, 4_999), procs);
    expect(r.d.actions).toEqual([]);
    r = step([], r.state, sample(90, 5_000), procs);
    expect(r.d.actions[0]).toMatchObject({ signal: 'SIGKILL', victim: { pid: 100 } });
    expect(r.events.map((e) => e.event)).toEqual(['kill']);
  });

  it('escalates at once when the KILL threshold is reached', () => {
    let r = step([], INITIAL_STATE, sample(90, 0), procs);
    r = step([], r.state, sample(40, 100), procs);
    expect(r.d.actions[0]).toMatchObject({ signal: 'SIGKILL', victim: { pid: 100 } });
  });

  it('gives up on a SIGKILLed victim that does not exit and then picks another', () => {
    let r = step(['--kill-wait', '1'], INITIAL_STATE, sample(40, 0), procs);
    r = step(['--kill-wait', '1'], r.state, sample(40, 999), procs);
    expect(r.events).toEqual([]);
    r = step(['--kill-wait', '1'], r.state, sample(40, 1000), procs);
    expect(r.events.map((e) => e.event)).toEqual(['stuck']);
    r = step(['--kill-wait', '1'], r.state, sample(40, 1010), procs);
    expect(r.d.actions[0]?.victim.pid).toBe(101);
  });
});

describe('recovery and one victim at a time', () => {
  it('does not act when memory recovered before the threshold was crossed', () => {
    expect(run([], INITIAL_STATE, sample(100.5), procs).actions).toEqual([]);
  });

  it('never sends SIGKILL after a SIGTERM when memory recovered meanwhile', () => {
    let r = step([], INITIAL_STATE, sample(90, 0), procs);
    r = step([], r.state, sample(300, 6_000), procs);
    expect(r.d.actions).toEqual([]);
    expect(r.events.map((e) => e.event)).toEqual(['recovered']);
    expect(r.state.pending).toBeNull();
  });

  it('chooses nobody else while the victim runs, and nobody in the tick that sees it exit', () => {
    let r = step([], INITIAL_STATE, sample(90, 0), procs);
    r = step([], r.state, sample(30, 10), procs);
    expect(r.d.actions.map((a) => a.victim.pid)).toEqual([100]);
    // The victim is gone, memory still low in this (stale) sample: report the exit only.
    r = step([], r.state, sample(30, 20), [small]);
    expect(r.events.map((e) => e.event)).toEqual(['exited']);
    expect(r.d.actions).toEqual([]);
    // The next fresh sample may choose again.
    r = step([], r.state, sample(30, 30), [small]);
    expect(r.d.actions[0]?.victim.pid).toBe(101);
  });

  it('treats a reused PID as the victim gone and never signals the newcomer', () => {
    let r = step([], INITIAL_STATE, sample(90, 0), procs);
    const impostor = proc(100, 900, { startTimeTicks: hog.startTimeTicks + 5 });
    r = step([], r.state, sample(40, 6_000), [small, impostor]);
    expect(r.d.actions).toEqual([]);
    expect(r.events.map((e) => e.event)).toEqual(['exited']);
  });

  it('counts a zombie victim as exited', () => {
    let r = step([], INITIAL_STATE, sample(90, 0), procs);
    r = step([], r.state, sample(90, 10), [small, { ...hog, zombie: true }]);
    expect(r.events.map((e) => e.event)).toEqual(['exited']);
  });
});

describe('dry run', () => {
  it('decides and logs would-term / would-kill without real signals, once per step', () => {
    let r = step(['--dry-run'], INITIAL_STATE, sample(90, 0), procs);
    expect(r.d.actions[0]?.dry).toBe(true);
    expect(r.events.map((e) => e.event)).toEqual(['would-term']);
    r = step(['--dry-run'], r.state, sample(90, 100), procs);
    expect(r.events).toEqual([]);
    r = step(['--dry-run'], r.state, sample(90, 5_000), procs);
    expect(r.events.map((e) => e.event)).toEqual(['would-kill']);
    expect(r.d.actions.every((a) => a.dry)).toBe(true);
    r = step(['--dry-run'], r.state, sample(90, 6_000), procs);
    expect(r.events).toEqual([]);
    r = step(['--dry-run'], r.state, sample(500, 7_000), procs);
    expect(r.events.map((e) => e.event)).toEqual(['recovered']);
  });
});

describe('never-kill rules and preferences', () => {
  it('never picks PID 1, kernel threads, zombies, adj -1000, itself or --ignore matches', () => {
    const forbidden = [
      proc(1, 900),
      proc(2, 900, { kernelThread: true }),
      proc(3, 900, { zombie: true }),
      proc(4, 900, { oomScoreAdj: -1000 }),
      proc(SELF, 900),
      proc(6, 900, { name: 'postgres' }),
    ];
    const d = run(['--ignore', '^postgres$'], INITIAL_STATE, sample(40), [...forbidden, proc(7, 10)]);
    expect(d.actions[0]?.victim.pid).toBe(7);
    const none = run(['--ignore', '^postgres$'], INITIAL_STATE, sample(40), forbidden);
    expect(none.actions).toEqual([]);
    expect(none.events.map((e) => e.event)).toEqual(['no-victim']);
    // Reported once per danger episode.
    expect(run(['--ignore', '^postgres$'], none.state, sample(40), forbidden).events).toEqual([]);
  });

  it('--prefer beats size, --avoid loses to anything else, both on name or command line', () => {
    const a = proc(10, 800, { name: 'db', cmdline: '/usr/bin/db' });
    const b = proc(11, 20, { name: 'batch', cmdline: 'python3 batch.py' });
    expect(run(['--prefer', 'batch\\.py'], INITIAL_STATE, sample(40), [a, b]).actions[0]?.victim.pid).toBe(11);
    expect(run(['--avoid', '^db$'], INITIAL_STATE, sample(40), [a, b]).actions[0]?.victim.pid).toBe(11);
    expect(run(['--avoid', '^db$'], INITIAL_STATE, sample(40), [a]).actions[0]?.victim.pid).toBe(10);
  });

  it('follows the kernel badness (adj) unless --sort-by-rss', () => {
    const big = proc(20, 500);
    const adjusted = proc(21, 100, { oomScoreAdj: 500 });
    expect(run([], INITIAL_STATE, sample(40), [big, adjusted]).actions[0]?.victim.pid).toBe(21);
    expect(run(['--sort-by-rss'], INITIAL_STATE, sample(40), [big, adjusted]).actions[0]?.victim.pid).toBe(20);
  });

  it('sends group signals only with --kill-group', () => {
    expect(run([], INITIAL_STATE, sample(40), procs).actions[0]?.group).toBe(false);
    expect(run(['--kill-group'], INITIAL_STATE, sample(40), procs).actions[0]?.group).toBe(true);
  });
});

describe('settle', () => {
  const action = run([], INITIAL_STATE, sample(40), procs).actions[0]!;

  it('a refused signal is an error and the victim is skipped from then on', () => {
    const out = settle(INITIAL_STATE, action, { ok: false, error: { code: 'EPERM', message: 'no', hint: 'be root' } }, sample(40), '/t', 5);
    expect(out.event).toMatchObject({ event: 'error', pid: 100, message: 'no (be root)' });
    expect(out.state.pending).toBeNull();
    expect(run([], out.state, sample(40), procs).actions[0]?.victim.pid).toBe(101);
  });

  it('a victim gone before the signal (or PID reused) counts as exited', () => {
    const out = settle(INITIAL_STATE, action, { ok: false, error: { code: 'REUSED', message: 'reused', hint: null } }, sample(40), '/t', 5);
    expect(out.event.event).toBe('exited');
    expect(out.state.skip).toEqual([]);
  });

  it('events carry the JSON fields the issue asks for', () => {
    const out = settle(INITIAL_STATE, action, { ok: true }, sample(40), '/t', 5);
    expect(out.event).toMatchObject({ event: 'kill', pid: 100, name: 'p100', scope: '/t', signal: 'SIGKILL', availablePct: 4 });
    expect(typeof out.event.time).toBe('string');
  });
});
