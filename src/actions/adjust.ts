import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readOomScoreAdj } from '../proc/process.js';
import { checkTarget } from './check.js';
import { explainErrno } from './explain.js';
import type { ActionOptions, ActionResult, ProcessRef } from './types.js';

export const ADJ_MIN = -1000;
export const ADJ_MAX = 1000;

export function clampAdj(value: number): number {
  return Math.max(ADJ_MIN, Math.min(ADJ_MAX, Math.round(value)));
}

/** Write /proc/PID/oom_score_adj after the identity checks; reports the value before and after. */
export function setOomScoreAdj(
  ref: ProcessRef,
  value: number,
  opts: ActionOptions,
): ActionResult<{ before: number; after: number }> {
  const checked = checkTarget(ref, opts);
  if (!checked.ok) return checked;
  const label = `PID ${ref.pid}${ref.name ? ` (${ref.name})` : ''}`;
  const target = clampAdj(value);
  const before = readOomScoreAdj(opts.procRoot, ref.pid);
  if (before === null) return { ok: false, error: explainErrno('ESRCH', 'adj', label) };
  let fd: number | null = null;
  try {
    fd = openSync(join(opts.procRoot, String(ref.pid), 'oom_score_adj'), 'w');
    writeSync(fd, `${target}\n`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const kind = target < before ? 'adj-lower' : 'adj';
    return { ok: false, error: explainErrno(code, kind, label, ` from ${before} to ${target}`) };
  } finally {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        /* ignore */
      }
    }
  }
  const after = readOomScoreAdj(opts.procRoot, ref.pid);
  if (after === null) return { ok: false, error: explainErrno('ESRCH', 'adj', label) };
  return { ok: true, before, after };
}
