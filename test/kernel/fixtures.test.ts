import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOomLog } from '../../src/kernel/parser.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'kernel-logs');

interface Expected {
  source: string;
  kills: { pid: number; comm: string; constraint: string | null; anonRssKiB: number | null }[];
  /** Number of 'oom' events (reports without a kill line). */
  oomEvents?: number;
  /** Total number of events of any kind. */
  events?: number;
  reaped?: number[];
  selectedPid?: number;
  uid?: Record<string, number>;
  trigger?: { comm: string; pid: number | null };
  /** The trigger of every event, in order (hostile comms must not spoof it). */
  triggers?: { comm: string; pid: number | null }[];
  allIncomplete?: boolean;
  tasks?: number;
}

const logs = readdirSync(DIR).filter((f) => f.endsWith('.log')).sort();

describe('fixture corpus', () => {
  it('has a broad corpus, every log with its expectations and source', () => {
    expect(logs.length).toBeGreaterThanOrEqual(20);
    for (const log of logs) {
      const exp = JSON.parse(readFileSync(join(DIR, log.replace(/\.log$/, '.expected.json')), 'utf8')) as Expected;
      expect(exp.source.length, log).toBeGreaterThan(20);
      expect(Array.isArray(exp.kills), log).toBe(true);
    }
  });

  for (const log of logs) {
    it(log, () => {
      const exp = JSON.parse(readFileSync(join(DIR, log.replace(/\.log$/, '.expected.json')), 'utf8')) as Expected;
      const events = parseOomLog(readFileSync(join(DIR, log), 'utf8'), { referenceDate: new Date('2026-11-22T12:00:00') });
      const kills = events.filter((e) => e.kind === 'kill' || e.kind === 'group-kill');
      expect(
        kills.map((e) => ({ pid: e.victim!.pid, comm: e.victim!.comm, constraint: e.constraint, anonRssKiB: e.victim!.anonRssKiB })),
      ).toEqual(exp.kills);
      if (exp.oomEvents !== undefined) expect(events.filter((e) => e.kind === 'oom')).toHaveLength(exp.oomEvents);
      if (exp.events !== undefined) expect(events).toHaveLength(exp.events);
      if (exp.reaped) expect(kills.filter((e) => e.reaped === true).map((e) => e.victim!.pid)).toEqual(exp.reaped);
      if (exp.selectedPid !== undefined) expect(kills.some((e) => e.selected?.pid === exp.selectedPid)).toBe(true);
      for (const [pid, uid] of Object.entries(exp.uid ?? {})) {
        expect(kills.find((e) => e.victim!.pid === Number(pid))?.victim?.uid).toBe(uid);
      }
      if (exp.trigger) {
        expect(events.some((e) => e.trigger?.comm === exp.trigger!.comm && e.trigger?.pid === exp.trigger!.pid)).toBe(true);
      }
      if (exp.triggers) expect(events.map((e) => e.trigger && { comm: e.trigger.comm, pid: e.trigger.pid })).toEqual(exp.triggers);
      if (exp.allIncomplete) expect(kills.every((e) => e.incomplete)).toBe(true);
      if (exp.tasks !== undefined) for (const k of kills) expect(k.tasks).toHaveLength(exp.tasks);
      // A report that ends without a kill line is never a kill.
      for (const e of events.filter((e) => e.kind === 'oom')) expect(e.incomplete || e.note).toBeTruthy();
    });
  }
});
