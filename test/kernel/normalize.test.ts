import { describe, expect, it } from 'vitest';
import { KmsgSplitter, parseKmsgRecord, unescapeKmsg } from '../../src/kernel/kmsg.js';
import { normalizeLine, toLogLines } from '../../src/kernel/normalize.js';

const TEXT = 'Out of memory: Killed process 1 (a) total-vm:1kB, anon-rss:1kB, file-rss:0kB';
const ref = { referenceDate: new Date(2026, 10, 22, 12, 0, 0) };

describe('normalizeLine', () => {
  it.each([
    [`[  123.456789] ${TEXT}`, 123456789, null],
    [`<3>[  123.456789] ${TEXT}`, 123456789, null],
    [`kern  :err   : [  123.456789] ${TEXT}`, 123456789, null],
    [`Nov  2 10:00:00 host kernel: ${TEXT}`, null, new Date(2026, 10, 2, 10, 0, 0).getTime()],
    [`Nov  2 10:00:00 host kernel: [  123.456789] ${TEXT}`, 123456789, new Date(2026, 10, 2, 10, 0, 0).getTime()],
    [`Nov 02 10:00:00.250000 host kernel: ${TEXT}`, null, new Date(2026, 10, 2, 10, 0, 0).getTime() + 250],
    [`2026-11-02T10:00:00.500000+01:00 host kernel: ${TEXT}`, null, Date.parse('2026-11-02T09:00:00.500Z')],
    [`[Mon Nov  2 10:00:00 2026] ${TEXT}`, null, new Date(2026, 10, 2, 10, 0, 0).getTime()],
    [`2023-12-04T10:49:30.127Z In(05) vcpu-5 - Guest: <6>[39291577.009360] ${TEXT}`, 39291577009360, Date.parse('2023-12-04T10:49:30.127Z')],
    [`kernel: ${TEXT}`, null, null],
    [`[  123.456789] host kernel: ${TEXT}`, 123456789, null],
  ])('%s', (line, mono, wall) => {
    const n = normalizeLine(line, ref);
    expect(n.text).toBe(TEXT);
    expect(n.monotonicUs).toBe(mono);
    expect(n.wallMs).toBe(wall);
    expect(n.kernel).toBe(true);
  });

  it('marks other programs as not kernel and keeps task-table rows intact', () => {
    expect(normalizeLine('Nov  2 10:00:00 host earlyoom[12]: Killed process 1 (x)', ref).kernel).toBe(false);
    expect(normalizeLine('Aug 18 03:19:11 169 kernel: [ 7747]     0  7748  3226957 python', ref).text).toBe('[ 7747]     0  7748  3226957 python');
  });

  it('puts a December syslog stamp read in January in the previous year', () => {
    const n = normalizeLine(`Dec 31 23:59:00 h kernel: ${TEXT}`, { referenceDate: new Date(2027, 0, 1, 0, 5) });
    expect(new Date(n.wallMs!).getFullYear()).toBe(2026);
  });
});

describe('long blank runs (npm run fuzz: 0.75 s for one 40,000-blank line)', () => {
  it('strips trailing blanks in linear time: a 200,000-blank line is read well inside the fuzz bound of 2 s', () => {
    // The regex /\s+$/ retried from every blank: 200,000 of them took about 19 s.
    const line = `a${' '.repeat(200_000)}:${' '.repeat(200_000)}`;
    const t0 = performance.now();
    expect(normalizeLine(line).text).toBe(`a${' '.repeat(200_000)}:`);
    expect(toLogLines(`[  5.000000] ${line}`)[0]!.text).toBe(`a${' '.repeat(200_000)}:`);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('toLogLines', () => {
  it("splits rsyslog's #012 into lines with the first line's stamp", () => {
    const lines = toLogLines('Nov  2 10:00:00 host kernel: a invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0#012memory: usage 1kB, limit 1kB, failcnt 1', ref);
    expect(lines.map((l) => l.text)).toEqual(['a invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0', 'memory: usage 1kB, limit 1kB, failcnt 1']);
    expect(lines[1]!.wallMs).toBe(lines[0]!.wallMs);
  });

  it('reads kmsg records and their escapes; a record with a newline stays one message; skips dictionary lines', () => {
    // One record is one message: a "\\x0a" inside may be part of a comm (the parser splits
    // the text into lines only when no recognizer takes it whole).
    const lines = toLogLines('6,99,1500000,-;first\\x0asecond \\x5c end');
    expect(lines.map((l) => [l.text, l.monotonicUs, l.level])).toEqual([['first\nsecond \\ end', 1500000, 6]]);
    expect(toLogLines(' SUBSYSTEM=memory')).toEqual([]);
    expect(toLogLines('14,5,10,-;user message')[0]!.kernel).toBe(false);
  });
});

describe('kmsg', () => {
  it('unescapes \\xNN as UTF-8 bytes', () => {
    expect(unescapeKmsg('caf\\xc3\\xa9 \\x1b[31m')).toBe('café \u001b[31m');
    expect(unescapeKmsg('no escapes')).toBe('no escapes');
  });

  it('parses records with dictionaries and rejects non-records', () => {
    expect(parseKmsgRecord('3,12,345,-,caller=T1;text\n SUBSYSTEM=x\n DEVICE=+y\n')).toEqual({
      facility: 0, level: 3, seq: 12, usec: 345, flags: '-', text: 'text', dict: { SUBSYSTEM: 'x', DEVICE: '+y' },
    });
    expect(parseKmsgRecord('[  1.0] not a record')).toBeNull();
  });

  it('a long line without ";" or without a newline costs linear time (npm run fuzz: 5 s for 70,000 characters)', () => {
    const long = `6,1,2,${'x'.repeat(400_000)}`;
    const t0 = performance.now();
    expect(parseKmsgRecord(long)).toBeNull();
    expect(parseKmsgRecord(`6,1,2,-,caller=T1,${'x'.repeat(400_000)};text\n`)?.text).toBe('text');
    const s = new KmsgSplitter();
    const out: string[] = [];
    for (let i = 0; i < 100_000; i++) out.push(...s.push('x'));
    out.push(...s.push(';\n6,2,3,-;next\n'));
    expect(out).toEqual(['6,2,3,-;next\n']); // the long line was no record
    // The quadratic versions took about 160 s and 20 s for these.
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('splits a byte stream into records, whatever the chunking', () => {
    const stream = '6,1,10,-;one\n SUB=a\n6,2,20,-;two\n6,3,30,-;three\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const s = new KmsgSplitter();
      const recs = [...s.push(stream.slice(0, cut)), ...s.push(stream.slice(cut)), ...s.flush()];
      expect(recs.map((r) => parseKmsgRecord(r)?.text)).toEqual(['one', 'two', 'three']);
    }
  });
});
