/**
 * Live kernel-log follower for the TUI: reports every OOM kill as soon as its kill line
 * is read. Reads /dev/kmsg through a non-blocking fd polled every `pollMs` (EAGAIN at
 * the end, EPIPE after the ring buffer wrapped), falling back to `dmesg --follow`, then
 * `journalctl -k -f`, and says plainly when none of them is readable.
 */
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { bootTimeMs, monotonicNowUs } from './clock.js';
import { KmsgReader } from './kmsg-reader.js';
import { kmsgLogLine } from './normalize.js';
import { OomLogParser } from './parser.js';
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
import type { OomEvent } from './types.js';

export type FollowedEvent = OomEvent & { past: boolean };

export interface FollowerStatus {
  source: KernelSourceName | 'none';
  message?: string;
}

export interface FollowerOptions {
  /** Default /dev/kmsg. */
  devKmsg?: string;
  /** For the "not readable" explanation (dmesg_restrict). Default /proc. */
  procRoot?: string;
  onEvent(ev: FollowedEvent): void;
  onStatus(s: FollowerStatus): void;
  /** An event already reported changed (oom_reaper result, memory.oom.group membership). */
  onUpdate?(ev: FollowedEvent): void;
  /** Report kills already in the kernel buffer (marked past). Default true. */
  readHistory?: boolean;
  /** /dev/kmsg poll interval in ms. Default 100. */
  pollMs?: number;
  /** Override or disable (null) the fallback commands. */
  commands?: SourceCommands;
}

export interface KernelFollower {
  stop(): void;
}

export function startKernelFollower(opts: FollowerOptions): KernelFollower {
  const readHistory = opts.readHistory ?? true;
  const pollMs = opts.pollMs ?? 100;
  const commands = { ...defaultCommands(readHistory), ...opts.commands };
  const startUs = monotonicNowUs();
  const startWallMs = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let reader: KmsgReader | null = null;
  let child: ResultPromise | null = null;
  let inHistory = true;
  const failures: SourceFailure[] = [];

  const isPast = (ev: OomEvent): boolean => {
    if (ev.monotonicUs !== null) return ev.monotonicUs < startUs;
    if (ev.time !== null) return Date.parse(ev.time) < startWallMs;
    return inHistory;
  };
  const withPast = (ev: OomEvent): FollowedEvent => Object.assign(ev, { past: isPast(ev) });

  const parser = new OomLogParser({
    bootTimeMs: bootTimeMs(),
    onUpdate: (ev) => {
      if (stopped) return;
      const f = withPast(ev);
      if (!f.past || readHistory) opts.onUpdate?.(f);
    },
  });
  const deliver = (events: OomEvent[]): void => {
    for (const ev of events) {
      if (stopped) return;
      const f = withPast(ev);
      if (f.past && !readHistory) continue;
      opts.onEvent(f);
    }
  };

  const status = (s: FollowerStatus): void => {
    if (!stopped) opts.onStatus(s);
  };

  async function followKmsg(): Promise<boolean> {
    const path = opts.devKmsg ?? '/dev/kmsg';
    try {
      reader = await KmsgReader.open(path);
    } catch (e) {
      failures.push({ source: 'kmsg', reason: `${path}: ${describeError(e)}` });
      return false;
    }
    if (stopped) {
      await reader.close();
      return true;
    }
    status({ source: 'kmsg' });
    const tick = async (): Promise<void> => {
      timer = null;
      if (stopped || !reader) return;
      try {
        const { records, lost, atEnd } = await reader.drain(2000);
        if (lost) status({ source: 'kmsg', message: 'the kernel log buffer wrapped; some messages were lost' });
        for (const rec of records) {
          if (stopped) return;
          if (inHistory && rec.usec >= startUs) inHistory = false;
          deliver(parser.pushLogLine(kmsgLogLine(rec)));
        }
        if (atEnd) inHistory = false;
        if (!stopped) timer = setTimeout(() => void tick(), atEnd ? pollMs : 0);
      } catch (e) {
        await reader?.close();
        reader = null;
        failures.push({ source: 'kmsg', reason: `read failed: ${describeError(e)}` });
        if (!stopped) void fallbacks();
      }
    };
    await tick();
    return true;
  }

  /** Does `probe` show kernel messages? Its failure is recorded for the final explanation. */
  async function probeWorks(source: KernelSourceName, probe: string[]): Promise<boolean> {
    const r = await execa(probe[0]!, probe.slice(1), { reject: false, stdin: 'ignore', maxBuffer: 64 * 1024 * 1024 });
    if (r.exitCode === 0 && !r.failed && messageLines(String(r.stdout)).length > 0) return true;
    const why = r.failed && r.exitCode === undefined ? describeError(r) : noMessagesReason(String(r.stderr), r.exitCode);
    failures.push({ source, reason: why });
    return false;
  }

  /**
   * Run a follow command; resolves false when it could not run or died on its own. It is
   * named as the source once its probe showed kernel messages, or (without a probe) once
   * it printed its first line: never on trust.
   */
  async function followCommand(source: KernelSourceName, cmd: string[] | null | undefined, probe: string[] | null | undefined): Promise<boolean> {
    if (!cmd || cmd.length === 0 || stopped) return false;
    if (probe && probe.length > 0 && !(await probeWorks(source, probe))) return false;
    if (stopped) return false;
    const proc = execa(cmd[0]!, cmd.slice(1), { reject: false, buffer: false, stdin: 'ignore', cleanup: true });
    child = proc;
    let stderr = '';
    let sawLine = false;
    proc.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString();
    });
    if (proc.stdout) {
      const rl = createInterface({ input: proc.stdout });
      // The parser holds each line until the next shows whether it continues (a comm
      // with a newline); dmesg writes a message at once, so a short quiet ends it.
      let drain: NodeJS.Timeout | null = null;
      rl.on('line', (line) => {
        if (stopped) return;
        if (!sawLine) {
          sawLine = true;
          status({ source });
        }
        deliver(parser.push(line));
        if (drain) clearTimeout(drain);
        drain = setTimeout(() => {
          drain = null;
          if (!stopped) deliver(parser.drainPending());
        }, 50);
      });
      rl.on('close', () => {
        if (drain) clearTimeout(drain);
        if (!stopped) deliver(parser.drainPending());
      });
    }
    if (probe && probe.length > 0) {
      sawLine = true;
      status({ source });
    }
    const result = await proc;
    if (child === proc) child = null;
    if (stopped) return true;
    const why = stderr.trim().split('\n')[0] || result.shortMessage?.split('\n')[0] || `exited with ${result.exitCode}`;
    failures.push({ source, reason: why });
    if (sawLine) status({ source, message: `${cmd[0]} stopped: ${why}` });
    return false;
  }

  async function fallbacks(): Promise<void> {
    inHistory = true;
    if (await followCommand('dmesg', commands.dmesgFollow, commands.dmesgProbe)) return;
    inHistory = true;
    if (await followCommand('journalctl', commands.journalctlFollow, commands.journalctlProbe)) return;
    status({ source: 'none', message: explainUnreadable(failures, opts.procRoot) });
  }

  void (async () => {
    if (await followKmsg()) return;
    await fallbacks();
  })().catch((e: unknown) => status({ source: 'none', message: `kernel log follower failed: ${describeError(e)}` }));

  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      void reader?.close();
      reader = null;
      if (child) child.kill();
      child = null;
    },
  };
}
