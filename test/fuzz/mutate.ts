/**
 * Mutations of real samples for the fuzz targets (test/fuzz/targets.ts): byte flips,
 * truncations, inserted tokens (parentheses, newlines, NUL, ESC, huge numbers), huge
 * lines, duplicated, dropped and shuffled lines. Each mutation is drawn by fast-check, so a
 * failing input shrinks and replays from its seed.
 */
import fc from 'fast-check';

/** What a hostile name, a broken file or a wrapped log can put in the middle of a sample. */
export const TOKENS = [
  ')', '(', ') ', ' (', '\n', '\0', '\u001b', '\u001b[2J', '\u001b[H', '\u001b]0;x\u0007', '\r', '\t', ' ', '  ',
  '\u009b', '\u2028', '\u202e', '\\', '\\x0a', '\\x1b', '#012', '=', ':', ',', ';', '-', '+', '.', '/', '[', ']', '<3>', '\ufffd',
  '0', '-1', '4294967296', '18446744073709551615', '9223372036854771712', '99999999999999999999999999999999',
  '1e309', 'NaN', 'Infinity', '0x10', '-0', '007', 'max', 'kB', 'é', '\ud83d\ude00',
];

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'cut'; at: number }
  | { op: 'drop'; at: number; len: number }
  | { op: 'insert'; at: number; token: string }
  | { op: 'huge-number'; at: number; digits: number }
  | { op: 'huge-line'; at: number; char: string; len: number }
  | { op: 'dup'; at: number; len: number }
  | { op: 'shuffle'; seed: number }
  | { op: 'drop-line'; at: number }
  | { op: 'swap-lines'; a: number; b: number };

/** Positions are fractions of the length, so one mutation fits any sample. */
const at = fc.double({ min: 0, max: 1, noNaN: true });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('byte' as const), at, value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cut' as const), at }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), at, len: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('insert' as const), at, token: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('huge-number' as const), at, digits: fc.integer({ min: 16, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('huge-line' as const), at, char: fc.constantFrom('a', ' ', '9', '(', ')', '[', '\\x41', ',', ';', '='), len: fc.integer({ min: 1000, max: 70_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dup' as const), at, len: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('shuffle' as const), seed: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop-line' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swap-lines' as const), a: at, b: at }) },
);

const pos = (f: number, n: number) => Math.min(n, Math.floor(f * (n + 1)));

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed | 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = Math.abs(s) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Apply one mutation; the text is treated as Latin-1 bytes for flips, so any byte can appear. */
export function applyMutation(text: string, m: Mutation): string {
  const n = text.length;
  switch (m.op) {
    case 'flip': {
      if (n === 0) return text;
      const i = Math.min(n - 1, pos(m.at, n - 1));
      return text.slice(0, i) + String.fromCharCode((text.charCodeAt(i) ^ (1 << m.bit)) & 0xffff) + text.slice(i + 1);
    }
    case 'byte': {
      const i = pos(m.at, n);
      return text.slice(0, i) + String.fromCharCode(m.value) + text.slice(i + 1);
    }
    case 'cut':
      return text.slice(0, pos(m.at, n));
    case 'drop': {
      const i = pos(m.at, n);
      return text.slice(0, i) + text.slice(i + m.len);
    }
    case 'insert': {
      const i = pos(m.at, n);
      return text.slice(0, i) + m.token + text.slice(i);
    }
    case 'huge-number': {
      const i = pos(m.at, n);
      return text.slice(0, i) + '9'.repeat(m.digits) + text.slice(i);
    }
    case 'huge-line': {
      const i = pos(m.at, n);
      return text.slice(0, i) + m.char.repeat(Math.ceil(m.len / m.char.length)) + text.slice(i);
    }
    case 'dup': {
      const i = pos(m.at, n);
      return text.slice(0, i + m.len) + text.slice(i, i + m.len) + text.slice(i + m.len);
    }
    case 'shuffle':
      return shuffled(text.split('\n'), m.seed).join('\n');
    case 'drop-line': {
      const lines = text.split('\n');
      lines.splice(pos(m.at, lines.length - 1), 1);
      return lines.join('\n');
    }
    case 'swap-lines': {
      const lines = text.split('\n');
      const a = pos(m.a, lines.length - 1);
      const b = pos(m.b, lines.length - 1);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\n');
    }
  }
}

/** A real sample, then 0..5 mutations of it (0: the sample as it is). */
export function mutated(seeds: readonly string[], opts: { maxMutations?: number; mutations?: fc.Arbitrary<Mutation> } = {}): fc.Arbitrary<string> {
  if (seeds.length === 0) throw new Error('a fuzz target needs at least one real sample');
  return fc
    .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(opts.mutations ?? mutation, { maxLength: opts.maxMutations ?? 5 }))
    .map(([i, ms]) => ms.reduce(applyMutation, seeds[i]!));
}

/** Mutations that cannot spell a kernel message out of nothing: no tokens, no copied text. */
export const blindMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('cut' as const), at }),
  fc.record({ op: fc.constant('drop' as const), at, len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('insert' as const), at, token: fc.constantFrom(')', '(', '\n', '\0', '\u001b', '\u001b[2J', '9999999999999999999999', ' ', '\\x0a', '#012') }),
  fc.record({ op: fc.constant('shuffle' as const), seed: fc.integer() }),
);
