import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_MEMORY_BYTES, parseSizeSpec, resolveBudget, specBytes, type SizeSpec } from '../../src/run/budget.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function bytes(text: string): number {
  const s = parseSizeSpec(text);
  if ('error' in s || s.kind !== 'bytes') throw new Error(`not bytes: ${text}`);
  return s.bytes;
}

describe('sizes parsed like systemd', () => {
  it('takes 1024-based suffixes, decimals and optional B/iB', () => {
    expect(bytes('512M')).toBe(512 * MiB);
    expect(bytes('2G')).toBe(2 * GiB);
    expect(bytes('1.5G')).toBe(1.5 * GiB);
    expect(bytes('64K')).toBe(64 * 1024);
    expect(bytes('64k')).toBe(64 * 1024);
    expect(bytes('512MiB')).toBe(512 * MiB);
    expect(bytes('512MB')).toBe(512 * MiB);
    expect(bytes('1T')).toBe(2 ** 40);
    expect(bytes('4096')).toBe(4096);
    expect(bytes('4096B')).toBe(4096);
    expect(bytes(' 1G ')).toBe(GiB);
  });
  it('takes percentages and infinity', () => {
    expect(parseSizeSpec('50%')).toEqual({ kind: 'percent', pct: 50 });
    expect(parseSizeSpec('12.5%')).toEqual({ kind: 'percent', pct: 12.5 });
    expect(parseSizeSpec('infinity')).toEqual({ kind: 'infinity' });
    expect(specBytes({ kind: 'percent', pct: 50 }, 8 * GiB)).toBe(4 * GiB);
    expect(specBytes({ kind: 'infinity' }, 8 * GiB)).toBeNull();
  });
  it('says what is wrong with anything else', () => {
    for (const bad of ['', 'lots', '-1G', '1X', '1GG', '0%', '101%', '1,5G', '1e9', 'G', '%', '50 %', 'infinite', '1G2']) {
      const s = parseSizeSpec(bad);
      expect('error' in s, bad).toBe(true);
    }
    expect(parseSizeSpec('lots')).toEqual({ error: '"lots" is not a size (examples: 512M, 2G, 1.5G, 50%)' });
    expect(parseSizeSpec('200%')).toEqual({ error: '200% is not a percentage above 0 and at most 100' });
    expect(parseSizeSpec('99999999E')).toEqual({ error: '99999999E is too large' });
  });
  it('round-trips any whole size with any suffix', () => {
    const units = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom('K', 'M', 'G'), (n, u) => {
        expect(bytes(`${n}${u}`)).toBe(n * units[u]);
      }),
    );
  });
});

describe('the budget against the parent and the machine', () => {
  const base = {
    high: null as SizeSpec | null,
    swap: null as SizeSpec | null,
    ramBytes: 8 * GiB,
    swapBytes: 2 * GiB,
    parentLimitBytes: null as number | null,
    parentPath: '/',
  };
  const mem = (text: string) => parseSizeSpec(text) as SizeSpec;

  it('resolves sizes and percentages', () => {
    const r = resolveBudget({ ...base, memory: mem('50%'), high: mem('1G'), swap: mem('50%') });
    expect(r).toEqual({ ok: true, budget: { memoryBytes: 4 * GiB, highBytes: GiB, swapBytes: GiB } });
  });
  it('refuses a budget above the machine or the parent, with the sizes in the message', () => {
    expect(resolveBudget({ ...base, memory: mem('9G') })).toEqual({
      ok: false,
      message: "--memory: 9216 MiB is more than this machine's memory (8192 MiB)",
    });
    const r = resolveBudget({ ...base, memory: mem('1G'), parentLimitBytes: 512 * MiB, parentPath: '/docker/abc' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/1024 MiB is more than the limit of the parent cgroup \/docker\/abc \(512 MiB\)/);
    expect(resolveBudget({ ...base, memory: mem('512M'), parentLimitBytes: 512 * MiB }).ok).toBe(true);
  });
  it('refuses --high above --memory, a zero or tiny budget, and infinity', () => {
    expect(resolveBudget({ ...base, memory: mem('1G'), high: mem('2G') })).toMatchObject({ ok: false, message: expect.stringMatching(/^--high: 2048 MiB is above --memory 1024 MiB/) });
    expect(resolveBudget({ ...base, memory: mem('0') }).ok).toBe(false);
    expect(resolveBudget({ ...base, memory: { kind: 'bytes', bytes: MIN_MEMORY_BYTES - 1 } }).ok).toBe(false);
    expect(resolveBudget({ ...base, memory: { kind: 'infinity' } }).ok).toBe(false);
  });
  it('never accepts a budget above the parent limit or RAM', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 * 1024 }), fc.option(fc.integer({ min: 1, max: 64 * 1024 })), (memMiB, parentMiB) => {
        const r = resolveBudget({ ...base, memory: { kind: 'bytes', bytes: memMiB * MiB }, parentLimitBytes: parentMiB === null ? null : parentMiB * MiB });
        const fits = memMiB * MiB <= base.ramBytes && (parentMiB === null || memMiB <= parentMiB);
        expect(r.ok).toBe(fits);
      }),
    );
  });
});
