/**
 * Where kernel messages come from, in order of preference: /dev/kmsg, then `dmesg`,
 * then `journalctl -k`; and what to tell the user when none of them works.
 */
import { join } from 'node:path';
import { readInt } from '../proc/read.js';

export type KernelSourceName = 'kmsg' | 'dmesg' | 'journalctl';

export interface SourceCommands {
  /** Command to follow the kernel log with dmesg; null disables this fallback. */
  dmesgFollow?: string[] | null;
  /** Command to dump the kernel log with dmesg (analyze); null disables. */
  dmesgDump?: string[] | null;
  journalctlFollow?: string[] | null;
  journalctlDump?: string[] | null;
  /**
   * Run before a follow command is named as the source: it must exit 0 and print at least
   * one kernel message (journalctl exits 0 with "No journal files were found." when it
   * has none to read, and its --follow then waits forever). null: the follow command is
   * named once it prints its first line.
   */
  dmesgProbe?: string[] | null;
  journalctlProbe?: string[] | null;
}

export function defaultCommands(readHistory: boolean): Required<SourceCommands> {
  return {
    dmesgFollow: ['dmesg', '--follow'],
    dmesgDump: ['dmesg'],
    journalctlFollow: ['journalctl', '-k', '-b', '-f', '--no-pager', '-o', 'short-iso-precise', '-n', readHistory ? 'all' : '0'],
    journalctlDump: ['journalctl', '-k', '-b', '--no-pager', '-o', 'short-iso-precise'],
    dmesgProbe: ['dmesg'],
    journalctlProbe: ['journalctl', '-k', '-b', '-n', '1', '--no-pager', '-o', 'short-iso-precise'],
  };
}

/** Lines of a dump or probe that are kernel messages (not journalctl's "-- No entries --" and the like). */
export function messageLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.trim() !== '' && !/^-- .* --$/.test(l.trim()));
}

/** Why a dump or probe that ran gave no kernel messages: its own words (stderr) first. */
export function noMessagesReason(stderr: string, exitCode: number | undefined): string {
  const said = stderr.trim().split('\n')[0];
  if (said) return exitCode ? said : `${said} (no kernel messages)`;
  return exitCode ? `exited with ${exitCode}` : 'no kernel messages';
}

/** One failed attempt, for the final explanation. */
export interface SourceFailure {
  source: KernelSourceName;
  reason: string;
}

/** "Kernel messages are not readable" with what was tried and how to fix it. */
export function explainUnreadable(failures: SourceFailure[], procRoot = '/proc'): string {
  const restrict = readInt(join(procRoot, 'sys', 'kernel', 'dmesg_restrict'));
  const tried = failures.map((f) => `${f.source}: ${f.reason}`).join('; ');
  const fixes = [
    'run oomtop as root (or with CAP_SYSLOG)',
    restrict === 1
      ? 'or allow unprivileged reads: sudo sysctl kernel.dmesg_restrict=0'
      : 'or check the permissions of /dev/kmsg',
    'or add your user to the systemd-journal (or adm) group so journalctl -k works',
  ];
  return `kernel messages are not readable (${tried}). To fix: ${fixes.join(', ')}.`;
}

/** Short human reason for an fs/spawn error. */
export function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { shortMessage?: string };
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return `${err.code} (permission denied)`;
  if (err?.code === 'ENOENT') return 'ENOENT (not found)';
  if (err?.code) return err.code;
  return String(err?.shortMessage ?? err?.message ?? e).split('\n')[0]!;
}
