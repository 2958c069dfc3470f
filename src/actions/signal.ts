import { constants } from 'node:os';
import { isKernelThread, listPids, readOomScoreAdj, readStat } from '../proc/process.js';
import type { ProcStat } from '../proc/types.js';
import { checkTarget, hasExited } from './check.js';
import { explainErrno } from './explain.js';
import type { ActionOptions, ActionResult, ProcessRef } from './types.js';

export function isSignalName(name: string): name is NodeJS.Signals {
  return Object.prototype.hasOwnProperty.call(constants.signals, name);
}

export interface GroupOptions {
  /** Signal every member of the target's process group (each one checked). */
  group?: boolean;
  /** The caller's own rule for members (the guard's --ignore, scope...); false refuses the group. */
  groupMemberAllowed?: (pid: number, stat: ProcStat) => boolean;
}

/**
 * The members of a process group, each checked like a target of its own: a group that
 * holds init, oomtop, a kernel thread, a process with adj -1000 or one the caller's rule
 * rejects is refused whole. null with the reason when refused.
 */
function groupMembers(
  pgrp: number,
  opts: ActionOptions & GroupOptions,
): { members: { pid: number; startTimeTicks: number }[] } | { refused: string } {
  const self = opts.selfPid ?? process.pid;
  const members: { pid: number; startTimeTicks: number }[] = [];
  for (const pid of listPids(opts.procRoot)) {
    const st = readStat(opts.procRoot, pid);
    if (st === null || st.pgrp !== pgrp || st.state === 'Z') continue;
    if (pid === 1 || pid === self || isKernelThread(st)) return { refused: `PID ${pid} (${st.comm}) is in it` };
    if (readOomScoreAdj(opts.procRoot, pid) === -1000) return { refused: `PID ${pid} (${st.comm}) in it is never to be killed (adj -1000)` };
    if (opts.groupMemberAllowed && !opts.groupMemberAllowed(pid, st)) return { refused: `PID ${pid} (${st.comm}) in it is excluded by the policy` };
    members.push({ pid, startTimeTicks: st.startTimeTicks });
  }
  return { members };
}

/** Send a signal after the identity checks; with group, to every checked member of its process group. */
export function signalProcess(ref: ProcessRef, signal: NodeJS.Signals, opts: ActionOptions & GroupOptions): ActionResult {
  const checked = checkTarget(ref, opts);
  if (!checked.ok) return checked;
  const label = `PID ${ref.pid}${ref.name ? ` (${ref.name})` : ''}`;
  try {
    if (opts.group) {
      const pgrp = readStat(opts.procRoot, ref.pid)?.pgrp;
      const ownPgrp = readStat(opts.procRoot, opts.selfPid ?? process.pid)?.pgrp;
      if (pgrp === undefined) return { ok: false, error: explainErrno('ESRCH', 'signal', label) };
      if (pgrp <= 1 || pgrp === ownPgrp) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${label}: its process group ${pgrp} includes oomtop or init`, hint: 'signal the process alone' } };
      }
      const g = groupMembers(pgrp, opts);
      if ('refused' in g) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${label}: not signalling its process group ${pgrp}: ${g.refused}`, hint: 'signal the process alone' } };
      }
      // Exactly the members checked above, each still the same process; a member forked
      // since the scan is not signalled (nobody picked it).
      for (const m of g.members) {
        const now = readStat(opts.procRoot, m.pid);
        if (now === null || now.startTimeTicks !== m.startTimeTicks) continue;
        try {
          process.kill(m.pid, signal);
        } catch (e) {
          if (m.pid === ref.pid) throw e;
        }
      }
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
