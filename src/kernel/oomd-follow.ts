/**
 * Follow systemd-oomd's kills in the journal (thin reader; the parsing is ./oomd.ts):
 * `journalctl --follow --output=json` on systemd-oomd's lines and the service manager's
 * "systemd-oomd killed N process(es)" lines, this boot's last ones first (marked past).
 * The command is injectable (tests); the caller starts it only where systemd runs.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { OOMD_UNIT_KILL_MESSAGE_ID, parseOomdJournalJson, type OomdKill } from './oomd.js';

export type FollowedOomdKill = OomdKill & { past: boolean };

export const OOMD_JOURNAL_COMMAND: readonly string[] = [
  'journalctl', '--boot', '--follow', '--no-pager', '--output=json', '--lines=50',
  'SYSLOG_IDENTIFIER=systemd-oomd', '+', `MESSAGE_ID=${OOMD_UNIT_KILL_MESSAGE_ID}`,
];

/** The same lines, this boot, once (oomtop analyze). */
export const OOMD_JOURNAL_DUMP: readonly string[] = [
  'journalctl', '--boot', '--no-pager', '--output=json',
  'SYSLOG_IDENTIFIER=systemd-oomd', '+', `MESSAGE_ID=${OOMD_UNIT_KILL_MESSAGE_ID}`,
];

/** systemd-oomd's kills of this boot from the journal; null when journalctl cannot be run or fails. */
export function readOomdJournal(command: readonly string[] = OOMD_JOURNAL_DUMP): OomdKill[] | null {
  let out: string;
  try {
    out = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 20_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const kills: OomdKill[] = [];
  for (const line of out.split('\n')) {
    const k = parseOomdJournalJson(line);
    if (k) kills.push(k);
  }
  return kills;
}

export interface OomdFollowerOptions {
  command?: readonly string[];
  onKill(k: FollowedOomdKill): void;
  /** Why the journal is not followed (journalctl missing, it exited). */
  onStatus(message: string): void;
  /** Wall clock (ms) for past/live: kills before the follower started are past. */
  now?: () => number;
}

export interface OomdFollower {
  stop(): void;
}

export function followOomdJournal(opts: OomdFollowerOptions): OomdFollower {
  const cmd = opts.command ?? OOMD_JOURNAL_COMMAND;
  const started = (opts.now ?? Date.now)();
  let stopped = false;
  let child: ChildProcess | null = null;
  try {
    child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    opts.onStatus(`systemd-oomd's kills are not followed: ${(e as Error).message}`);
    return { stop() {} };
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString();
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    if (stopped) return;
    opts.onStatus(e.code === 'ENOENT' ? `systemd-oomd's kills are not followed: no ${cmd[0]} here` : `systemd-oomd's kills are not followed: ${e.message}`);
  });
  child.on('close', (code) => {
    if (stopped) return;
    const why = stderr.trim().split('\n')[0] || `exited with ${code}`;
    opts.onStatus(`systemd-oomd's kills are no longer followed: ${cmd[0]} ${why}`);
  });
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    if (stopped) return;
    const k = parseOomdJournalJson(line);
    if (k) opts.onKill({ ...k, past: k.time !== null && k.time < started });
  });
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      rl.close();
      child?.kill();
    },
  };
}
