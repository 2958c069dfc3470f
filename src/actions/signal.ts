import { constants } from 'node:os';
import { readStat } from '../proc/process.js';
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
      // The target's own process group, never init's or oomtop's own.
      const pgrp = readStat(opts.procRoot, ref.pid)?.pgrp;
      const ownPgrp = readStat(opts.procRoot, opts.selfPid ?? process.pid)?.pgrp;
      if (pgrp === undefined) return { ok: false, error: explainErrno('ESRCH', 'signal', label) };
      if (pgrp <= 1 || pgrp === ownPgrp) {
        return {
          ok: false,
          error: { code: 'FORBIDDEN', message: `${label}: its process group ${pgrp} includes oomtop or init`, hint: 'signal the process alone' },
        };
      }
      process.kill(-pgrp, signal);
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
