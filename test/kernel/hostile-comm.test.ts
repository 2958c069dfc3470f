import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OomLogParser, parseOomLog } from '../../src/kernel/parser.js';
import type { OomEvent } from '../../src/kernel/types.js';

/**
 * A process can name itself anything up to 15 bytes (prctl(PR_SET_NAME)), and the
 * kernel prints that name unescaped inside its OOM report. Whatever the name holds, the
 * parser must report the hog as the victim and the trigger, never a name it faked.
 * The real samples of this are in the corpus (local-6.18-hostile-comm.*); these reports
 * are built from the same kernel format strings, for names nothing real has tried.
 */

const PIECES = ['a', 'Z', 'y', ' ', ')', '(', ') ', '\n', '\u001b', '[2J', '\u0007', ',', '=', ':', '-', '0', '9', 'kB',
  'total-vm:', ',pid=', ',uid=', ' Tainted', 'Not tainted', ' invoked', 'oom-killer:', ' cpuset=', 'sshd', 'Killed process ', '[ 1.5] ', '\n ', '\t'];
const comm = fc
  .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 })
  .map((xs) => xs.join('').slice(0, 15))
  .filter((c) => c.length > 0);

function report(pid: number, name: string): string[] {
  return [
    `${name} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`,
    `CPU: 1 UID: 0 PID: ${pid} Comm: ${name} Not tainted 6.18.44-fc-v769 #1 PREEMPT(none) `,
    'Call Trace:',
    ' <TASK>',
    ' dump_stack_lvl+0x59/0x90',
    ' </TASK>',
    'memory: usage 32768kB, limit 32768kB, failcnt 21',
    'Memory cgroup stats for /hog:',
    'rss 33488896',
    'Tasks state (memory values in pages):',
    '[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name',
    '[    812]     0   812     2000      300      200      100         0    40960        0             0 sshd',
    `[ ${String(pid).padStart(6)}]     0 ${String(pid).padStart(5)}     8843     8502     8160      342         0   114688        0             0 ${name}`,
    `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/hog,task_memcg=/hog,task=${name},pid=${pid},uid=0`,
    `Memory cgroup out of memory: Killed process ${pid} (${name}) total-vm:35372kB, anon-rss:32640kB, file-rss:1368kB, shmem-rss:0kB, UID:0 pgtables:112kB oom_score_adj:0`,
  ];
}

/** /dev/kmsg: the kernel escapes every byte below 0x20, at or above 0x7f, and "\" as \xNN. */
function asKmsg(lines: string[]): string {
  const esc = (t: string) =>
    [...Buffer.from(t, 'utf8')].map((b) => (b < 0x20 || b >= 0x7f || b === 0x5c ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b))).join('');
  return lines.map((l, i) => `${i === 14 ? 3 : 6},${100 + i},${241145527 + i},-;${esc(l)}\n`).join('');
}

/** dmesg: control characters other than the newline as \xNN; a newline starts an indented continuation line. */
const dmesgName = (t: string) => t.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
function asDmesg(lines: string[], stamp: (i: number) => string): string {
  return lines
    .map((l, i) => {
      const prefix = stamp(i);
      return prefix + dmesgName(l).split('\n').join(`\n${' '.repeat(prefix.length)}`);
    })
    .join('\n');
}

function only(events: OomEvent[]): OomEvent {
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('hostile process names in the kernel report', () => {
  it('a comm never changes the victim or the trigger in /dev/kmsg records', () => {
    fc.assert(
      fc.property(comm, fc.integer({ min: 2, max: 4_000_000 }), (name, pid) => {
        const ev = only(parseOomLog(asKmsg(report(pid, name))));
        expect(ev.kind).toBe('kill');
        expect(ev.victim).toMatchObject({ pid, comm: name, anonRssKiB: 32640 });
        expect(ev.trigger).toMatchObject({ pid, comm: name });
        // (A name of blanks alone is lost from the task table, which ends at the line's end.)
        if (name.trim() !== '') expect(ev.tasks.map((t) => t.pid).sort((a, b) => a - b)).toEqual([812, pid].sort((a, b) => a - b));
        expect(ev.incomplete).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['dmesg', (i: number) => `[  241.${String(145527 + i).padStart(6, '0')}] `],
    ['dmesg -T', () => '[Tue Dec  1 20:20:31 2026] '],
  ])('a comm never changes the victim or the trigger in %s output (continuation lines joined)', (_label, stamp) => {
    fc.assert(
      fc.property(comm, fc.integer({ min: 2, max: 4_000_000 }), (name, pid) => {
        const ev = only(parseOomLog(asDmesg(report(pid, name), stamp)));
        expect(ev.kind).toBe('kill');
        expect(ev.victim).toMatchObject({ pid, comm: dmesgName(name), anonRssKiB: 32640 });
        expect(ev.trigger).toMatchObject({ pid, comm: dmesgName(name) });
        expect(ev.incomplete).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('the example from the issue: "x) Z (y\\nsshd" in dmesg is one name, not "x" triggered by sshd', () => {
    const name = 'x) Z (y\nsshd';
    const ev = only(parseOomLog(asDmesg(report(5680, name), () => '[  241.145527] ')));
    expect(ev.victim).toMatchObject({ pid: 5680, comm: name, anonRssKiB: 32640, totalVmKiB: 35372 });
    expect(ev.trigger).toMatchObject({ comm: name, pid: 5680 });
    expect(ev.tasks.find((t) => t.pid === 5680)?.name).toBe(name);
  });

  it('a backslash in a comm survives the kernel\'s \\x5c escape', () => {
    const ev = only(parseOomLog(asKmsg(report(77, 'a\\x0ab'))));
    expect(ev.victim?.comm).toBe('a\\x0ab');
  });

  it('a live dmesg --follow hands over a held line once the input goes quiet', () => {
    const p = new OomLogParser();
    const lines = asDmesg(report(9, 'a\nb'), () => '[  1.000000] ').split('\n');
    const evs = lines.flatMap((l) => p.push(l));
    // The kill line is whole: its event comes at once, without waiting for another line.
    expect(evs.map((e) => e.victim?.comm)).toEqual(['a\nb']);
    p.push('[  2.000000] oom_reaper: unable to reap pid:9 (a');
    expect(p.drainPending()).toEqual([]);
  });
});
