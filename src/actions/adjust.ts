import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readOomScoreAdj } from '../proc/process.js';
import { checkTarget } from './check.js';
import { explainAdjDenied, explainErrno, type AdjDenial } from './explain.js';
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
    if (code === 'EACCES') return { ok: false, error: explainAdjDenied(adjDenialContext(opts.procRoot, ref.pid, label, before, target)) };
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

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Gather what explains an EACCES: who oomtop is (uid and CapEff of procRoot/self), who
 * owns the target's oom_score_adj, whether /proc is mounted read-only, which security
 * modules are active. Anything unreadable is null and not guessed.
 */
export function adjDenialContext(procRoot: string, pid: number, label: string, before: number, target: number): AdjDenial {
  const status = readOr(() => readFileSync(join(procRoot, 'self', 'status'), 'utf8'), '');
  // "Uid: real effective saved fs": the effective uid is what the kernel checks.
  const euid = /^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1];
  const capEff = /^CapEff:\s+([0-9a-fA-F]+)/m.exec(status)?.[1];
  const owner = readOr(() => statSync(join(procRoot, String(pid), 'oom_score_adj')).uid, null as number | null);
  // mountinfo: "... MOUNTPOINT OPTIONS ... - proc proc rw": the mount options of /proc.
  const mountinfo = readOr(() => readFileSync(join(procRoot, 'self', 'mountinfo'), 'utf8'), '');
  const procMount = mountinfo.split('\n').find((l) => l.split(' ')[4] === '/proc' && / - proc /.test(l));
  const procReadOnly = procMount !== undefined && procMount.split(' ')[5]!.split(',').includes('ro');
  const lsm = readOr(() => readFileSync('/sys/kernel/security/lsm', 'utf8').trim().split(','), null as string[] | null);
  return {
    label,
    before,
    target,
    callerUid: euid === undefined ? null : Number(euid),
    capEff: capEff === undefined ? null : BigInt(`0x${capEff}`),
    fileOwner: owner,
    procReadOnly,
    lsms: lsm,
  };
}
