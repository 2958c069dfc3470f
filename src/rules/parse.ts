/**
 * The rules file (TOML, parsed with smol-toml): pure parser and validator.
 *
 *   [[rule]]
 *   name = "batch jobs go first"
 *   comm = "^bar_rule_target$"
 *   adj = 700
 *
 * Each rule has a name, matchers (all optional, all must hold, at least one given) and an
 * adj (-1000..1000). The first rule that matches a process wins. Every problem comes back
 * as `PATH:LINE: message`, the line found in the TOML source (smol-toml gives values, not
 * positions), and names from the file are sanitized in messages.
 */
import { parse, TomlError } from 'smol-toml';
import { sanitize } from '../text/sanitize.js';

export const MATCHERS = ['comm', 'cmdline', 'exe', 'user', 'cgroup', 'unit', 'container'] as const;
export type MatcherKey = (typeof MATCHERS)[number];
const RULE_KEYS = ['name', ...MATCHERS, 'adj'] as const;

export interface Rule {
  name: string;
  /** Line of the rule's `[[rule]]` header (1-based). */
  line: number;
  /** Regexes: searched, not anchored (write ^...$ to anchor). */
  comm: RegExp | null;
  cmdline: RegExp | null;
  cgroup: RegExp | null;
  /** Glob on the executable's path: * and ? within a path segment, ** across segments, [...] classes. */
  exe: { glob: string; re: RegExp } | null;
  /** A user name, or a numeric uid. */
  user: string | null;
  /** A systemd unit, "NAME.service" (a name without a suffix means NAME.service). */
  unit: string | null;
  /** A container's name, its full id, or an id prefix of at least 12 hex digits. */
  container: string | null;
  adj: number;
  /** The matchers as written, in the file's order, for printing. */
  written: [MatcherKey, string][];
}

export interface RuleProblem {
  line: number;
  message: string;
}

export type RulesResult = { ok: true; rules: Rule[] } | { ok: false; problems: RuleProblem[] };

/** `PATH:LINE: message`, one per problem. */
export function formatProblems(path: string, problems: RuleProblem[]): string[] {
  return problems.map((p) => `${sanitize(path)}:${p.line}: ${p.message}`);
}

interface Located {
  /** Top-level keys and table names outside [[rule]], with their lines. */
  top: Map<string, number>;
  /** Each [[rule]] header in order: its line and its keys' lines. */
  rules: { line: number; keys: Map<string, number> }[];
}

const BARE_KEY = /^[A-Za-z0-9_-]+/;

/** The first key of a (possibly dotted, possibly quoted) key at the start of `s`. */
function firstKey(s: string): string | null {
  const t = s.trimStart();
  const q = t[0];
  if (q === '"' || q === "'") {
    // A basic string key may hold escapes (\\uXXXX): mostly JSON's; a literal one none.
    const m = q === '"' ? /^"(?:[^"\\]|\\.)*"/.exec(t) : /^'[^']*'/.exec(t);
    if (m === null) return null;
    if (q === "'") return m[0].slice(1, -1);
    try {
      return JSON.parse(m[0]) as string;
    } catch {
      return m[0].slice(1, -1);
    }
  }
  return BARE_KEY.exec(t)?.[0] ?? null;
}

/**
 * Where things are in the TOML text: table headers and `key =` lines, skipping multi-line
 * strings. Good enough for error lines; the parse itself is smol-toml's.
 */
export function locate(text: string): Located {
  const top = new Map<string, number>();
  const rules: Located['rules'] = [];
  let where: 'top' | 'rule' | 'other' = 'top';
  let inMulti: '"""' | "'''" | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (inMulti) {
      if (countOf(line, inMulti) % 2 === 1) inMulti = null;
      continue;
    }
    const t = line.trimStart();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('[[')) {
      const name = firstKey(t.slice(2));
      if (name === 'rule' && /^\[\[\s*(?:rule|"rule"|'rule')\s*\]\]/.test(t)) {
        rules.push({ line: n, keys: new Map() });
        where = 'rule';
      } else {
        if (name !== null && !top.has(name)) top.set(name, n);
        where = 'other';
      }
      continue;
    }
    if (t.startsWith('[')) {
      const name = firstKey(t.slice(1));
      if (name !== null && !top.has(name)) top.set(name, n);
      where = 'other';
      continue;
    }
    const key = firstKey(t);
    if (key !== null && /^\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*\s*=/.test(t)) {
      if (where === 'top' && !top.has(key)) top.set(key, n);
      else if (where === 'rule') {
        const keys = rules[rules.length - 1]!.keys;
        if (!keys.has(key)) keys.set(key, n);
      }
      const value = t.slice(t.indexOf('=') + 1);
      for (const m of ['"""', "'''"] as const) if (countOf(value, m) % 2 === 1) inMulti = m;
    }
  }
  return { top, rules };
}

function countOf(s: string, sub: string): number {
  let c = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) c++;
  return c;
}

/** A path glob as a regex: `*` and `?` stay within a segment, `**` crosses them, `[...]` is a class. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new Error('unclosed "[" in the glob');
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

const HEX_PREFIX = /^[0-9a-f]{12,64}$/;

/** Longest matcher value: a regex or a glob of a process's name, path or command line. */
export const MAX_MATCHER_LENGTH = 4096;

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  return `a ${typeof v === 'bigint' ? 'number' : typeof v}`;
}

/** Parse and validate a rules file. Never throws: every problem is a line and a message. */
export function parseRules(text: string): RulesResult {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      return { ok: false, problems: [{ line: e.line, message: `not valid TOML: ${sanitize(first)}` }] };
    }
    return { ok: false, problems: [{ line: 1, message: `not valid TOML: ${sanitize(String(e))}` }] };
  }
  const loc = locate(text);
  const problems: RuleProblem[] = [];
  for (const key of Object.keys(doc)) {
    if (key === 'rule') continue;
    problems.push({ line: loc.top.get(key) ?? 1, message: `unknown key "${sanitize(key)}" (the file holds [[rule]] tables only)` });
  }
  const raw = doc['rule'];
  if (raw === undefined) return problems.length ? { ok: false, problems } : { ok: true, rules: [] };
  if (!Array.isArray(raw)) {
    problems.push({ line: loc.top.get('rule') ?? 1, message: 'write each rule as [[rule]] (an array of tables), not [rule]' });
    return { ok: false, problems };
  }
  const rules: Rule[] = [];
  const names = new Map<string, number>();
  raw.forEach((entry, i) => {
    const at = loc.rules[i];
    const header = at?.line ?? loc.top.get('rule') ?? 1;
    const lineOf = (k: string) => at?.keys.get(k) ?? header;
    const bad = (line: number, message: string) => problems.push({ line, message });
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || entry instanceof Date) {
      bad(header, `rule ${i + 1} is ${typeName(entry)}, not a table`);
      return;
    }
    const r = entry as Record<string, unknown>;
    const nameRaw = r['name'];
    const label = typeof nameRaw === 'string' && nameRaw.trim() !== '' ? `rule "${sanitize(nameRaw)}"` : `rule ${i + 1}`;
    const before = problems.length;
    for (const k of Object.keys(r)) {
      if (!(RULE_KEYS as readonly string[]).includes(k)) {
        bad(lineOf(k), `${label}: unknown key "${sanitize(k)}" (known: ${RULE_KEYS.join(', ')})`);
      }
    }
    if (typeof nameRaw !== 'string' || nameRaw.trim() === '') {
      bad(nameRaw === undefined ? header : lineOf('name'), `${label}: needs a name (a non-empty string)`);
    } else if (names.has(nameRaw)) {
      bad(lineOf('name'), `${label}: duplicate name (first used at line ${names.get(nameRaw)})`);
    } else names.set(nameRaw, lineOf('name'));

    const adjRaw = r['adj'];
    let adj = 0;
    if (adjRaw === undefined) bad(header, `${label}: needs adj (a whole number from -1000 to 1000)`);
    else if (typeof adjRaw !== 'number' && typeof adjRaw !== 'bigint') bad(lineOf('adj'), `${label}: adj is ${typeName(adjRaw)}, not a whole number`);
    else if (!Number.isInteger(Number(adjRaw))) bad(lineOf('adj'), `${label}: adj ${String(adjRaw)} is not a whole number`);
    else if (Number(adjRaw) < -1000 || Number(adjRaw) > 1000) bad(lineOf('adj'), `${label}: adj ${String(adjRaw)} is out of range (-1000..1000)`);
    else adj = Number(adjRaw);

    const rule: Rule = { name: typeof nameRaw === 'string' ? nameRaw : '', line: header, comm: null, cmdline: null, cgroup: null, exe: null, user: null, unit: null, container: null, adj, written: [] };
    for (const k of MATCHERS) {
      let v = r[k];
      if (v === undefined) continue;
      if (k === 'user' && (typeof v === 'number' || typeof v === 'bigint') && Number.isInteger(Number(v)) && Number(v) >= 0) v = String(v);
      if (typeof v !== 'string') {
        bad(lineOf(k), `${label}: ${k} is ${typeName(v)}, not a string`);
        continue;
      }
      if (v === '') {
        bad(lineOf(k), `${label}: ${k} is empty`);
        continue;
      }
      if (v.length > MAX_MATCHER_LENGTH) {
        // V8 gives up on a regex that large ("Invalid regular expression"), after seconds of trying (npm run fuzz).
        bad(lineOf(k), `${label}: ${k} is ${v.length} characters long (at most ${MAX_MATCHER_LENGTH})`);
        continue;
      }
      rule.written.push([k, v]);
      try {
        if (k === 'comm' || k === 'cmdline' || k === 'cgroup') rule[k] = new RegExp(v);
        else if (k === 'exe') rule.exe = { glob: v, re: globToRegExp(v) };
        else if (k === 'unit') rule.unit = v.includes('.') ? v : `${v}.service`;
        else if (k === 'user') rule.user = v;
        else if (k === 'container') rule.container = HEX_PREFIX.test(v) ? v : v.replace(/^\//, '');
      } catch (e) {
        const what = k === 'exe' ? 'glob' : 'regular expression';
        bad(lineOf(k), `${label}: ${k} is not a valid ${what}: ${sanitize((e as Error).message)}`);
      }
    }
    if (rule.written.length === 0 && problems.length === before) {
      bad(header, `${label}: has no matcher (${MATCHERS.join(', ')}): it would match every process`);
    }
    if (problems.length === before) rules.push(rule);
  });
  // In the file's order (sort is stable: problems of one line keep theirs).
  problems.sort((a, b) => a.line - b.line);
  return problems.length ? { ok: false, problems } : { ok: true, rules };
}
