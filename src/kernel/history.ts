/**
 * Everything the kernel log holds right now, for `oomtop analyze` without a file:
 * /dev/kmsg read to its end, else `dmesg`, else `journalctl -k -b`.
 */
import { execa } from 'execa';
import { KmsgReader } from './kmsg-reader.js';
import type { LogLine } from './normalize.js';
import { ContinuationJoiner, kmsgLogLine, toLogLines } from './normalize.js';
import {
  defaultCommands,
  describeError,
  explainUnreadable,
  messageLines,
  noMessagesReason,
  type KernelSourceName,
  type SourceCommands,
  type SourceFailure,
} from './sources.js';

export interface KernelLogDump {
  source: KernelSourceName;
  lines: LogLine[];
}

export interface ReadKernelLogOptions {
  devKmsg?: string;
  procRoot?: string;
  commands?: SourceCommands;
}

export class KernelLogUnreadable extends Error {}

async function readKmsg(path: string): Promise<LogLine[]> {
  const reader = await KmsgReader.open(path);
  const lines: LogLine[] = [];
  try {
    for (;;) {
      const { records, atEnd } = await reader.drain(5000);
      for (const rec of records) lines.push(kmsgLogLine(rec));
      if (atEnd) return lines;
    }
  } finally {
    await reader.close();
  }
}

async function runDump(cmd: string[]): Promise<LogLine[]> {
  const r = await execa(cmd[0]!, cmd.slice(1), { reject: false, stdin: 'ignore', maxBuffer: 256 * 1024 * 1024 });
  if (r.exitCode !== 0 || r.failed) {
    throw new Error(String(r.stderr || r.shortMessage || `exited with ${r.exitCode}`).trim().split('\n')[0]);
  }
  // journalctl exits 0 when it has no journal to read ("No journal files were found."):
  // a dump without a single kernel message is a source that does not work.
  const lines = messageLines(String(r.stdout));
  if (lines.length === 0) throw new Error(noMessagesReason(String(r.stderr), r.exitCode));
  // dmesg prints a message with a newline in it (a hostile comm) as indented continuation lines.
  const joiner = new ContinuationJoiner();
  return [...lines.flatMap((l) => joiner.push(l)), ...joiner.flush()].flatMap((l) => toLogLines(l));
}

/** Read the kernel log buffer; throws KernelLogUnreadable with an explanation when nothing works. */
export async function readKernelLog(opts: ReadKernelLogOptions = {}): Promise<KernelLogDump> {
  const failures: SourceFailure[] = [];
  const commands = { ...defaultCommands(true), ...opts.commands };
  const path = opts.devKmsg ?? '/dev/kmsg';
  try {
    return { source: 'kmsg', lines: await readKmsg(path) };
  } catch (e) {
    failures.push({ source: 'kmsg', reason: `${path}: ${describeError(e)}` });
  }
  for (const [source, cmd] of [
    ['dmesg', commands.dmesgDump],
    ['journalctl', commands.journalctlDump],
  ] as const) {
    if (!cmd || cmd.length === 0) continue;
    try {
      return { source, lines: await runDump(cmd) };
    } catch (e) {
      failures.push({ source, reason: describeError(e) });
    }
  }
  throw new KernelLogUnreadable(explainUnreadable(failures, opts.procRoot));
}
