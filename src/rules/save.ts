/**
 * A rule from a process (the TUI's `R` key), as text appended to a rules file (pure).
 *
 * The rule matches on the process's comm, anchored and regex-escaped; when several running
 * processes share that comm, on its whole command line instead (also anchored and escaped),
 * so the rule keeps to the process the user picked. The file is never re-serialized: the
 * rule is appended as text, so the file's comments and order stay as they were.
 */
import { recognizeContainer } from '../cgroup/container.js';
import { parseProcCgroup } from '../cgroup/proccgroup.js';
import { parseRules, type Rule } from './parse.js';

/** The header of a rules file the TUI creates. */
export const RULES_HEADER = `# oomtop rules: oom_score_adj that lasts, applied to every matching process.
# Used by \`oomtop rules apply [--watch]\`, \`oomtop guard --rules\` and \`oomtop --rules\`.
# Check the file with \`oomtop rules check PATH\`.
#
# Each [[rule]] has a name (unique), one or more matchers (comm, cmdline, exe, user,
# cgroup, unit, container: all must hold) and an adj (-1000..1000).
# THE FIRST RULE THAT MATCHES WINS (as in choomd and earlyoom): narrow rules go first.
# Regexes are searched, not anchored: ^...$ matches the whole name.
`;

/** A regular expression that matches exactly this text (every metacharacter escaped). */
export function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * A TOML basic string ("..."): quote and backslash escaped, every control character (which
 * TOML forbids raw, tab aside) as \uXXXX or its short escape.
 */
export function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export interface SaveTarget {
  pid: number;
  comm: string;
  /** The command line, arguments joined by spaces ("" or null when there is none). */
  cmdline: string | null;
  adj: number;
}

export interface ProposedRule {
  name: string;
  matcher: 'comm' | 'cmdline';
  /** The regex as the file holds it (before TOML escaping). */
  pattern: string;
  adj: number;
  /** Running processes that share the comm (the target included). */
  sameComm: number;
  /** The [[rule]] block to append, comment first. */
  text: string;
}

/**
 * Match on the comm, unless other running processes share it and the target has a command
 * line to tell it apart.
 */
export function chooseMatcher(target: SaveTarget, runningComms: readonly string[]): { matcher: 'comm' | 'cmdline'; sameComm: number } {
  const sameComm = Math.max(1, runningComms.filter((c) => c === target.comm).length);
  const useCmdline = sameComm > 1 && target.cmdline !== null && target.cmdline.trim() !== '';
  return { matcher: useCmdline ? 'cmdline' : 'comm', sameComm };
}

/** A name no rule of the file has yet: "COMM adj N", then "COMM adj N (2)", … */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} (${i})`)) return `${base} (${i})`;
}

/** The rule the TUI would write for this process, given the rules already in the file. */
export function proposeRule(target: SaveTarget, runningComms: readonly string[], existing: readonly Rule[], when: Date): ProposedRule {
  const { matcher, sameComm } = chooseMatcher(target, runningComms);
  const pattern = `^${escapeRegExp(matcher === 'comm' ? target.comm : target.cmdline!)}$`;
  const name = uniqueName(`${target.comm} adj ${target.adj}`, new Set(existing.map((r) => r.name)));
  // The comment is TOML too: a newline in a comm must not end it early.
  const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '?');
  const why = matcher === 'cmdline' ? `; ${sameComm} running processes share the comm, so it matches the command line` : '';
  const text = [
    `# Saved by the oomtop TUI on ${when.toISOString()} from PID ${target.pid} (${oneLine(target.comm)})${why}.`,
    '[[rule]]',
    `name = ${tomlString(name)}`,
    `${matcher} = ${tomlString(pattern)}`,
    `adj = ${target.adj}`,
    '',
  ].join('\n');
  return { name, matcher, pattern, adj: target.adj, sameComm, text };
}

/** The file's text with the block appended: the old text untouched, a blank line between. */
export function appendRuleText(existing: string | null, block: string): string {
  if (existing === null || existing === '') return `${RULES_HEADER}\n${block}`;
  const sep = existing.endsWith('\n\n') ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
  return `${existing}${sep}${block}`;
}

/**
 * The whole new file, checked with the rules parser before anything is written: the new
 * rule must parse back as written and be the file's last rule.
 */
export function checkedAppend(existing: string | null, proposed: ProposedRule): { ok: true; text: string; rules: Rule[] } | { ok: false; message: string } {
  const text = appendRuleText(existing, proposed.text);
  const r = parseRules(text);
  if (!r.ok) return { ok: false, message: `the file would not parse: line ${r.problems[0]!.line}: ${r.problems[0]!.message}` };
  const last = r.rules.at(-1);
  if (last === undefined || last.name !== proposed.name || last.adj !== proposed.adj || last[proposed.matcher]?.source !== new RegExp(proposed.pattern).source) {
    return { ok: false, message: 'the rule did not parse back as written' };
  }
  return { ok: true, text, rules: r.rules };
}

/**
 * The systemd service a process runs in, from its /proc/PID/cgroup text: the unified
 * ("0::") line, else the v1 name=systemd line, read as the project reads units everywhere
 * (src/cgroup/container.ts). null outside a service (a scope, a user session, no systemd).
 */
export function serviceOf(procCgroupText: string): string | null {
  let path = parseProcCgroup(procCgroupText, 2);
  if (path === null || path === '/') {
    const line = procCgroupText.split('\n').find((l) => /^\d+:name=systemd:/.test(l));
    path = line === undefined ? path : line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  }
  if (path === null) return null;
  const c = recognizeContainer(path);
  return c !== null && c.runtime === 'systemd-service' ? c.id : null;
}
