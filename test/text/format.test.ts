import { describe, expect, it } from 'vitest';
import { fmtKiB, fmtSize } from '../../src/text/size.js';

describe('size formatting', () => {
  it('fmtSize is the one prose form: 1024-based, one decimal below 100 where it says something', () => {
    expect(fmtSize(null)).toBe('?');
    expect(fmtSize(undefined)).toBe('?');
    expect(fmtSize(812)).toBe('812 KiB');
    expect(fmtSize(1024)).toBe('1 MiB');
    expect(fmtSize(12.5 * 1024)).toBe('12.5 MiB');
    expect(fmtSize(256 * 1024)).toBe('256 MiB');
    expect(fmtSize(1.5 * 1024 * 1024)).toBe('1.5 GiB');
    expect(fmtSize(32 * 1024 * 1024)).toBe('32 GiB');
    expect(fmtSize(NaN)).toBe('?');
  });
  it('fmtKiB is the column form, at most 5 characters', () => {
    for (const k of [0, 999, 1000, 1023, 1024, 99_999, 1_000_000, 5e9, 7e12]) expect(fmtKiB(k).length).toBeLessThanOrEqual(5);
    expect(fmtKiB(1536)).toBe('1.5M');
  });
});

describe('width', () => {
  it("agrees with string-width on every code unit of its one-cell fast path, and on strings of them with others mixed in", async () => {
    const { default: stringWidth } = await import('string-width');
    const { width } = await import('../../src/text/format.js');
    const fc = (await import('fast-check')).default;
    // Every BMP code unit: the fast path may only answer 1 where string-width does.
    for (let c = 0x20; c < 0x3000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      expect(width(ch), `U+${c.toString(16)}`).toBe(stringWidth(ch));
    }
    const pieces = ['a', '…', '→', '×', '│', '█', '▼', '‰', 'é', '\u00ad', '\u0301', '日', '◽', '👍', '\u200d', '\u001b[1m', '\u001b[22m', ' '];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const s = parts.join('');
        expect(width(s)).toBe(stringWidth(s));
      }),
      { numRuns: 2000 },
    );
  });
});
