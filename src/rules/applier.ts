/**
 * Apply the rules to running processes, and keep applying them to new ones at low cost.
 *
 * Each pass lists /proc (one readdir) and reads files only for:
 * - PIDs not seen before (their stat, then what the rules need);
 * - young processes (appeared less than `youngMs` ago, not those running at the first
 *   pass): their stat again, because a fork is usually followed by an exec that changes
 *   the comm (a shell starting a job);
 * - every process once per `sweepMs` (default 30 s): a late exec, or a PID reused
 *   between two passes.
 * A process is keyed by PID and start time. A rule is applied once per process (and again
 * after its comm changed at exec); oomtop does not fight a later manual change. A process
 * the caller may not change (EACCES below the floor, EPERM) is reported once and not
 * retried; an exec that changes its comm makes it another program, looked at afresh (once).
 * Every write goes through src/actions (identity checked by start time).
 */
import { setOomScoreAdj } from '../actions/adjust.js';
import type { ActionError } from '../actions/types.js';
import { isKernelThread, listPids, readOomScoreAdj, readStat } from '../proc/process.js';
import type { ProcStat } from '../proc/types.js';
import { readFacts, type FactContext } from './facts.js';
import { firstMatch, neededFacts, type ProcessFacts } from './match.js';
import type { MatcherKey, Rule } from './parse.js';

export interface ApplierOptions extends FactContext {
  readOnly?: boolean;
  selfPid?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Re-read a new process's stat for this long after it appeared (default 5000 ms). */
  youngMs?: number;
  /** Re-read every process's stat this often (default 30000 ms). */
  sweepMs?: number;
}

export type RuleChange =
  | { kind: 'set'; pid: number; startTimeTicks: number; comm: string; rule: string; before: number; after: number }
  | { kind: 'failed'; pid: number; startTimeTicks: number; comm: string; rule: string; target: number; error: ActionError };

export interface PassResult {
  changes: RuleChange[];
  /** Processes a rule matched in this pass (changed, failed or already at the rule's adj). */
  matched: number;
  /** Processes whose stat was read in this pass (the cost). */
  examined: number;
}

interface Known {
  start: number;
  comm: string;
  firstSeen: number;
  gen: number;
  /** The rule that matched it last, if any. */
  rule: string | null;
}

export class RuleApplier {
  private readonly known = new Map<number, Known>();
  private readonly need: Set<MatcherKey>;
  private gen = 0;
  private lastSweep = -Infinity;
  private readonly now: () => number;

  constructor(
    readonly rules: Rule[],
    private readonly opts: ApplierOptions,
  ) {
    this.need = neededFacts(rules);
    this.now = opts.now ?? (() => performance.now());
  }

  /** One pass; the first one looks at every process. */
  pass(): PassResult {
    const now = this.now();
    const sweep = now - this.lastSweep >= (this.opts.sweepMs ?? 30_000);
    if (sweep) this.lastSweep = now;
    const young = this.opts.youngMs ?? 5000;
    const gen = ++this.gen;
    const out: PassResult = { changes: [], matched: 0, examined: 0 };
    for (const pid of listPids(this.opts.procRoot)) {
      const k = this.known.get(pid);
      if (k !== undefined) {
        k.gen = gen;
        if (!sweep && now - k.firstSeen > young) continue;
      }
      const stat = readStat(this.opts.procRoot, pid);
      out.examined++;
      if (stat === null) continue;
      const same = k !== undefined && k.start === stat.startTimeTicks ? k : null;
      if (same !== null && same.comm === stat.comm) continue;
      // Evaluated once per (process, comm): a change or a refusal is not repeated until an exec
      // renames the process (a refused shell that execs a job gets the job's rule).
      const entry: Known = same !== null
        ? { ...same, comm: stat.comm }
        : // Running before the first pass: not young (it is not about to exec as far as we know).
          { start: stat.startTimeTicks, comm: stat.comm, firstSeen: gen === 1 ? -Infinity : now, gen, rule: null };
      this.known.set(pid, entry);
      this.evaluate(stat, entry, out);
    }
    for (const [pid, k] of this.known) if (k.gen !== gen) this.known.delete(pid);
    return out;
  }

  /** The rule that last matched this process, with its adj (the TUI's badge), or null. */
  ruleOf(pid: number, startTimeTicks: number): { name: string; adj: number } | null {
    const k = this.known.get(pid);
    if (k === undefined || k.start !== startTimeTicks || k.rule === null) return null;
    const r = this.rules.find((x) => x.name === k.rule);
    return r === undefined ? null : { name: r.name, adj: r.adj };
  }

  private evaluate(stat: ProcStat, entry: Known, out: PassResult): void {
    if (stat.pid === (this.opts.selfPid ?? process.pid) || isKernelThread(stat) || stat.state === 'Z') return;
    const facts: ProcessFacts = readFacts(this.opts, stat, this.need);
    const rule = firstMatch(this.rules, facts);
    entry.rule = rule?.name ?? null;
    if (rule === null) return;
    out.matched++;
    const current = readOomScoreAdj(this.opts.procRoot, stat.pid);
    if (current === null || current === rule.adj) return;
    const ref = { pid: stat.pid, startTimeTicks: stat.startTimeTicks, name: stat.comm };
    const r = setOomScoreAdj(ref, rule.adj, { procRoot: this.opts.procRoot, readOnly: this.opts.readOnly, selfPid: this.opts.selfPid });
    const base = { pid: stat.pid, startTimeTicks: stat.startTimeTicks, comm: stat.comm, rule: rule.name };
    if (r.ok) {
      out.changes.push({ kind: 'set', ...base, before: r.before, after: r.after });
      return;
    }
    // Gone between the listing and the write: nothing to say.
    if (r.error.code === 'ESRCH' || r.error.code === 'REUSED') return;
    out.changes.push({ kind: 'failed', ...base, target: rule.adj, error: r.error });
  }
}

/** Which running processes each rule matches now (first match wins), without changing anything. */
export function currentMatches(rules: Rule[], ctx: FactContext & { selfPid?: number }): Map<Rule, { facts: ProcessFacts; adj: number | null }[]> {
  const need = neededFacts(rules);
  const out = new Map<Rule, { facts: ProcessFacts; adj: number | null }[]>(rules.map((r) => [r, []]));
  for (const pid of listPids(ctx.procRoot)) {
    if (pid === (ctx.selfPid ?? process.pid)) continue;
    const stat = readStat(ctx.procRoot, pid);
    if (stat === null || isKernelThread(stat) || stat.state === 'Z') continue;
    const facts = readFacts(ctx, stat, need);
    const rule = firstMatch(rules, facts);
    if (rule !== null) out.get(rule)!.push({ facts, adj: readOomScoreAdj(ctx.procRoot, pid) });
  }
  return out;
}
