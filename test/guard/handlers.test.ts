import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HandlerRunner, handlerEvent, handlerKey, levelEnv, parseOnLevel, planLaunch, stepLevel } from '../../src/guard/handlers.js';
import { runHook } from '../../src/guard/hooks.js';
import { formatHuman, formatJson } from '../../src/guard/output.js';
import { CALM_SAMPLES, PRESSURE_START, type PressureState } from '../../src/proc/pressure-level.js';
import type { GuardEvent, LevelHandler } from '../../src/guard/types.js';
import { until } from '../helpers/wait.js';
import { policy, sample } from './helpers.js';
import { parseGuardArgs } from '../../src/cli/guard-args.js';

describe('--on-level LEVEL=CMD', () => {
  it('parses each level, keeps the command verbatim and is repeatable', () => {
    const p = policy(['--on-level', 'high=echo "a=b"', '--on-level', 'NORMAL=true', '--handler-timeout', '5']);
    expect(p.onLevel).toEqual([
      { level: 'high', cmd: 'echo "a=b"' },
      { level: 'normal', cmd: 'true' },
    ]);
    expect(p.handlerTimeoutMs).toBe(5000);
    expect(policy([]).onLevel).toEqual([]);
    expect(policy([]).handlerTimeoutMs).toBe(30_000);
  });

  it('rejects a bad level, a missing "=" and an empty command with one line', () => {
    expect(parseOnLevel('hot=x')).toMatch(/"hot" is not a level/);
    expect(parseOnLevel('high')).toMatch(/not LEVEL=CMD/);
    expect(parseOnLevel('high=  ')).toMatch(/empty command/);
    expect(() => parseGuardArgs(['--on-level', 'warm=true'])).toThrow(/^--on-level: "warm" is not a level/);
    expect(() => parseGuardArgs(['--handler-timeout', '0'])).toThrow(/--handler-timeout: 0 is out of range/);
  });
});

describe('pressure level of a guard scope (hysteresis)', () => {
  const feed = (st: PressureState, availMiB: number[]) => {
    const changes: string[] = [];
    for (const a of availMiB) {
      const r = stepLevel(st, sample(a));
      st = r.state;
      if (r.change) changes.push(`${r.change.from}>${r.change.to}`);
    }
    return { st, changes };
  };

  it('enters a level once, rising at once and falling one step after calm readings', () => {
    // 1000 MiB scope: 8 % available is high, and stays high while it hovers.
    const up = feed(PRESSURE_START, [500, 80, 85, 79, 90, 80]);
    expect(up.changes).toEqual(['normal>high']);
    const calm = Array.from({ length: 2 * CALM_SAMPLES }, () => 900);
    const down = feed(up.st, calm);
    expect(down.changes).toEqual(['high>elevated', 'elevated>normal']);
    // Above the entry threshold but inside the exit margin: no flapping back down.
    expect(feed(up.st, Array.from({ length: 3 * CALM_SAMPLES }, () => 110)).changes).toEqual([]);
  });

  it('counts PSI of the scope when it was read', () => {
    const r = stepLevel(PRESSURE_START, sample(900, 0, { psiSomeAvg10: 50, psiFullAvg10: 1 }));
    expect(r.change).toEqual({ from: 'normal', to: 'high' });
  });
});

describe('which handlers a level change starts', () => {
  const hs: LevelHandler[] = [
    { level: 'high', cmd: 'a' },
    { level: 'normal', cmd: 'b' },
    { level: 'high', cmd: 'c' },
  ];

  it('every handler of the level entered, none of the others', () => {
    const p = planLaunch(hs, { from: 'normal', to: 'high' }, '/app', new Set());
    expect(p.start.map((x) => x.handler.cmd)).toEqual(['a', 'c']);
    expect(p.busy).toEqual([]);
    expect(planLaunch(hs, { from: 'high', to: 'elevated' }, '/app', new Set()).start).toEqual([]);
  });

  it('one still running in that scope is not started again; another scope is independent', () => {
    const running = new Set([handlerKey('/app', 0)]);
    const p = planLaunch(hs, { from: 'elevated', to: 'high' }, '/app', running);
    expect(p.busy.map((x) => x.handler.cmd)).toEqual(['a']);
    expect(p.start.map((x) => x.handler.cmd)).toEqual(['c']);
    expect(planLaunch(hs, { from: 'elevated', to: 'high' }, 'system', running).start.map((x) => x.handler.cmd)).toEqual(['a', 'c']);
  });
});

describe('handler environment and events', () => {
  const hostile = 'x;\n$(touch pw)`id`\u001b[2J';

  it('carries the level, the scope, the memory, PSI and the next victim as plain values', () => {
    const env = levelEnv({
      change: { from: 'elevated', to: 'high' },
      scope: '/app',
      sample: sample(80, 0, { psiSomeAvg10: 12.5, psiFullAvg10: 3.25 }),
      victim: { pid: 4242, name: hostile },
      dryRun: false,
    });
    expect(env).toMatchObject({
      OOMTOP_LEVEL: 'high',
      OOMTOP_PREVIOUS_LEVEL: 'elevated',
      OOMTOP_SCOPE: '/app',
      OOMTOP_AVAILABLE_PCT: '8.0',
      OOMTOP_AVAILABLE_KIB: String(80 * 1024),
      OOMTOP_TOTAL_KIB: String(1000 * 1024),
      OOMTOP_PSI_SOME_AVG10: '12.50',
      OOMTOP_PSI_FULL_AVG10: '3.25',
      OOMTOP_NEXT_VICTIM_PID: '4242',
      OOMTOP_NEXT_VICTIM_NAME: hostile,
      OOMTOP_DRY_RUN: '0',
    });
    const none = levelEnv({ change: { from: 'high', to: 'normal' }, scope: 'system', sample: sample(900), victim: null, dryRun: true });
    expect(none).toMatchObject({ OOMTOP_NEXT_VICTIM_PID: '', OOMTOP_NEXT_VICTIM_NAME: '', OOMTOP_PSI_SOME_AVG10: '', OOMTOP_DRY_RUN: '1' });
  });

  it('a finished handler is one event with its exit code and first line, sanitized in the human line', () => {
    const p = { key: 'k', index: 0, handler: { level: 'high' as const, cmd: 'cleanup' } };
    const e = handlerEvent('/app', p, { code: 3, timedOut: false, error: null, firstLine: 'freed \u001b[31m12 MiB' }, 41.6, 30_000, Date.UTC(2025, 0, 1));
    expect(JSON.parse(formatJson(e))).toMatchObject({ event: 'handler', scope: '/app', pressure: 'high', command: 'cleanup', exitCode: 3, output: 'freed \u001b[31m12 MiB', afterMs: 42 });
    const human = formatHuman(e);
    expect(human).toMatch(/^2025-01-01T00:00:00.000Z guard \/app: handler: high handler #1 exit 3 after 42 ms: freed /);
    expect(human).not.toContain('\u001b');
    const t = handlerEvent('/app', p, { code: null, timedOut: true, error: null, firstLine: '' }, 100, 100, 0);
    expect(t.message).toMatch(/timed out after 100 ms/);
    expect(t.output).toBeUndefined();
  });
});

describe('the kill hooks runner with capture (real child processes)', () => {
  it('returns the first line of the output, stdout or stderr', async () => {
    const r = await runHook('echo "first $OOMTOP_LEVEL"; echo second; exit 4', { OOMTOP_LEVEL: 'high' }, 5000, '/proc', { capture: true });
    expect(r).toEqual({ code: 4, timedOut: false, error: null, firstLine: 'first high' });
    const e = await runHook('echo oops >&2', {}, 5000, '/proc', { capture: true });
    expect(e.firstLine).toBe('oops');
  });

  it('a value in the environment is never parsed by the shell', async () => {
    const hostile = 'x;$(echo INJECTED)`echo INJECTED`';
    const r = await runHook('printf "%s" "$OOMTOP_NEXT_VICTIM_NAME"', { OOMTOP_NEXT_VICTIM_NAME: hostile }, 5000, '/proc', { capture: true });
    expect(r.firstLine).toBe(hostile);
  });

  it('a handler that leaves a process holding its output still finishes, and a timeout kills the group', async () => {
    const r = await runHook('echo started; sleep 3 &', {}, 5000, '/proc', { capture: true });
    expect(r).toMatchObject({ code: 0, firstLine: 'started' });
    const t = await runHook('echo slow; sleep 30', {}, 200, '/proc', { capture: true });
    expect(t).toMatchObject({ timedOut: true, firstLine: 'slow' });
  });
});

describe('HandlerRunner with real commands: at most one run per handler and scope, timeouts as events', () => {
  it('an entry while the previous run still goes is an event, not a second run; another scope runs; a timeout kills it and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-runner-'));
    try {
      const events: GuardEvent[] = [];
      const runner = new HandlerRunner({
        // Each run leaves a file named after its scope and its shell's PID, then waits for a gate file.
        handlers: [{ level: 'high', cmd: `touch "${dir}/run.$(basename "$OOMTOP_SCOPE").$$"; while [ ! -e "${dir}/gate" ]; do sleep 0.05; done; echo "done $OOMTOP_SCOPE"` }],
        timeoutMs: 10_000,
        procRoot: '/proc',
        emit: (e) => void events.push(e),
        now: () => Date.now(),
      });
      const change = { from: 'elevated', to: 'high' } as const;
      const ctx = (scope: string) => ({ change, scope, sample: sample(80), victim: null, dryRun: false });
      runner.launch(ctx('/app'));
      runner.launch(ctx('/app')); // the first still waits at the gate
      runner.launch(ctx('/other'));
      expect(runner.runningCount).toBe(2);
      expect(events.map((e) => [e.event, e.scope, e.message])).toEqual([['handler', '/app', 'high handler #1 still runs from an earlier entry: not started again']]);
      await until(() => readdirSync(dir).filter((f) => f.startsWith('run.')).length === 2, 5000, 'both runs');
      expect(readdirSync(dir).filter((f) => f.startsWith('run.')).map((f) => f.split('.')[1]).sort()).toEqual(['app', 'other']);
      writeFileSync(join(dir, 'gate'), '');
      await until(() => events.length === 3, 5000, 'both ends');
      expect(events.slice(1).map((e) => [e.scope, e.exitCode, e.output]).sort()).toEqual([['/app', 0, 'done /app'], ['/other', 0, 'done /other']]);
      expect(runner.runningCount).toBe(0);
      // Once it ended, the next entry runs again.
      runner.launch(ctx('/app'));
      await until(() => events.length === 4, 5000, 'the third run');
      expect(events[3]).toMatchObject({ scope: '/app', exitCode: 0, output: 'done /app' });

      const timed = new HandlerRunner({ handlers: [{ level: 'high', cmd: `echo "$$" > "${dir}/slow.pid"; echo waiting; exec sleep 30` }], timeoutMs: 300, procRoot: '/proc', emit: (e) => void events.push(e), now: () => Date.now() });
      timed.launch(ctx('/slow'));
      await until(() => events.length === 5, 5000, 'the timeout');
      expect(events[4]).toMatchObject({ scope: '/slow', exitCode: null, output: 'waiting', message: expect.stringMatching(/^high handler #1 timed out after 300 ms after \d+ ms: waiting$/) });
      const pid = Number(readFileSync(join(dir, 'slow.pid'), 'utf8'));
      await until(() => !existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), 5000, 'the sleep killed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
