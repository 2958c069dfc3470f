import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCandidate } from '../../src/guard/candidates.js';
import { GuardEngine } from '../../src/guard/engine.js';
import { GuardLoop } from '../../src/guard/loop.js';
import { buildScopes } from '../../src/guard/setup.js';
import type { GuardEvent } from '../../src/guard/types.js';
import { policy } from './helpers.js';
import { TestCgroup, realSkipReason } from './realcg.js';

/**
 * --on-level handlers against real memory: a hog in a small cgroup v1 memory group (never
 * the whole machine) drives the group's pressure level; the handlers are real shell
 * commands that write what they got into a directory of the test.
 */
const skip = realSkipReason();
if (skip) console.log(`guard handler real tests skipped: ${skip}`);

const groups: TestCgroup[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const g of groups.splice(0)) await g.cleanup();
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function guard(argv: string[]) {
  const stateDir = tempDir('oomtop-handlers-state-');
  const p = policy([...argv, '--state-dir', stateDir]);
  const setup = buildScopes(p);
  if (!setup.ok) throw new Error(setup.message);
  const events: GuardEvent[] = [];
  const emit = (e: GuardEvent) => void events.push(e);
  const engine = new GuardEngine({ policy: p, emit, stateDir });
  for (const r of setup.readers) engine.addScope(r);
  const loop = new GuardLoop(engine, { reportMs: null, emit });
  loop.start();
  const stop = () => {
    loop.stop();
    engine.shutdown();
  };
  cleanups.unshift(stop);
  const waitFor = async (pred: (e: GuardEvent) => boolean, ms: number): Promise<GuardEvent | null> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const hit = events.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 25));
    }
    return events.find(pred) ?? null;
  };
  return { events, stop, waitFor };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(skip !== null)('--on-level handlers in a real memory cgroup', () => {
  it('a hog crossing high then freeing runs the high handler once with its facts, and the normal one once', async () => {
    const g = new TestCgroup(1024);
    groups.push(g);
    // A hostile name: shell syntax, a newline and an escape sequence (comm keeps 15 bytes).
    const title = 'h;\n$(touch pw)`';
    const hog = await g.startHog(['--rate', 'max', '--total', '160', '--trace', '--title', title]);
    const deadline = Date.now() + 20_000;
    while (hog.trace.at(-1)?.mib !== 160 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(hog.trace.at(-1)?.mib).toBe(160);
    expect(readFileSync(`/proc/${hog.pid}/comm`, 'utf8')).toBe(title.slice(0, 15) + '\n');
    // Tighten the limit so the group is at 92.5 % of it: 7.5 % available is "high" (5..10 %).
    const usage = g.usageBytes();
    const limit = Math.ceil(usage / 0.925 / 4096) * 4096;
    writeFileSync(join(g.dir, 'memory.limit_in_bytes'), `${limit}\n`);

    const out = tempDir('oomtop-handlers-out-');
    const record = `cd '${out}' && printf '%s\\n' "$OOMTOP_LEVEL" "$OOMTOP_PREVIOUS_LEVEL" "$OOMTOP_SCOPE" "$OOMTOP_NEXT_VICTIM_PID" "$OOMTOP_AVAILABLE_PCT" "$OOMTOP_AVAILABLE_KIB" > "run.$OOMTOP_LEVEL.$$" && printf '%s' "$OOMTOP_NEXT_VICTIM_NAME" > "name.$OOMTOP_LEVEL.$$" && echo "done $OOMTOP_LEVEL"`;
    // Thresholds far below: the guard itself must not act here, only the handlers.
    const gd = guard(['--cgroup', g.path, '--mem-term', '1', '--mem-kill', '0.5', '--no-intercept', '--max-interval', '50', '--on-level', `high=${record}`, '--on-level', `normal=${record}`]);

    const high = await gd.waitFor((e) => e.event === 'handler' && e.pressure === 'high', 15_000);
    expect(high).toMatchObject({ scope: g.path, exitCode: 0, output: 'done high' });
    const runs = () => readdirSync(out).filter((f) => f.startsWith('run.'));
    expect(runs().map((f) => f.split('.')[1])).toEqual(['high']);
    const [level, previous, scope, victimPid, availPct, availKiB] = readFileSync(join(out, runs()[0]!), 'utf8').split('\n');
    expect({ level, previous, scope, victimPid: Number(victimPid) }).toEqual({ level: 'high', previous: 'normal', scope: g.path, victimPid: hog.pid });
    expect(Number(availPct)).toBeGreaterThanOrEqual(5);
    expect(Number(availPct)).toBeLessThan(10);
    expect(Number(availKiB)).toBeGreaterThan(0);
    const nameFile = readdirSync(out).find((f) => f.startsWith('name.high.'))!;
    // Exactly the name the guard reads and logs for the process (/proc's status escapes the newline).
    expect(readFileSync(join(out, nameFile), 'utf8')).toBe(readCandidate('/proc', hog.pid)!.name);
    expect(readCandidate('/proc', hog.pid)!.name).toBe(title.slice(0, 15).replace('\n', '\\n'));
    expect(existsSync(join(out, 'pw'))).toBe(false);

    // Free the memory: the level steps down through elevated to normal (hysteresis), once.
    process.kill(hog.pid, 'SIGKILL');
    await hog.exited;
    const normal = await gd.waitFor((e) => e.event === 'handler' && e.pressure === 'normal', 15_000);
    expect(normal).toMatchObject({ scope: g.path, exitCode: 0, output: 'done normal' });
    // More calm samples: nothing runs again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(runs().map((f) => f.split('.')[1]).sort()).toEqual(['high', 'normal']);
    const levels = gd.events.filter((e) => e.event === 'level' && e.scope === g.path).map((e) => `${e.previous}>${e.pressure}`);
    expect(levels).toEqual(['normal>high', 'high>elevated', 'elevated>normal']);
    expect(gd.events.some((e) => ['term', 'kill', 'would-term', 'would-kill'].includes(e.event))).toBe(false);
    expect(readFileSync(join(out, runs().find((f) => f.startsWith('run.normal'))!), 'utf8').split('\n').slice(0, 2)).toEqual(['normal', 'elevated']);
  });

  it('the README\'s staged flow in one guard: warn at elevated, clean up at high, SIGTERM at 5 % left, SIGKILL at 2 %, before the kernel', async () => {
    const g = new TestCgroup(256);
    groups.push(g);
    const before = g.oomControl().oomKill;
    const out = tempDir('oomtop-handlers-staged-');
    // Each stage's handler notes when it started (epoch ms) and says what it did.
    const stage = (what: string) => `date +%s%3N > '${out}'/$OOMTOP_LEVEL; echo "${what} $OOMTOP_SCOPE at $OOMTOP_AVAILABLE_PCT%"`;
    const gd = guard(['--cgroup', g.path, '--on-level', `elevated=${stage('warned')}`, '--on-level', `high=${stage('cleaned up')}`, '--mem-term', '5', '--mem-kill', '2', '--term-timeout', '10']);
    await gd.waitFor((e) => e.event === 'notice' && /holding the cgroup/.test(e.message ?? ''), 5000);
    // A hog that ignores SIGTERM: the graceful end does not end it, the kill does.
    const hog = await g.startHog(['--rate', '100', '--ignore-term']);
    const sig = await Promise.race([hog.exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(sig).toBe('SIGKILL');
    expect(g.oomControl().oomKill).toBe(before);
    await gd.waitFor((e) => e.event === 'handler' && e.pressure === 'high', 5000);
    const at = (pred: (e: GuardEvent) => boolean) => gd.events.find(pred);
    const term = at((e) => e.event === 'term' && e.pid === hog.pid)!;
    const kill = at((e) => e.event === 'kill' && e.pid === hog.pid)!;
    console.log(`staged flow: ${gd.events.filter((e) => ['level', 'handler', 'term', 'kill'].includes(e.event)).map((e) => `${e.event} ${e.pressure ?? e.signal ?? ''}${e.availablePct !== undefined ? ` ${e.availablePct}%` : ''} +${Math.round(e.timeMs - term.timeMs)} ms${e.trigger ? ` (${e.trigger})` : ''}`).join(', ')}`);
    expect(term).toMatchObject({ signal: 'SIGTERM' });
    expect(term.availablePct!).toBeLessThanOrEqual(5);
    expect(kill).toMatchObject({ signal: 'SIGKILL' });
    expect(kill.timeMs).toBeGreaterThan(term.timeMs);
    // The levels rose in order, each before the graceful end.
    const levels = gd.events.filter((e) => e.event === 'level' && e.scope === g.path);
    expect(levels.slice(0, 2).map((e) => `${e.previous}>${e.pressure}`)).toEqual(['normal>elevated', 'elevated>high']);
    for (const l of levels.slice(0, 2)) expect(l.timeMs).toBeLessThan(term.timeMs);
    // Each stage's handler ran once, said what it did, and started before the SIGTERM.
    for (const [level, what] of [['elevated', 'warned'], ['high', 'cleaned up']] as const) {
      const runs = gd.events.filter((e) => e.event === 'handler' && e.pressure === level);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ scope: g.path, exitCode: 0, output: expect.stringMatching(new RegExp(`^${what} ${g.path} at \\d+\\.\\d%$`)) });
      expect(Number(readFileSync(join(out, level), 'utf8'))).toBeLessThan(term.timeMs + 1);
    }
  });

  it('a slow handler does not delay the kill', async () => {
    const g = new TestCgroup(256);
    groups.push(g);
    const before = g.oomControl().oomKill;
    const out = tempDir('oomtop-handlers-slow-');
    const handlerPids = () =>
      readdirSync(out)
        .filter((f) => f.startsWith('pid.'))
        .map((f) => Number(readFileSync(join(out, f), 'utf8')));
    cleanups.unshift(() => {
      for (const pid of handlerPids()) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    });
    const slow = `echo $$ > '${out}'/pid.$OOMTOP_LEVEL; exec sleep 20`;
    const gd = guard(['--cgroup', g.path, '--on-level', `elevated=${slow}`, '--on-level', `high=${slow}`, '--on-level', `critical=${slow}`, '--handler-timeout', '25']);
    await gd.waitFor((e) => e.event === 'notice' && /holding the cgroup/.test(e.message ?? ''), 5000);
    const hog = await g.startHog(['--rate', '300']);
    const sig = await Promise.race([hog.exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(sig === 'SIGTERM' || sig === 'SIGKILL').toBe(true);
    const acted = await gd.waitFor((e) => e.pid === hog.pid && (e.event === 'term' || e.event === 'kill'), 5000);
    expect(acted).not.toBeNull();
    // The kernel never had to: the guard was not held up by the handlers.
    expect(g.oomControl().oomKill).toBe(before);
    await gd.waitFor(() => handlerPids().length > 0, 5000);
    // Handlers were started for the levels crossed and still run: none has finished.
    expect(handlerPids().length).toBeGreaterThan(0);
    expect(handlerPids().every(alive)).toBe(true);
    expect(gd.events.filter((e) => e.event === 'handler')).toEqual([]);
    const entered = gd.events.filter((e) => e.event === 'level' && e.scope === g.path).map((e) => e.pressure);
    expect(entered).toContain('elevated');
  });
});
