/**
 * Which rule a process matches (pure): every matcher a rule gives must hold, and the first
 * rule that matches wins. A fact that was not read (undefined) or is unknown (null) fails
 * the matcher that needs it: a rule never matches on a guess.
 */
import type { MatcherKey, Rule } from './parse.js';

export interface ProcessFacts {
  pid: number;
  comm: string;
  /** The command line, arguments joined by spaces. */
  cmdline?: string | null;
  /** The executable's path (readlink /proc/PID/exe, " (deleted)" removed). */
  exe?: string | null;
  uid?: number | null;
  user?: string | null;
  /** The memory cgroup path, as /proc/PID/cgroup prints it (relative to the mount). */
  cgroup?: string | null;
  container?: { id: string; name: string | null } | null;
}

/** The facts the rules need, so a reader reads only those files. */
export function neededFacts(rules: Rule[]): Set<MatcherKey> {
  const need = new Set<MatcherKey>();
  for (const r of rules) for (const [k] of r.written) need.add(k);
  return need;
}

/** The deepest systemd unit on a cgroup path (NAME.service or NAME.scope), or null. */
export function unitOf(cgroup: string): string | null {
  const segs = cgroup.split('/');
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    if (s.endsWith('.service') || s.endsWith('.scope')) return s;
  }
  return null;
}

export function matchRule(rule: Rule, f: ProcessFacts): boolean {
  if (rule.comm && !rule.comm.test(f.comm)) return false;
  if (rule.cmdline && (f.cmdline == null || !rule.cmdline.test(f.cmdline))) return false;
  if (rule.exe && (f.exe == null || !rule.exe.re.test(f.exe))) return false;
  if (rule.user !== null) {
    const byUid = /^\d+$/.test(rule.user);
    if (byUid ? f.uid == null || String(f.uid) !== rule.user : f.user == null || f.user !== rule.user) return false;
  }
  if (rule.cgroup && (f.cgroup == null || !rule.cgroup.test(f.cgroup))) return false;
  if (rule.unit !== null && (f.cgroup == null || unitOf(f.cgroup) !== rule.unit)) return false;
  if (rule.container !== null) {
    const c = f.container;
    if (c == null) return false;
    const want = rule.container;
    const byId = c.id === want || (/^[0-9a-f]{12,}$/.test(want) && c.id.startsWith(want));
    if (!byId && c.name !== want) return false;
  }
  return true;
}

/** The first rule that matches, or null. */
export function firstMatch(rules: Rule[], f: ProcessFacts): Rule | null {
  for (const r of rules) if (matchRule(r, f)) return r;
  return null;
}
