import { describe, expect, it } from 'vitest';
import type { RuleChange } from '../../src/rules/applier.js';
import { changeLine } from '../../src/rules/output.js';

const time = new Date('2026-12-01T12:00:00Z');
const HOSTILE = 'ev)l\x1b[2J\nx';

describe('changeLine', () => {
  it('a change and a refusal, as text and as JSON; hostile names sanitized in text, intact in JSON', () => {
    const set: RuleChange = { kind: 'set', pid: 42, startTimeTicks: 1, comm: HOSTILE, rule: 'r\x07', before: 0, after: 700 };
    expect(changeLine(set, time, false)).toBe('2026-12-01T12:00:00.000Z PID 42 (ev)l\\x1b[2J\\nx): oom_score_adj 0 -> 700 (rule "r\\x07")');
    expect(JSON.parse(changeLine(set, time, true))).toEqual({ time: '2026-12-01T12:00:00.000Z', pid: 42, comm: HOSTILE, rule: 'r\x07', event: 'adj-set', before: 0, after: 700 });
    const refused: RuleChange = {
      kind: 'failed', pid: 43, startTimeTicks: 1, comm: 'db', rule: 'keep', target: -900,
      error: { code: 'EACCES', message: 'PID 43 (db): lowering oom_score_adj from 0 to -900 needs CAP_SYS_RESOURCE', hint: 'set OOMScoreAdjust= in its systemd unit' },
    };
    expect(changeLine(refused, time, false)).toBe(
      '2026-12-01T12:00:00.000Z PID 43 (db): not changed to -900 (rule "keep"): PID 43 (db): lowering oom_score_adj from 0 to -900 needs CAP_SYS_RESOURCE; set OOMScoreAdjust= in its systemd unit (not retried)',
    );
    expect(JSON.parse(changeLine(refused, time, true))).toMatchObject({ event: 'adj-refused', code: 'EACCES', target: -900, hint: 'set OOMScoreAdjust= in its systemd unit' });
    expect(changeLine(set, time, false)).not.toMatch(/[\x00-\x1f]/);
  });
});
