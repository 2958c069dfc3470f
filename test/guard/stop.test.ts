import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCandidate } from '../../src/guard/candidates.js';
import { GuardEngine } from '../../src/guard/engine.js';
import { formatHuman } from '../../src/guard/output.js';
import type { ScopeReader } from '../../src/guard/scope.js';
import type { GuardEvent } from '../../src/guard/types.js';
import { killStarted, startSleeper } from '../helpers/children.js';
import { policy, sample } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  killStarted();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('a guard turned off mid-decision', () => {
  it('does not signal after shutdown, even when the pre-kill hook was still running', async () => {
    const child = startSleeper();
    await new Promise((r) => setTimeout(r, 100));
    const stateDir = mkdtempSync(join(tmpdir(), 'oomtop-guard-state-'));
    dirs.push(stateDir);
    const p = policy(['--pre-kill', 'sleep 0.5', '--state-dir', stateDir]);
    // A scope that is out of memory and holds only the test's own child.
    const reader: ScopeReader = {
      label: 'test',
      kind: 'cgroup',
      read: (s, now) => {
        Object.assign(s, sample(10, now));
        return true;
      },
      processes: () => [readCandidate('/proc', child.pid!)!],
    };
    const events: GuardEvent[] = [];
    const engine = new GuardEngine({ policy: p, emit: (e) => events.push(e), stateDir });
    engine.addScope(reader);
    const ticking = engine.tick();
    await new Promise((r) => setTimeout(r, 100)); // inside the pre-kill hook now
    engine.shutdown();
    await ticking;
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    expect(events.some((e) => e.event === 'term' || e.event === 'kill')).toBe(false);
  });
});

describe('formatHuman', () => {
  it('escapes control characters in names, scopes and messages', () => {
    const line = formatHuman({ time: 't', timeMs: 0, event: 'notice', scope: '/evil\u001b[2J', message: 'x\ny', pid: 1, name: 'n\u0007' } as GuardEvent);
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(line).toContain('\\x1b[2J');
    expect(line).toContain('x\\ny');
  });
});
