/** Read and parse a rules file: the rules, or the lines to print (`PATH:LINE: message`). */
import { readRootSafe, type TrustOptions } from '../actions/trust.js';
import { sanitize } from '../text/sanitize.js';
import { formatProblems, parseRules, type Rule } from './parse.js';

export const DEFAULT_RULES_PATH = '/etc/oomtop/rules.toml';

export type LoadResult = { ok: true; rules: Rule[] } | { ok: false; messages: string[] };

const WHY: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/**
 * Read and parse a rules file. As root, a file that another user could change (it, or a
 * directory above it) is refused, as sudo refuses such a sudoers: src/actions/trust.ts.
 */
export function loadRules(path: string, opts: TrustOptions = {}): LoadResult {
  const read = readRootSafe(path, 'rules file', opts);
  if (!read.ok) {
    if (read.message) return { ok: false, messages: [read.message] };
    const code = read.code;
    const hint = code === 'ENOENT' && path === DEFAULT_RULES_PATH ? ' (create it, e.g. from contrib/rules.toml, or pass --rules PATH)' : '';
    return { ok: false, messages: [`${sanitize(path)}: cannot read: ${WHY[code] ?? code}${hint}`] };
  }
  const text = read.text;
  const r = parseRules(text);
  return r.ok ? r : { ok: false, messages: formatProblems(path, r.problems) };
}
