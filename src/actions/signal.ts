import { constants } from 'node:os';
import { checkTarget, hasExited } from './check.js';
import { explainErrno } from './explain.js';
import type { ActionOptions, ActionResult, ProcessRef } from './types.js';

export function isSignalName(name: string): name is NodeJS.Signals {
  return Object.prototype.hasOwnProperty.call(constants.signals, name);
}

/** Send a signal after the identity checks; with group, to the whole process group. */
export function signalProcess(
  ref: ProcessRef,
  signal: NodeJS.Signals,
  opts: ActionOptions & { group?: boolean },
): ActionResult {
  const checked = checkTarget(ref, opts);
  if (!checked.ok) return checked;
  const label = `PID ${ref.pid}${ref.name ? ` (${ref.name})` : ''}`;
  try {
    if (opts.group) {
      // The group of the process itself: never our own group.
      process.kill(-ref.pid, signal);
    } else {
      process.kill(ref.pid, signal);
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, error: explainErrno((e as NodeJS.ErrnoException).code, 'signal', label) };
  }
}

/** Resolves true once the process has exited (or its PID was reused), false on timeout. */
export function waitForExit(
  ref: ProcessRef,
  timeoutMs: number,
  opts: { procRoot: string; pollMs?: number },
): Promise<boolean> {
  const poll = opts.pollMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const tick = () => {
      if (hasExited(ref, opts.procRoot)) return resolve(true);
      if (Date.now() >= deadline) return resolve(false);
      setTimeout(tick, Math.min(poll, Math.max(1, deadline - Date.now())));
    };
    tick();
  });
}
