/**
 * Which signals `oomtop run` passes on to CMD, and the fields of /proc/self/stat that
 * decide it. Pure.
 */

/** Signals oomtop catches while the job runs, so that it can pass them on and clean up. */
export const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const;
export type ForwardedSignal = (typeof FORWARDED)[number];

export interface TermFields {
  pgrp: number;
  /** Controlling terminal (0: none). */
  ttyNr: number;
  /** Foreground process group of that terminal (-1: none). */
  tpgid: number;
  /** CPU time of waited-for children, clock ticks. */
  cutimeTicks: number;
  cstimeTicks: number;
}

/** The fields after the command name (which may hold spaces and ')'): pgrp, tty_nr, tpgid, cutime, cstime. */
export function parseTermFields(statText: string): TermFields | null {
  const close = statText.lastIndexOf(')');
  if (close < 0) return null;
  const f = statText.slice(close + 2).trim().split(' ');
  // f[0] state, f[1] ppid, f[2] pgrp, f[3] session, f[4] tty_nr, f[5] tpgid ... f[13] cutime, f[14] cstime
  if (f.length < 15) return null;
  const n = [f[2], f[4], f[5], f[13], f[14]].map(Number);
  if (n.some((x) => !Number.isInteger(x))) return null;
  return { pgrp: n[0]!, ttyNr: n[1]!, tpgid: n[2]!, cutimeTicks: n[3]!, cstimeTicks: n[4]! };
}

/**
 * Pass the signal on to CMD? CMD shares oomtop's process group, so a key the terminal
 * turns into a signal (Ctrl-C: SIGINT, Ctrl-\: SIGQUIT) already reached CMD when that
 * group is the terminal's foreground group; a second copy would make a program that
 * cleans up on the first Ctrl-C abort its cleanup (sudo avoids the same double delivery).
 * Everything else (kill, a supervisor's SIGTERM, SIGHUP from a closed session) is sent on.
 */
export function shouldForward(signal: ForwardedSignal, t: TermFields | null): boolean {
  if (signal !== 'SIGINT' && signal !== 'SIGQUIT') return true;
  if (t === null) return true;
  return !(t.ttyNr !== 0 && t.tpgid === t.pgrp);
}
