import type { GuardPolicy, Level, ScopeSample, Threshold, Trigger } from './types.js';

/** A threshold in KiB for a scope of the given total: the lower of its percentage and size forms. */
export function thresholdKiB(t: Threshold, totalKiB: number): number {
  const byPct = t.pct === null ? Infinity : (t.pct * totalKiB) / 100;
  const bySize = t.kib === null ? Infinity : t.kib;
  const v = Math.min(byPct, bySize);
  return Number.isFinite(v) ? v : 0;
}

export function pct(part: number, total: number): number {
  return total > 0 ? (part * 100) / total : 0;
}

/** Swap is "low" when free swap is at or below the threshold, or when there is no swap at all (earlyoom's rule). */
function swapLow(t: Threshold, s: ScopeSample): boolean {
  if (s.swapTotalKiB <= 0) return true;
  return s.swapFreeKiB <= thresholdKiB(t, s.swapTotalKiB);
}

export interface Assessment {
  level: Level;
  trigger: Trigger;
  /** Updated PSI timer (the caller keeps it in the scope state). */
  psiSinceMs: number | null;
}

/**
 * The danger level of one sample. KILL when memory and swap are both at or below the KILL
 * thresholds or the kernel is holding the cgroup at its limit; TERM at the TERM thresholds
 * or when PSI full has stayed above its trigger for the whole duration.
 */
export type LevelPolicy = Pick<GuardPolicy, 'memTerm' | 'memKill' | 'swapTerm' | 'swapKill' | 'psi'>;

export function assess(policy: LevelPolicy, s: ScopeSample, psiSinceMs: number | null): Assessment {
  let since: number | null = null;
  if (policy.psi && s.psiFullAvg10 !== null && s.psiFullAvg10 >= policy.psi.fullPct) {
    since = psiSinceMs ?? s.timeMs;
  }
  if (s.held) return { level: 'kill', trigger: 'held', psiSinceMs: since };
  if (s.availableKiB <= thresholdKiB(policy.memKill, s.totalKiB) && swapLow(policy.swapKill, s)) {
    return { level: 'kill', trigger: 'memory', psiSinceMs: since };
  }
  if (s.availableKiB <= thresholdKiB(policy.memTerm, s.totalKiB) && swapLow(policy.swapTerm, s)) {
    return { level: 'term', trigger: 'memory', psiSinceMs: since };
  }
  if (policy.psi && since !== null && s.timeMs - since >= policy.psi.durationMs) {
    return { level: 'term', trigger: 'psi', psiSinceMs: since };
  }
  return { level: 'ok', trigger: 'memory', psiSinceMs: since };
}
