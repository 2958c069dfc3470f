import { describe, expect, it } from 'vitest';
import { hookEnv, runHook } from '../../src/guard/hooks.js';
import { formatHuman, formatJson } from '../../src/guard/output.js';
import { makeEvent } from '../../src/guard/decide.js';
import { sample } from './helpers.js';

const victim = { pid: 321, startTimeTicks: 9, name: 'hog', cmdline: 'node hog.mjs', rssKiB: 2048, badnessPermille: 500, tier: 'normal' as const };

describe('hooks', () => {
  it('puts the victim and the memory figures in the environment', () => {
    const env = hookEnv('pre-kill', { victim, signal: 'SIGKILL', scope: '/app', sample: sample(40), dryRun: false });
    expect(env).toMatchObject({
      OOMTOP_HOOK: 'pre-kill',
      OOMTOP_PID: '321',
      OOMTOP_NAME: 'hog',
      OOMTOP_SIGNAL: 'SIGKILL',
      OOMTOP_SCOPE: '/app',
      OOMTOP_AVAILABLE_KIB: String(40 * 1024),
      OOMTOP_TOTAL_KIB: String(1000 * 1024),
      OOMTOP_AVAILABLE_PCT: '4.0',
    });
  });

  it('runs the command with that environment and reports its exit code', async () => {
    const r = await runHook('test "$OOMTOP_PID" = 321 && exit 3', { OOMTOP_PID: '321' }, 5000);
    expect(r).toEqual({ code: 3, timedOut: false, error: null });
  });

  it('kills a hook that outlives its timeout', async () => {
    const r = await runHook('sleep 30', {}, 100);
    expect(r.timedOut).toBe(true);
    expect(r.code).not.toBe(0);
  });
});

describe('output', () => {
  const ev = makeEvent('kill', '/app', sample(40), Date.UTC(2025, 0, 1), {
    pid: 321,
    name: 'hog',
    signal: 'SIGKILL',
    level: 'kill',
    trigger: 'held',
    rssKiB: 200 * 1024,
  });

  it('JSON lines carry time, event, pid, name, scope, signal, availablePct', () => {
    const o = JSON.parse(formatJson(ev));
    expect(o).toMatchObject({ time: '2025-01-01T00:00:00.000Z', event: 'kill', pid: 321, name: 'hog', scope: '/app', signal: 'SIGKILL', availablePct: 4 });
  });

  it('a human line names the action, the process and the memory', () => {
    expect(formatHuman(ev)).toBe(
      '2025-01-01T00:00:00.000Z guard /app: sent SIGKILL to PID 321 (hog) rss 200 MiB; available 4% (40 MiB of 1000 MiB), level kill, trigger held',
    );
  });
});
