import { describe, expect, it } from 'vitest';
import { parseCmdline, parseStat, parseStatus } from '../../src/proc/process.js';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseKernelRelease, parseLoadavg, parseMeminfo, parsePressure, parseVmstatField, readLoadavg, readUptimeSeconds } from '../../src/proc/system.js';
import { parsePasswd } from '../../src/proc/users.js';
import { statLine } from '../helpers/fakeproc.js';

describe('parseStat', () => {
  it('reads the fields oomtop uses', () => {
    const s = parseStat(statLine({ pid: 42, comm: 'mysqld', ppid: 7, startTime: 98765, rssPages: 2560 }));
    expect(s).toMatchObject({ pid: 42, comm: 'mysqld', state: 'S', ppid: 7, pgrp: 42, startTimeTicks: 98765, rssPages: 2560 });
  });

  it.each([
    ['spaces and parentheses', 'a (b) c'],
    ['a lone closing paren', 'x) 1 2 3'],
    ['escape sequences', '\u001b[2J\u001b[31mevil'],
    ['an embedded newline', 'two\nlines'],
    ['wide characters', '数据库'],
  ])('keeps a comm with %s intact', (_what, comm) => {
    const s = parseStat(statLine({ pid: 9, comm, startTime: 5 }));
    expect(s?.comm).toBe(comm);
    expect(s?.startTimeTicks).toBe(5);
  });

  it.each(['', 'garbage', '12 (x', '12 (x) S 1 2', 'abc (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22'])('returns null for malformed %j', (text) => {
    expect(parseStat(text)).toBeNull();
  });
});

describe('parseStatus', () => {
  it('reads uid, RSS split, swap and page tables', () => {
    const s = parseStatus('Name:\tpostgres\nUid:\t999\t999\t999\t999\nVmSize:\t 100 kB\nVmRSS:\t  5000 kB\nRssAnon:\t 3000 kB\nRssFile:\t 1500 kB\nRssShmem:\t 500 kB\nVmPTE:\t 88 kB\nVmSwap:\t 1024 kB\n');
    expect(s).toEqual({ name: 'postgres', uid: 999, vmRssKiB: 5000, rssAnonKiB: 3000, rssFileKiB: 1500, rssShmemKiB: 500, vmSwapKiB: 1024, vmPteKiB: 88, hasMm: true });
  });
  it('knows a kernel thread by its missing Vm lines', () => {
    expect(parseStatus('Name:\tkworker/0:1\nUid:\t0\t0\t0\t0\n')?.hasMm).toBe(false);
  });
  it('gives null RSS split on old kernels without RssAnon', () => {
    const s = parseStatus('Name:\tx\nUid:\t0\t0\t0\t0\nVmSize:\t1 kB\nVmRSS:\t 10 kB\n');
    expect(s?.rssAnonKiB).toBeNull();
    expect(s?.vmRssKiB).toBe(10);
  });
  it('returns null without Name or Uid', () => {
    expect(parseStatus('VmRSS: 1 kB\n')).toBeNull();
  });
});

describe('system files', () => {
  it('parses meminfo and estimates MemAvailable on old kernels', () => {
    const m = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n');
    expect(m).toMatchObject({ totalKiB: 1000, availableKiB: 350, availableEstimated: true });
    expect(parseMeminfo('nonsense')).toBeNull();
  });
  it('parses PSI with and without the full line', () => {
    expect(parsePressure('some avg10=1.50 avg60=0.20 avg300=0.00 total=123\nfull avg10=0.50 avg60=0.10 avg300=0.00 total=45\n')).toEqual({
      some: { avg10: 1.5, avg60: 0.2, avg300: 0, total: 123 },
      full: { avg10: 0.5, avg60: 0.1, avg300: 0, total: 45 },
    });
    expect(parsePressure('some avg10=1.00 avg60=0.00 avg300=0.00 total=1\n')?.full).toBeNull();
    expect(parsePressure('some avg10=x')).toBeNull();
  });
  it('parses kernel releases of many shapes', () => {
    expect(parseKernelRelease('2.6.32-754.el6.x86_64')).toMatchObject({ major: 2, minor: 6, patch: 32 });
    expect(parseKernelRelease('6.18.44-fc-v769')).toMatchObject({ major: 6, minor: 18, patch: 44 });
    expect(parseKernelRelease('5.9')).toMatchObject({ major: 5, minor: 9, patch: 0 });
    expect(parseKernelRelease('weird')).toBeNull();
    // 400 nines made the major Infinity (npm run fuzz): no version part has ten digits.
    expect(parseKernelRelease(`${'9'.repeat(400)}.6.32`)).toBeNull();
  });
  it('finds oom_kill in vmstat wherever it stands', () => {
    expect(parseVmstatField('oom_kill 3\nx 1\n', 'oom_kill')).toBe(3);
    expect(parseVmstatField('a 1\noom_kill 7\n', 'oom_kill')).toBe(7);
    expect(parseVmstatField('a 1\n', 'oom_kill')).toBeNull();
  });
  it('turns cmdline NULs into spaces', () => {
    expect(parseCmdline('node\0-e\0x\0\0')).toBe('node -e x');
    expect(parseCmdline('')).toBe('');
  });
  it('maps uids to names from passwd', () => {
    const m = parsePasswd('root:x:0:0::/root:/bin/sh\nbroken\nmysql:x:27:27::/:/bin/false\n');
    expect(m.get(0)).toBe('root');
    expect(m.get(27)).toBe('mysql');
  });
});

describe('load and uptime', () => {
  it('parses /proc/loadavg, and says null for anything else', () => {
    expect(parseLoadavg('0.52 0.58 0.59 2/345 12345\n')).toEqual({ one: 0.52, five: 0.58, fifteen: 0.59, running: 2, tasks: 345 });
    expect(parseLoadavg('')).toBeNull();
    expect(parseLoadavg('0.5 0.5')).toBeNull();
    // Digits and dots that match the pattern but are no number (npm run fuzz: Infinity, NaN).
    expect(parseLoadavg(`${'9'.repeat(400)}.5 0.5 0.5 1/2 3`)).toBeNull();
    expect(parseLoadavg('1.2.3 0.5 0.5 1/2 3')).toBeNull();
  });

  it('reads the real /proc/loadavg and /proc/uptime', () => {
    const load = readLoadavg('/proc')!;
    expect(load.tasks).toBeGreaterThan(0);
    expect(load.running).toBeGreaterThanOrEqual(0);
    const up = readUptimeSeconds('/proc')!;
    expect(up).toBeGreaterThan(0);
    expect(Math.abs(up - Number.parseFloat(readFileSync('/proc/uptime', 'utf8')))).toBeLessThan(5);
  });
});

describe('parseStatus without a map of every line', () => {
  // The former parser, every line into a map: the reference the scanning one must match.
  const byMap = (text: string) => {
    const kv = new Map<string, string>();
    for (const line of text.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) kv.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const kib = (v: string | undefined) => {
      if (v === undefined) return null;
      const n = Number.parseInt(v, 10);
      return Number.isFinite(n) ? n : null;
    };
    const name = kv.get('Name');
    const uidLine = kv.get('Uid');
    if (name === undefined || uidLine === undefined) return null;
    const uid = Number.parseInt(uidLine, 10);
    if (!Number.isFinite(uid)) return null;
    return {
      name,
      uid,
      vmRssKiB: kib(kv.get('VmRSS')) ?? 0,
      rssAnonKiB: kib(kv.get('RssAnon')),
      rssFileKiB: kib(kv.get('RssFile')),
      rssShmemKiB: kib(kv.get('RssShmem')),
      vmSwapKiB: kib(kv.get('VmSwap')) ?? 0,
      vmPteKiB: kib(kv.get('VmPTE')) ?? 0,
      hasMm: kv.has('VmSize'),
    };
  };

  it('gives what a map of every line gave, on real status files', () => {
    let n = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue;
      }
      expect(parseStatus(text)).toEqual(byMap(text));
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });

  it('gives what a map of every line gave, on random texts built from status keys', () => {
    const key = fc.constantFrom('Name', 'Uid', 'VmSize', 'VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmSwap', 'VmPTE', 'xName', 'Nam', 'VmRSSx', '');
    const value = fc.oneof(fc.constantFrom('\t 100 kB', '\t0\t0\t0\t0', ' x: y ', '', '\t-5 kB', ':'), fc.string({ maxLength: 8 }));
    const line = fc.tuple(key, fc.constantFrom(':', '', ' :'), value).map(([k, c, v]) => `${k}${c}${v}`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 14 }), fc.boolean(), (lines, nl) => {
        const text = lines.join('\n') + (nl ? '\n' : '');
        expect(parseStatus(text)).toEqual(byMap(text));
      }),
      { numRuns: 3000 },
    );
  });
});
