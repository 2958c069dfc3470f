/**
 * The guard's threshold rules (earlyoom's): KILL defaults to half of TERM, a size alone
 * replaces the percentage, TERM below KILL is an error; and the one-line description of
 * thresholds for the start event and the TUI header. Command-line parsing is in
 * src/cli/guard-args.ts.
 */
import type { GuardPolicy, Threshold } from './types.js';

/** A policy that cannot work (TERM below KILL); the message names the options. */
export class PolicyError extends Error {}

/**
 * TERM and KILL thresholds of one kind (mem or swap), earlyoom-style: KILL defaults to
 * half of TERM; a size alone replaces the percentage; TERM below KILL is an error.
 */
export function thresholdPair(
  kind: 'mem' | 'swap',
  termPct: number | null,
  killPct: number | null,
  termMiB: number | null,
  killMiB: number | null,
): { term: Threshold; kill: Threshold } {
  const sizesOnly = termPct === null && killPct === null && (termMiB !== null || killMiB !== null);
  let tp: number | null = null;
  let kp: number | null = null;
  if (!sizesOnly) {
    tp = termPct ?? (killPct !== null ? Math.min(100, killPct * 2) : 10);
    kp = killPct ?? tp / 2;
    if (tp < kp) throw new PolicyError(`--${kind}-term ${tp} is below --${kind}-kill ${kp}`);
  }
  let tk: number | null = null;
  let kk: number | null = null;
  if (termMiB !== null || killMiB !== null) {
    const t = termMiB ?? killMiB! * 2;
    const k = killMiB ?? t / 2;
    if (t < k) throw new PolicyError(`--${kind}-term-mib ${t} is below --${kind}-kill-mib ${k}`);
    tk = t * 1024;
    kk = k * 1024;
  }
  return { term: { pct: tp, kib: tk }, kill: { pct: kp, kib: kk } };
}

/** One line describing the thresholds, for the start event and the TUI header. */
export function describeThresholds(p: Pick<GuardPolicy, 'memTerm' | 'memKill' | 'swapTerm' | 'swapKill' | 'psi'>): string {
  const t = (x: Threshold) =>
    [x.pct !== null ? `${x.pct}%` : null, x.kib !== null ? `${Math.round(x.kib / 1024)}MiB` : null].filter(Boolean).join('|');
  let out = `mem ${t(p.memTerm)}/${t(p.memKill)} swap ${t(p.swapTerm)}/${t(p.swapKill)}`;
  if (p.psi) out += ` psi full>=${p.psi.fullPct}% ${p.psi.durationMs / 1000}s`;
  return out;
}
