import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastGet, installFastOutput, runRow, sampleOperations, type GetFn, type OutputLike } from '../../../src/ui/ink/output.js';

// Ink's own Output class, untouched (the test never installs the fast path on it before comparing).
const InkOutput = ((await import(new URL('./output.js', import.meta.resolve('ink')).href)) as { default: new (o: { width: number; height: number }) => OutputLike & { get(): { output: string; height: number } } }).default;
const inkGet: GetFn = InkOutput.prototype.get;

const sgr = fc.constantFrom('\u001b[1m', '\u001b[22m', '\u001b[2m', '\u001b[3m', '\u001b[4m', '\u001b[7m', '\u001b[27m', '\u001b[0m', '\u001b[31m', '\u001b[32m', '\u001b[39m', '\u001b[41m', '\u001b[49m', '\u001b[38;5;208m', '\u001b[48;2;10;20;30m', '\u001b[90m', '\u001b[1;31m', '\u001b[m', '\u001b[22;39m');
const chunk = fc.oneof(
  fc.constantFrom('a', 'PID', ' ', '  ', 'node server.js', '─', '│', '╭', '日本', '😀', 'é', 'e\u0301', '…', '0.4%', '\t'),
  sgr,
);
const line = fc.array(chunk, { maxLength: 12 }).map((xs) => xs.join(''));
const text = fc.array(line, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('\n'));
const transformer = fc.constantFrom<Array<(l: string, i: number) => string>>(
  [],
  [(l) => `\u001b[36m${l}\u001b[39m`],
  [(l, i) => (i % 2 === 0 ? l.toUpperCase() : l)],
  [(_l, i) => `row ${i} \u001b[1mbold\u001b[22m`],
);
const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('write' as const), x: fc.integer({ min: -3, max: 44 }), y: fc.integer({ min: -3, max: 14 }), text, transformers: transformer }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('clip' as const), clip: fc.record({ x1: fc.integer({ min: 0, max: 20 }), x2: fc.integer({ min: 0, max: 40 }), y1: fc.integer({ min: 0, max: 6 }), y2: fc.integer({ min: 0, max: 12 }) }, { requiredKeys: [] }) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'unclip' as const }) },
);
const frame = fc.record({ width: fc.integer({ min: 0, max: 40 }), height: fc.integer({ min: 0, max: 12 }), operations: fc.array(op, { maxLength: 14 }) });

function viaInk(f: OutputLike): string {
  const o = new InkOutput({ width: f.width, height: f.height });
  o.operations = f.operations;
  return inkGet.call(o).output;
}

describe('fast Output.get', () => {
  it("gives Ink's string byte for byte on random frames, from cold and warm caches", () => {
    fc.assert(
      fc.property(frame, (f) => {
        const want = viaInk(f);
        expect(fastGet.call(f).output).toBe(want);
        expect(fastGet.call(f).output).toBe(want); // rows now come from the cache
        expect(fastGet.call(f).height).toBe(f.height);
      }),
      { numRuns: 1500 },
    );
  });

  it('stays exact across a sequence of changing frames (rows cached from the frame before)', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 2, maxLength: 6 }), (frames) => {
        for (const f of frames) expect(fastGet.call(f).output).toBe(viaInk(f));
      }),
      { numRuns: 300 },
    );
  });

  it("draws a row of one styled line without cells, as Ink does, whenever it can", () => {
    const plain = fc.array(fc.oneof(fc.constantFrom('a', 'PID', ' ', '  ', 'node server.js', '─', '│', '…', '0.4%', '→', '×', '▼'), sgr), { maxLength: 14 }).map((xs) => xs.join(''));
    let taken = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), plain, fc.integer({ min: 0, max: 60 }), (x, l, width) => {
        const f = { width, height: 1, operations: [{ type: 'write' as const, x, y: 0, text: l, transformers: [] }] };
        const fast = runRow(x, l, width);
        if (fast !== null) {
          taken++;
          expect(fast).toBe(viaInk(f));
        }
        expect(fastGet.call(f).output).toBe(viaInk(f));
      }),
      { numRuns: 3000 },
    );
    // Most such rows fit and take the run path (the rest are wider than their row).
    expect(taken).toBeGreaterThan(1500);
    // What it leaves to the cell path: other escapes, wide and combining characters, controls.
    for (const l of ['\u001b]8;;http://x\u0007link', '日本', 'e\u0301', 'a\tb', '\u009b1m']) expect(runRow(0, l, 40)).toBeNull();
  });

  it("matches on the sample frame it checks before installing, and installs over Ink's", async () => {
    expect(fastGet.call(sampleOperations()).output).toBe(viaInk(sampleOperations()));
    expect(await installFastOutput()).toBe('fast');
    expect(InkOutput.prototype.get).toBe(fastGet);
    InkOutput.prototype.get = inkGet;
  });
});
