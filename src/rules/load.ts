/** Read and parse a rules file: the rules, or the lines to print (`PATH:LINE: message`). */
import { readFileSync } from 'node:fs';
import { sanitize } from '../text/sanitize.js';
import { formatProblems, parseRules, type Rule } from './parse.js';

export const DEFAULT_RULES_PATH = '/etc/oomtop/rules.toml';

export type LoadResult = { ok: true; rules: Rule[] } | { ok: false; messages: string[] };

const WHY: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

export function loadRules(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const hint = code === 'ENOENT' && path === DEFAULT_RULES_PATH ? ' (create it, e.g. from contrib/rules.toml, or pass --rules PATH)' : '';
    return { ok: false, messages: [`${sanitize(path)}: cannot read: ${WHY[code] ?? code}${hint}`] };
  }
  const r = parseRules(text);
  return r.ok ? r : { ok: false, messages: formatProblems(path, r.problems) };
}
