/**
 * The one option parser of every subcommand: node:util parseArgs (strict, long and short
 * options, `--opt value` and `--opt=value`), plus what it lacks:
 * - a negative number is the value of an option that takes a number: `--protect-adj -300`
 *   and `-d -1` mean what they say (parseArgs alone rejects them as "ambiguous"), so the
 *   value's own check can give its one-line range error;
 * - the value of an option that takes other options (`--guard-opts "--mem-term 15"`) is taken
 *   as its value although it starts with a dash (parseArgs alone calls it "ambiguous");
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
  /** The value is a string of options for something else (--guard-opts): it starts with "-". */
  options?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

type Values<S extends OptionSpecs> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : S[K]['multiple'] extends true ? string[] : string;
};

/** Longest option or value before "--" (PATH_MAX: a path, a regex, a hook command). */
export const MAX_ARG_LENGTH = 4096;

const NEGATIVE = /^-(?:\d+(?:\.\d*)?|\.\d+)(?:ms|s)?$/;

/**
 * `--opt -5` → `--opt=-5` (and `-d -5` → `--interval=-5`) for options that take a number;
 * `--guard-opts '--mem-term 15'` → `--guard-opts=--mem-term 15` for options that take options.
 */
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
    const spec = name !== undefined ? specs[name] : undefined;
    if (spec !== undefined && next !== undefined && ((spec.number && NEGATIVE.test(next)) || (spec.options && a.startsWith('--') && next !== '--'))) {
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

/**
 * The words of an option string (--guard-opts "..."), split the way a shell splits words,
 * without running one: blanks separate words; '...' keeps everything literally; "..." too,
 * except that a backslash escapes " \ $ ` in it; outside quotes a backslash escapes the
 * next character when it is a blank, a quote or a backslash, and is kept otherwise (so
 * `--prefer ^a\.b` means what it says). No expansion of any kind: `$OOMTOP_SCOPE` stays as
 * written, for the handler's own /bin/sh. An unterminated quote is a usage error.
 * "--on-level 'high=logger -t oomtop \"$OOMTOP_SCOPE\"'" → ['--on-level', 'high=logger -t oomtop "$OOMTOP_SCOPE"'].
 */
export function splitOptionWords(s: string, what = '--guard-opts'): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const blank = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < s.length) {
    const c = s[i]!;
    if (blank(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`${what}: a ' is not closed`);
      word += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= s.length) throw new UsageError(`${what}: a " is not closed`);
        const d = s[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) {
          word += s[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '\\' && i + 1 < s.length && (blank(s[i + 1]!) || `'"\\`.includes(s[i + 1]!))) {
      word += s[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
