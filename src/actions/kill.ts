import { signalProcess, waitForExit, type GroupOptions } from './signal.js';
import type { ActionError, ActionOptions, ProcessRef } from './types.js';

export type Escalation = 'auto' | 'ask' | 'never';

export type KillOutcome =
  | { kind: 'exited'; signal: NodeJS.Signals; afterMs: number }
  | { kind: 'still-alive'; signal: NodeJS.Signals; afterMs: number }
  | { kind: 'escalated'; exited: boolean; afterMs: number }
  | { kind: 'failed'; signal: NodeJS.Signals; error: ActionError };

/**
 * Send a signal, wait up to graceMs for the exit and, for SIGTERM with escalation
 * 'auto', follow with SIGKILL (after checking the identity again). With 'ask' or
 * 'never' the caller hears 'still-alive' and decides.
 */
export async function killSafely(
  ref: ProcessRef,
  signal: NodeJS.Signals,
  opts: ActionOptions & GroupOptions & { graceMs: number; escalation: Escalation; onSent?: () => void },
): Promise<KillOutcome> {
  const started = Date.now();
  const sent = signalProcess(ref, signal, opts);
  if (!sent.ok) return { kind: 'failed', signal, error: sent.error };
  opts.onSent?.();
  if (signal === 'SIGKILL') {
    const exited = await waitForExit(ref, opts.graceMs, opts);
    return { kind: exited ? 'exited' : 'still-alive', signal, afterMs: Date.now() - started };
  }
  const exited = await waitForExit(ref, opts.graceMs, opts);
  if (exited) return { kind: 'exited', signal, afterMs: Date.now() - started };
  if (opts.escalation !== 'auto' || signal !== 'SIGTERM') {
    return { kind: 'still-alive', signal, afterMs: Date.now() - started };
  }
  const killed = signalProcess(ref, 'SIGKILL', opts);
  if (!killed.ok) {
    // It may have exited between the wait and the check: that is success.
    if (killed.error.code === 'ESRCH' || killed.error.code === 'REUSED') {
      return { kind: 'exited', signal, afterMs: Date.now() - started };
    }
    return { kind: 'failed', signal: 'SIGKILL', error: killed.error };
  }
  const gone = await waitForExit(ref, 2000, opts);
  return { kind: 'escalated', exited: gone, afterMs: Date.now() - started };
}
