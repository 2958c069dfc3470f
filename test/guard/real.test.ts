import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardEngine } from '../../src/guard/engine.js';
import { GuardLoop } from '../../src/guard/loop.js';
import { buildScopes } from '../../src/guard/setup.js';
import type { GuardEvent } from '../../src/guard/types.js';
import { policy } from './helpers.js';
import { TestCgroup, realSkipReason } from './realcg.js';

/**
 * Real races against the kernel's OOM killer inside a small cgroup v1 memory group.
 * Root and a writable v1 hierarchy only. Whether the guard won is judged by the
 * cgroup's own oom_kill counter, never by timing.
 */
const skip = realSkipReason();
if (skip) console.log(`guard real tests skipped: ${skip}`);

const groups: TestCgroup[] = [];
const stops: Array<() => void> = [];
let stateDir: string | null = null;

afterEach(async () => {
  for (const s of stops.splice(0)) s();
  for (const g of groups.splice(0)) await g.cleanup();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  stateDir = null;
});

function group(limitMiB: number): TestCgroup {
  const g = new TestCgroup(limitMiB);
  groups.push(g);
  return g;
}

function guard(argv: string[]) {
  stateDir = mkdtempSync(join(tmpdir(), 'oomtop-guard-state-'));
  const p = policy([...argv, '--state-dir', stateDir]);
  const setup = buildScopes(p);
  if (!setup.ok) throw new Error(setup.message);
  const events: GuardEvent[] = [];
  const waiters: Array<() => void> = [];
  const emit = (e: GuardEvent) => {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  };
  const engine = new GuardEngine({ policy: p, emit, stateDir });
  for (const r of setup.readers) engine.addScope(r);
  const loop = new GuardLoop(engine, { reportMs: null, emit });
  loop.start();
  const stop = () => {
    loop.stop();
    engine.shutdown();
  };
  stops.push(stop);
  const waitFor = async (pred: (e: GuardEvent) => boolean, ms: number): Promise<GuardEvent | null> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() >= deadline) return null;
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return { events, stop, waitFor };
}

const kinds = (events: GuardEvent[], pid: number) => events.filter((e) => e.pid === pid).map((e) => e.event);

describe.skipIf(skip !== null)('guard against the kernel in a 256 MiB cgroup v1 group', () => {
  it.each(['max', '1024', '256'])('ends a hog allocating at %s MiB/s before the kernel OOM killer fires', async (rate) => {
    const g = group(256);
    const before = g.oomControl().oomKill;
    const gd = guard(['--cgroup', g.path]);
    await gd.waitFor((e) => e.event === 'notice' && /holding the cgroup/.test(e.message ?? ''), 2000);
    expect(g.oomControl().oomKillDisable).toBe(1);
    const hog = await g.startHog(['--rate', rate]);
    const sig = await Promise.race([hog.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(sig === 'SIGTERM' || sig === 'SIGKILL').toBe(true);
    const acted = await gd.waitFor((e) => e.pid === hog.pid && (e.event === 'term' || e.event === 'kill'), 2000);
    expect(acted).not.toBeNull();
    expect(g.oomControl().oomKill).toBe(before);
    gd.stop();
    // Every exit path of the guard puts the setting back.
    expect(g.oomControl().oomKillDisable).toBe(0);
  });

  it('sends SIGKILL to a process that ignores SIGTERM once --term-timeout passes', async () => {
    const g = group(256);
    const gd = guard(['--cgroup', g.path, '--mem-term', '40', '--mem-kill', '2', '--term-timeout', '1']);
    const hog = await g.startHog(['--rate', '200', '--total', '180', '--ignore-term']);
    const sig = await Promise.race([hog.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(sig).toBe('SIGKILL');
    await gd.waitFor((e) => e.pid === hog.pid && e.event === 'exited', 2000);
    expect(kinds(gd.events, hog.pid)).toEqual(['term', 'kill', 'exited']);
    const kill = gd.events.find((e) => e.pid === hog.pid && e.event === 'kill');
    expect(kill?.level).toBe('term');
  });

  it('spares an --avoid process and ends another, only one', async () => {
    const g = group(512);
    const before = g.oomControl().oomKill;
    const gd = guard(['--cgroup', g.path, '--mem-term', '45', '--mem-kill', '2', '--avoid', 'tag keeper']);
    const keeper = await g.startHog(['--rate', '400', '--total', '200', '--tag', 'keeper']);
    const other = await g.startHog(['--rate', '100', '--total', '100', '--tag', 'other']);
    const sig = await Promise.race([other.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(sig).toBe('SIGTERM');
    // Give the guard time to (wrongly) go on to a second victim.
    await new Promise((r) => setTimeout(r, 1500));
    expect(keeper.child.exitCode === null && keeper.child.signalCode === null).toBe(true);
    expect(gd.events.filter((e) => e.event === 'term' || e.event === 'kill').map((e) => e.pid)).toEqual([other.pid]);
    expect(g.oomControl().oomKill).toBe(before);
  });

  it('--dry-run signals nothing and holds nothing', async () => {
    const g = group(256);
    const gd = guard(['--cgroup', g.path, '--dry-run', '--mem-term', '40', '--mem-kill', '10', '--term-timeout', '0.5']);
    const hog = await g.startHog(['--rate', '200', '--total', '180']);
    const would = await gd.waitFor((e) => e.pid === hog.pid && e.event === 'would-kill', 10_000);
    expect(would).not.toBeNull();
    expect(kinds(gd.events, hog.pid)).toEqual(['would-term', 'would-kill']);
    expect(g.oomControl().oomKillDisable).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(hog.child.exitCode === null && hog.child.signalCode === null).toBe(true);
    expect(gd.events.some((e) => e.event === 'term' || e.event === 'kill')).toBe(false);
  });
});
