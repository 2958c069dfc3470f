/**
 * string-width for the bundle, loaded only when a string needs it.
 *
 * string-width builds an Intl.Segmenter and compiles Unicode-property regular expressions
 * (\p{RGI_Emoji} and others) when its module is evaluated, before the TUI's first frame,
 * though what oomtop draws is almost all one-cell characters (measured: ~40 ms of the CPU
 * before the first frame; bench/results/cost-notes.md). The bundle (scripts/bundle.mjs)
 * resolves Ink's and oomtop's `string-width` here: strings of one-cell characters
 * (src/text/one-cell.ts, checked against string-width on every code unit) are their length, and
 * anything else goes to the real string-width, required on first use from its own CommonJS
 * build beside the bundle (dist/bundle/string-width.cjs), or from node_modules outside it.
 * test/text/string-width-lazy.test.ts compares the two.
 */
import { createRequire } from 'node:module';
import { narrowCell } from './one-cell.js';

export interface Options {
  ambiguousIsNarrow?: boolean;
  countAnsiEscapeCodes?: boolean;
}
type StringWidth = (text: string, options?: Options) => number;

let real: StringWidth | null = null;

/** Whether the real string-width has been loaded (for the tests). */
export function loaded(): boolean {
  return real !== null;
}

function load(): StringWidth {
  if (real !== null) return real;
  const require = createRequire(import.meta.url);
  let mod: { default?: StringWidth } | StringWidth;
  try {
    mod = require('./string-width.cjs') as { default?: StringWidth };
  } catch {
    // Not in the bundle (tests): Node ≥ 20.19 requires the ES module itself.
    mod = require('string-width') as { default?: StringWidth };
  }
  real = typeof mod === 'function' ? mod : (mod.default as StringWidth);
  return real;
}

export default function stringWidth(text: string, options?: Options): number {
  // One-cell characters were checked with string-width's defaults (ambiguous = narrow); none
  // is part of an escape sequence, so countAnsiEscapeCodes changes nothing for them.
  if (typeof text === 'string' && (options === undefined || options.ambiguousIsNarrow !== false)) {
    let i = 0;
    while (i < text.length && narrowCell(text.charCodeAt(i))) i++;
    if (i === text.length) return text.length;
  }
  return load()(text, options);
}
