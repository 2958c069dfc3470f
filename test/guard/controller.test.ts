import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GuardController, type GuardEvent } from '../../src/guard/index.js';
import { policy } from './helpers.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function fakeTree(usageMiB: number): string[] {
  root = mkdtempSync(join(tmpdir(), 'oomtop-guard-ctl-'));
  const mem = join(root, 'cg', 'memory');
  mkdirSync(join(mem, 'app'), { recursive: true });
  writeFileSync(join(mem, 'memory.usage_in_bytes'), '0\n');
  writeFileSync(join(mem, 'app', 'memory.limit_in_bytes'), `${100 * 1048576}\n`);
  writeFileSync(join(mem, 'app', 'memory.usage_in_bytes'), `${usageMiB * 1048576}\n`);
  writeFileSync(join(mem, 'app', 'memory.stat'), 'total_inactive_file 0\n');
  writeFileSync(join(mem, 'app', 'cgroup.procs'), '');
  mkdirSync(join(root, 'proc'));
  return ['--cgroup', '/app', '--cgroup-root', join(root, 'cg'), '--proc-root', join(root, 'proc'), '--state-dir', join(root, 'state')];
}

async function until(events: GuardEvent[], pred: (e: GuardEvent) => boolean): Promise<GuardEvent | undefined> {
  for (let i = 0; i < 100 && !events.some(pred); i++) await new Promise((r) => setTimeout(r, 20));
  return events.find(pred);
}

describe('GuardController (the TUI side)', () => {
  it('cycles off → dry-run → armed → off and reports mode and thresholds', () => {
    const c = GuardController.fromPolicy(policy([...fakeTree(10), '--mem-term', '20']));
    if (typeof c === 'string') throw new Error(c);
    const seen: string[] = [];
    c.onDecision((e) => e.event === 'notice' && e.scope === 'guard' && seen.push(e.message ?? ''));
    expect(c.getMode()).toBe('off');
    expect(c.status()).toEqual({ mode: 'off', thresholds: 'mem 20%/10% swap 10%/5%', scopes: [] });
    expect([c.cycleMode(), c.cycleMode(), c.cycleMode()]).toEqual(['dry-run', 'armed', 'off']);
    expect(seen).toEqual(['guard dry-run', 'guard armed', 'guard off']);
    c.dispose();
  });

  it('delivers decisions to listeners while on, and nothing after off', async () => {
    const c = GuardController.fromPolicy(policy([...fakeTree(97), '--no-intercept']));
    if (typeof c === 'string') throw new Error(c);
    const events: GuardEvent[] = [];
    c.onDecision((e) => events.push(e));
    c.setMode('dry-run');
    const ev = await until(events, (e) => e.event === 'no-victim');
    expect(ev).toMatchObject({ scope: '/app', level: 'kill', availablePct: 3 });
    expect(c.status().scopes).toEqual([{ scope: '/app', level: 'kill', availablePct: 3, intervalMs: expect.any(Number), intercept: false }]);
    c.setMode('off');
    const n = events.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(events.length).toBe(n);
    c.dispose();
  });

  it('reports a scope it cannot watch as a message', () => {
    expect(GuardController.fromPolicy(policy([...fakeTree(1).slice(2), '--cgroup', '/none']))).toMatch(/no such memory cgroup/);
  });
});
