import { isKernelThread, readStat } from '../proc/process.js';
import type { ActionOptions, ActionResult, ProcessRef } from './types.js';

function refuse(code: string, message: string, hint: string | null = null): ActionResult {
  return { ok: false, error: { code, message, hint } };
}

/**
 * Every action passes here first: not read-only, not PID 1, not oomtop itself, not a kernel
 * thread, and the PID still names the same process (same start time) as the one the user
 * or the policy picked.
 */
export function checkTarget(ref: ProcessRef, opts: ActionOptions): ActionResult {
  const label = `PID ${ref.pid}${ref.name ? ` (${ref.name})` : ''}`;
  if (opts.readOnly) return refuse('READONLY', `${label}: oomtop runs with --read-only`, 'restart without --read-only to act');
  if (!Number.isInteger(ref.pid) || ref.pid <= 0) return refuse('EINVAL', `invalid PID ${ref.pid}`);
  if (ref.pid === 1) return refuse('FORBIDDEN', `${label} is init: oomtop never acts on PID 1`);
  if (ref.pid === (opts.selfPid ?? process.pid)) return refuse('FORBIDDEN', `${label} is oomtop itself`);
  const stat = readStat(opts.procRoot, ref.pid);
  if (stat === null) return refuse('ESRCH', `${label} has exited`);
  if (stat.startTimeTicks !== ref.startTimeTicks) {
    return refuse('REUSED', `${label} has exited and its PID now names another process (${stat.comm}): nothing done`);
  }
  if (isKernelThread(stat)) return refuse('FORBIDDEN', `${label} is a kernel thread`);
  if (stat.state === 'Z') return refuse('ESRCH', `${label} has already exited (zombie, waiting for its parent)`);
  return { ok: true };
}

/** Gone, a zombie, or its PID reused: the process we meant no longer runs. */
export function hasExited(ref: ProcessRef, procRoot: string): boolean {
  const stat = readStat(procRoot, ref.pid);
  return stat === null || stat.startTimeTicks !== ref.startTimeTicks || stat.state === 'Z' || stat.state === 'X';
}
