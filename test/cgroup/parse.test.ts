import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ancestorsOrSelf,
  keyedValue,
  effectiveLimit,
  parentPath,
  parseBytesKiB,
  parseKeyed,
  parseLimitKiB,
  parseOomControl,
  parsePids,
} from '../../src/cgroup/parse.js';

describe('limits', () => {
  it('"max" and the v1 PAGE_COUNTER_MAX value mean no limit', () => {
    expect(parseLimitKiB('max\n')).toBeNull();
    expect(parseLimitKiB('9223372036854771712\n')).toBeNull();
    // 64 KiB pages print a different huge number: still unlimited.
    expect(parseLimitKiB('9223372036854710272')).toBeNull();
    expect(parseLimitKiB(String(2 ** 60))).toBeNull();
  });

  it('a real limit comes back in KiB', () => {
    expect(parseLimitKiB('268435456\n')).toBe(262144);
    expect(parseLimitKiB('0')).toBe(0);
    expect(parseLimitKiB(String(2 ** 60 - 4096))).toBe((2 ** 60 - 4096) / 1024);
  });

  it('garbage is not a limit', () => {
    expect(parseLimitKiB('')).toBeUndefined();
    expect(parseLimitKiB('-1')).toBeUndefined();
    expect(parseBytesKiB('x')).toBeNull();
    expect(parseBytesKiB('2048\n')).toBe(2);
    // 309 digits and more are Infinity as a Number: not a counter (found by npm run fuzz).
    expect(parseBytesKiB(`${'9'.repeat(330)}\n`)).toBeNull();
    expect(parseBytesKiB('9223372036854771712')).toBe(Math.floor(9223372036854771712 / 1024));
  });

  it('effectiveLimit is the smallest set limit', () => {
    expect(effectiveLimit([null, 300, undefined, 512, null])).toBe(300);
    expect(effectiveLimit([null, undefined])).toBeNull();
    fc.assert(
      fc.property(fc.array(fc.option(fc.nat(), { nil: null })), (ls) => {
        const set = ls.filter((l): l is number => l !== null);
        expect(effectiveLimit(ls)).toBe(set.length ? Math.min(...set) : null);
      }),
    );
  });
});

describe('keyed files', () => {
  it('parses memory.stat / memory.events / memory.oom_control', () => {
    const m = parseKeyed('oom_kill_disable 0\nunder_oom 1\noom_kill 7\nbogus\nx y\n');
    expect(m.get('under_oom')).toBe(1);
    expect(m.get('oom_kill')).toBe(7);
    expect(m.has('x')).toBe(false);
    expect(m.size).toBe(3);
  });
});

describe('paths', () => {
  it('parents and ancestors', () => {
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/')).toBeNull();
    expect(ancestorsOrSelf('/a/b/c')).toEqual(['/a/b/c', '/a/b', '/a', '/']);
    expect(ancestorsOrSelf('/')).toEqual(['/']);
  });

  it('cgroup.procs', () => {
    expect(parsePids('12\n7\n\n')).toEqual([12, 7]);
    expect(parsePids('')).toEqual([]);
    // 1e97 is an integer to JavaScript, not a PID (npm run fuzz).
    expect(parsePids(`${'9'.repeat(97)}\n42\n`)).toEqual([42]);
  });
});

describe('memory.oom_control', () => {
  it('reads the flags and the kill counter', () => {
    expect(parseOomControl('oom_kill_disable 1\nunder_oom 0\noom_kill 7\n')).toEqual({ oomKillDisable: true, underOom: false, oomKill: 7 });
    expect(parseOomControl('oom_kill_disable 0\nunder_oom 1\noom_kill 0\n')).toEqual({ oomKillDisable: false, underOom: true, oomKill: 0 });
  });

  it('kernels before 4.13 have no oom_kill line', () => {
    expect(parseOomControl('oom_kill_disable 0\nunder_oom 0\n')).toEqual({ oomKillDisable: false, underOom: false, oomKill: null });
  });

  it('not an oom_control file: null', () => {
    expect(parseOomControl('')).toBeNull();
    expect(parseOomControl('under_oom 1\n')).toBeNull();
    expect(parseOomControl('0\n')).toBeNull();
  });
});

describe('keyedValue: parseKeyed(text).get(key) without the map', () => {
  it('agrees with parseKeyed on every real v1 memory.stat and memory.oom_control here', () => {
    const root = '/sys/fs/cgroup/memory';
    if (!existsSync(join(root, 'memory.stat'))) return;
    let n = 0;
    for (const dir of [root, ...readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, d.name))]) {
      for (const f of ['memory.stat', 'memory.oom_control']) {
        let text: string;
        try {
          text = readFileSync(join(dir, f), 'utf8');
        } catch {
          continue;
        }
        const m = parseKeyed(text);
        for (const k of [...m.keys(), 'absent_key', 'inactive_file', 'total_inactive_file']) expect(keyedValue(text, k)).toBe(m.get(k));
        n++;
      }
    }
    expect(n).toBeGreaterThan(0);
  });

  it('agrees with parseKeyed on random keyed texts (duplicates, non-numbers, prefixes and suffixes of keys)', () => {
    const key = fc.constantFrom('inactive_file', 'total_inactive_file', 'inactive_file_x', 'x', 'hierarchical_memory_limit', '');
    const value = fc.constantFrom('5', ' 7 ', '9223372036854771712', 'abc', '', '-1', '1e3', '0x10');
    const line = fc.tuple(key, fc.constantFrom(' ', '  ', '', '\t'), value).map(([k, sep, v]) => `${k}${sep}${v}`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.boolean(), (lines, nl) => {
        const text = lines.join('\n') + (nl ? '\n' : '');
        const m = parseKeyed(text);
        for (const k of ['inactive_file', 'total_inactive_file', 'x', 'hierarchical_memory_limit']) expect(keyedValue(text, k)).toBe(m.get(k));
      }),
      { numRuns: 3000 },
    );
  });
});
