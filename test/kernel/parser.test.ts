import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/kernel/analysis.js';
import { OomLogParser, parseOomLog } from '../../src/kernel/parser.js';
import type { OomEvent } from '../../src/kernel/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'kernel-logs');
const corpusLines = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.log'))
  .flatMap((f) => readFileSync(join(FIXTURES, f), 'utf8').split('\n'));

// Lines built from mm/oom_kill.c / mm/memcontrol.c format strings (5.x-6.x).
const HEADER = '[  100.000001] app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0';
const SUMMARY = '[  100.000002] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/svc,task_memcg=/svc,task=app,pid=10,uid=0';
const kill = (us: string, pid: number, comm: string) =>
  `[  ${us}] Memory cgroup out of memory: Killed process ${pid} (${comm}) total-vm:1000kB, anon-rss:800kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0`;

const kills = (evs: OomEvent[]) => evs.filter((e) => e.kind === 'kill' || e.kind === 'group-kill');

describe('numbers no kernel prints (npm run fuzz)', () => {
  it('a kill line whose PID has 300 digits is no kill (it was one, with PID Infinity)', () => {
    const line = (pid: string) => `[ 1836.276684] Memory cgroup out of memory: Killed process ${pid} (netdata) total-vm:47820kB, anon-rss:7560kB, file-rss:0kB, shmem-rss:0kB, UID:201 pgtables:100kB oom_score_adj:1000`;
    expect(parseOomLog(line('4711'))[0]?.victim?.pid).toBe(4711);
    const events = parseOomLog(line(`4${'9'.repeat(300)}71`));
    expect(events.filter((e) => e.kind === 'kill')).toEqual([]);
    expect(JSON.stringify(events)).not.toContain('null,"comm":"netdata"');
  });
});

describe('OomLogParser', () => {
  it('returns the kill from push() on the kill line itself, and updates it when the reaper reports', () => {
    const updates: OomEvent[] = [];
    const p = new OomLogParser({ onUpdate: (e) => updates.push(e) });
    expect(p.push(HEADER)).toEqual([]);
    expect(p.push(SUMMARY)).toEqual([]);
    const [ev] = p.push(kill('100.000003', 10, 'app'));
    expect(ev).toMatchObject({ kind: 'kill', constraint: 'MEMCG', reaped: null, victim: { pid: 10 } });
    p.push('[  100.100000] oom_reaper: reaped process 10 (app), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB');
    expect(ev!.reaped).toBe(true);
    expect(updates).toEqual([ev]);
    expect(p.flush()).toEqual([]);
  });

  it('keeps no raw lines unless asked (a follower runs for months; analyze may read thousands of kills)', () => {
    const text = [HEADER, SUMMARY, kill('100.000003', 10, 'app'), '[  100.000007] oom_reaper: reaped process 10 (app), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB'].join('\n');
    const [plain] = parseOomLog(text);
    expect(plain!.victim?.pid).toBe(10);
    expect(plain!.reaped).toBe(true);
    expect(plain!.lines).toEqual([]);
    expect(parseOomLog(text, { keepLines: true })[0]!.lines).toHaveLength(4);
  });

  it('reports a memory.oom.group kill as one event naming every victim, with the shared report', () => {
    const evs = parseOomLog(
      [
        HEADER,
        '[  100.000002] memory: usage 102400kB, limit 102400kB, failcnt 9',
        SUMMARY,
        kill('100.000003', 10, 'app'),
        '[  100.000004] Tasks in /svc are going to be killed due to memory.oom.group set',
        kill('100.000005', 11, 'worker'),
        kill('100.000006', 12, 'worker'),
        '[  100.000007] oom_reaper: unable to reap pid:12 (worker)',
      ].join('\n'),
      { keepLines: true },
    );
    expect(evs.map((e) => [e.kind, e.victim?.pid, e.oomGroup, e.trigger?.comm, e.memcg?.limitKiB])).toEqual([['group-kill', 10, '/svc', 'app', 102400]]);
    expect(evs[0]!.groupVictims!.map((v) => [v.pid, v.comm])).toEqual([[10, 'app'], [11, 'worker'], [12, 'worker']]);
    // the reaper line is about member 12, not about the event's first victim
    expect(evs[0]!.reaped).toBeNull();
    expect(evs[0]!.lines.at(-1)).toContain('unable to reap pid:12');
    expect(evs[0]!.lines).toHaveLength(8);
    const s = summarize(evs);
    expect([s.events, s.kills, s.memcgKills, s.repeated]).toEqual([1, 3, 3, []]);
    expect(s.byComm).toEqual([{ comm: 'worker', kills: 2 }, { comm: 'app', kills: 1 }]);
    expect(s.byMemcg).toEqual([{ memcg: '/svc', kills: 3, limitKiB: 102400 }]);
  });

  it('streams a group kill: the first victim is returned at once, later members arrive as updates of that one event', () => {
    const updates: OomEvent[] = [];
    const p = new OomLogParser({ onUpdate: (e) => updates.push(e) });
    const first = p.push([HEADER, SUMMARY, kill('100.000003', 10, 'app')].join('\n'));
    expect(first.map((e) => e.kind)).toEqual(['kill']);
    expect(p.push('[  100.000004] Tasks in /svc are going to be killed due to memory.oom.group set')).toEqual([]);
    expect(p.push(kill('100.000005', 11, 'worker'))).toEqual([]);
    expect(updates.every((e) => e === first[0])).toBe(true);
    expect(first[0]!).toMatchObject({ kind: 'group-kill', oomGroup: '/svc' });
    expect(first[0]!.groupVictims!.map((v) => v.pid)).toEqual([10, 11]);
    // a later, separate OOM of the same group is its own event
    const again = p.push([HEADER.replace('100.', '200.'), SUMMARY.replace('100.', '200.'), kill('200.000003', 20, 'app')].join('\n'));
    expect(again.map((e) => [e.kind, e.victim?.pid, e.groupVictims])).toEqual([['kill', 20, undefined]]);
  });

  it('MEMCG from the prefix alone; "Out of memory:" alone leaves the constraint unknown', () => {
    const [a, b] = parseOomLog([kill('1.0', 1, 'a'), '[    2.000000] Out of memory: Killed process 2 (b) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB'].join('\n'));
    expect(a!.constraint).toBe('MEMCG');
    expect(b!.constraint).toBeNull();
    expect(a!.incomplete && b!.incomplete).toBe(true);
  });

  it('reports "no killable processes" and "already exiting" without a kill', () => {
    const evs = parseOomLog([HEADER, '[  100.000002] Out of memory and no killable processes...'].join('\n'));
    expect(evs.map((e) => [e.kind, e.victim])).toEqual([['no-killable', null]]);
    const ex = parseOomLog([HEADER, '[  100.000002] Memory cgroup out of memory: OOM victim 10 (app) is already exiting. Skip killing the task'].join('\n'));
    expect(ex.map((e) => [e.kind, e.victim?.pid, e.constraint])).toEqual([['oom', 10, 'MEMCG']]);
  });

  it('does not join a report with a kill line minutes later', () => {
    const evs = parseOomLog([HEADER, SUMMARY, kill('400.000000', 99, 'other')].join('\n'));
    expect(evs.map((e) => e.kind)).toEqual(['oom', 'kill']);
    expect(evs[1]!.trigger).toBeNull();
  });

  it('ignores what other programs log, even when it looks like a kill', () => {
    const evs = parseOomLog('Nov  2 10:00:00 host myapp[5]: Out of memory: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB');
    expect(evs).toEqual([]);
  });

  it('converts monotonic stamps to wall time only when told the boot time', () => {
    const [ev] = parseOomLog(kill('10.500000', 1, 'a'), { bootTimeMs: Date.parse('2026-01-01T00:00:00Z') });
    expect(ev!.time).toBe('2026-01-01T00:00:10.500Z');
    expect(parseOomLog(kill('10.500000', 1, 'a'))[0]!.time).toBeNull();
  });
});

/** Every kill must come from a line that says "Killed process <its pid> (". */
function killsHaveKillLines(input: string, evs: OomEvent[]): boolean {
  return kills(evs).every((e) => input.includes(`Killed process ${e.victim!.pid}`));
}

describe('parser properties', () => {
  it('never throws on random text and never invents a kill', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { maxLength: 30 }), (lines) => {
        const input = lines.join('\n');
        const evs = parseOomLog(input);
        expect(killsHaveKillLines(input, evs)).toBe(true);
        if (!input.includes('Killed process')) expect(kills(evs)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated real report lines, and every kill has its kill line', () => {
    const mutate = fc
      .tuple(fc.constantFrom(...corpusLines), fc.nat(), fc.nat(), fc.string({ maxLength: 8 }), fc.constantFrom('cut', 'insert', 'delete', 'dup', 'keep'))
      .map(([line, a, b, s, op]) => {
        const i = a % (line.length + 1);
        const j = Math.min(line.length, i + (b % 12));
        if (op === 'cut') return line.slice(0, i);
        if (op === 'insert') return line.slice(0, i) + s + line.slice(i);
        if (op === 'delete') return line.slice(0, i) + line.slice(j);
        if (op === 'dup') return `${line}\n${line}`;
        return line;
      });
    fc.assert(
      fc.property(fc.array(mutate, { maxLength: 60 }), (lines) => {
        const input = lines.join('\n');
        const evs = parseOomLog(input);
        expect(killsHaveKillLines(input, evs)).toBe(true);
        for (const e of evs) {
          if (e.kind === 'oom' || e.kind === 'no-killable') expect(e.kind === 'oom' ? e.incomplete || e.note : true).toBeTruthy();
          expect(e.tasks.length).toBeLessThanOrEqual(10);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a report truncated at any line gives no kill before the kill line and the same kill after it', () => {
    const full = readFileSync(join(FIXTURES, 'shared-6.18-memcg-v1.dmesg.log'), 'utf8').split('\n').filter(Boolean);
    const killAt = full.findIndex((l) => l.includes('Killed process'));
    for (let n = 1; n <= full.length; n++) {
      const evs = parseOomLog(full.slice(0, n).join('\n'));
      if (n <= killAt) {
        expect(kills(evs)).toEqual([]);
        if (n >= 1) expect(evs.every((e) => e.kind === 'oom' && e.incomplete)).toBe(true);
      } else {
        expect(kills(evs).map((e) => [e.victim!.pid, e.incomplete])).toEqual([[5334, false]]);
      }
    }
  });
});
