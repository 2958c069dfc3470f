// The bundle's string-width (src/text/string-width-lazy.ts) answers one-cell strings itself and
// loads the real string-width only for the others: the same widths as string-width, always.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import realWidth from 'string-width';
import lazyWidth, { loaded } from '../../src/text/string-width-lazy.js';

describe('lazy string-width', () => {
  it('does not load string-width for one-cell text (the header, the table, box drawing)', () => {
    for (const s of ['', 'PID USER SCORE', 'Mem [||||    ] 2.1G', 'risk↓ RISK▼ ─── │ …', 'naïve façade ±5 °C', '⌊x⌋ ≤ 3 ▶ ◀ █ ░']) expect(lazyWidth(s)).toBe(s.length);
    expect(loaded()).toBe(false);
    expect(lazyWidth('日本')).toBe(4);
    expect(loaded()).toBe(true);
  });

  it('every code unit below U+3000 alone, as string-width measures it', () => {
    for (let c = 0; c < 0x3000; c++) {
      const s = String.fromCharCode(c);
      expect(lazyWidth(s), `U+${c.toString(16)}`).toBe(realWidth(s));
    }
  });

  const alphabet = fc.constantFrom(
    'a', 'Z', ' ', '~', 'é', '·', '…', '—', '↓', '▼', '─', '│', '█', '⌊',
    '日', '本', '한', 'ｱ', '\u0301', '\u200d', '\ufe0f', '\u20e3', '👍', '🏽', '👨‍👩‍👧', '🇩🇪', '\u001b[31m', '\u001b[0m', '\t', '\n', '\u00ad', '\u1100', '\u1161', '\u11a8', '\u0915', '\u093e',
  );
  it('the same width as string-width for generated strings, with and without options', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), fc.option(fc.record({ ambiguousIsNarrow: fc.boolean(), countAnsiEscapeCodes: fc.boolean() }, { requiredKeys: [] }), { nil: undefined }), (parts, options) => {
        const s = parts.join('');
        expect(lazyWidth(s, options)).toBe(realWidth(s, options));
      }),
      { numRuns: 5000 },
    );
  });

  it('the bundle carries the real string-width as CommonJS beside it', () => {
    const file = new URL('../../dist/bundle/string-width.cjs', import.meta.url);
    expect(existsSync(file), 'npm run build makes dist/bundle/string-width.cjs').toBe(true);
    const mod = createRequire(import.meta.url)(file.pathname) as { default: (s: string) => number };
    for (const s of ['abc', '日本語', '👨‍👩‍👧', 'e\u0301', '\u001b[31mred\u001b[0m']) expect(mod.default(s)).toBe(realWidth(s));
  });
});
