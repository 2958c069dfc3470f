/**
 * The one option parser of every subcommand: node:util parseArgs (strict, long and short
 * options, `--opt value` and `--opt=value`), plus what it lacks:
 * - a negative number is the value of an option that takes a number: `--protect-adj -300`
 *   and `-d -1` mean what they say (parseArgs alone rejects them as "ambiguous"), so the
 *   value's own check can give its one-line range error;
 * - every error is a UsageError of one line (exit 2), never a usage dump.
 */
import { parseArgs } from 'node:util';
import { sanitize } from '../text/sanitize.js';
import { UsageError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value is a number (or a duration): a leading "-" is a sign, not an option. */
  number?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

type Values<S extends OptionSpecs> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : S[K]['multiple'] extends true ? string[] : string;
};

/** Longest option or value before "--" (PATH_MAX: a path, a regex, a hook command). */
export const MAX_ARG_LENGTH = 4096;

const NEGATIVE = /^-(?:\d+(?:\.\d*)?|\.\d+)(?:ms|s)?$/;

/** `--opt -5` → `--opt=-5` (and `-d -5` → `--interval=-5`) for options that take a number. */
export function bindNegativeNumbers(argv: string[], specs: OptionSpecs): string[] {
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([name, s]) => [s.short!, name]));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') ? a.slice(2) : /^-[^-]$/.test(a) ? byShort.get(a.slice(1)) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && specs[name]?.number && next !== undefined && NEGATIVE.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

export function parseOptions<S extends OptionSpecs>(
  argv: string[],
  specs: S,
  opts: { positionals?: boolean } = {},
): { values: Values<S>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs)) {
    options[name] = { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) };
  }
  // node's parseArgs takes "-abc" as a group of short options and shifts them off an array one
  // by one: quadratic, 10 s for one 55,000-character argument (found by npm run fuzz).
  const end = argv.indexOf('--');
  for (const a of end < 0 ? argv : argv.slice(0, end)) {
    if (a.length > MAX_ARG_LENGTH) throw new UsageError(`an argument of ${a.length} characters (at most ${MAX_ARG_LENGTH}): ${a.slice(0, 40)}...`);
  }
  try {
    const r = parseArgs({ args: bindNegativeNumbers(argv, specs), options, strict: true, allowPositionals: opts.positionals ?? false });
    return { values: r.values as Values<S>, positionals: r.positionals };
  } catch (e) {
    // One line, but keep node's hint (how to pass a value that starts with a dash).
    throw new UsageError(sanitize((e as Error).message.split('\n').join(' ')));
  }
}
