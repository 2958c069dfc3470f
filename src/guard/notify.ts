/**
 * --notify and --wall: tell the people who were not watching. Both run a program with an
 * argument vector (never a shell), a timeout, and one run at a time per destination: the
 * next waits in a short queue (PENDING_MAX, the oldest dropped when it is full).
 * - --notify: a freedesktop notification on each logged-in user's session bus
 *   (/run/user/UID/bus), through notify-send run as that user, or busctl --user
 *   (org.freedesktop.Notifications.Notify) when notify-send is missing.
 * - --wall: the message on wall's standard input (util-linux / bsdutils).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const NOTIFY_TIMEOUT_MS = 5000;
export const PENDING_MAX = 4;

/** Runs tasks one at a time; at most `max` wait, the oldest waiting one is dropped for a new one. */
export class SerialQueue {
  private running = false;
  private readonly waiting: Array<{ task: () => Promise<void>; done: () => void }> = [];
  dropped = 0;

  constructor(private readonly max = PENDING_MAX) {}

  /** Resolves when the task ran (or was dropped). */
  run(task: () => Promise<void>): Promise<void> {
    return new Promise((done) => {
      if (this.waiting.length >= this.max) {
        this.waiting.shift()!.done();
        this.dropped++;
      }
      this.waiting.push({ task, done });
      this.next();
    });
  }

  private next(): void {
    if (this.running) return;
    const item = this.waiting.shift();
    if (!item) return;
    this.running = true;
    void item.task().finally(() => {
      this.running = false;
      item.done();
      this.next();
    });
  }
}

/** Where a program is on PATH (or the usual places), or null. */
export function findProgram(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of [...path.split(':').filter(Boolean), '/usr/local/bin', '/usr/bin', '/bin']) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export interface SessionBus {
  uid: number;
  gid: number;
  /** The bus socket (unix:path=...). */
  path: string;
}

/** Each logged-in user's session bus: /run/user/UID/bus sockets (systemd-logind's runtime directories). */
export function sessionBuses(runUser = '/run/user'): SessionBus[] {
  let names: string[];
  try {
    names = readdirSync(runUser);
  } catch {
    return [];
  }
  const out: SessionBus[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const path = join(runUser, n, 'bus');
    try {
      const st = statSync(path);
      if (!st.isSocket()) continue;
      out.push({ uid: Number(n), gid: st.gid, path });
    } catch {
      /* no bus for this user */
    }
  }
  return out.sort((a, b) => a.uid - b.uid);
}

export type Urgency = 'low' | 'normal' | 'critical';

/** The argument vector that shows one notification (program first). */
export function notifyCommand(tool: { kind: 'notify-send' | 'busctl'; path: string }, title: string, body: string, urgency: Urgency): string[] {
  if (tool.kind === 'notify-send') return [tool.path, '--app-name=oomtop', `--urgency=${urgency}`, '--', title, body];
  const u = urgency === 'low' ? 0 : urgency === 'normal' ? 1 : 2;
  // Notify(app_name s, replaces_id u, app_icon s, summary s, body s, actions as, hints a{sv}, expire_timeout i)
  return [
    tool.path, '--user', '--timeout=5', 'call', 'org.freedesktop.Notifications', '/org/freedesktop/Notifications',
    'org.freedesktop.Notifications', 'Notify', 'susssasa{sv}i', 'oomtop', '0', '', title, body, '0', '1', 'urgency', 'y', String(u), '5000',
  ];
}

export interface RunResult {
  code: number | null;
  error: string | null;
  stderr: string;
}

/** Run argv (no shell) with optional stdin, as another user when uid/gid are given, killed after timeoutMs. */
export function runArgv(argv: string[], o: { env?: Record<string, string>; uid?: number; gid?: number; stdin?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        env: o.env ?? process.env,
        stdio: [o.stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
        ...(o.uid !== undefined ? { uid: o.uid, gid: o.gid } : {}),
      });
    } catch (e) {
      resolve({ code: null, error: (e as Error).message, stderr: '' });
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 500) stderr += d.toString('utf8');
    });
    if (o.stdin !== undefined) {
      child.stdin?.on('error', () => {});
      child.stdin?.end(o.stdin);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, error: e.message, stderr });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, error: null, stderr: stderr.trim() });
    });
  });
}

export interface DesktopNotifierOptions {
  runUser?: string;
  path?: string;
  problem: (message: string) => void;
}

/** Desktop notifications to every session bus found at the moment of the event. */
export class DesktopNotifier {
  private readonly queues = new Map<number, SerialQueue>();
  private saidNoBus = false;
  private saidNoTool = false;
  private readonly failing = new Set<number>();
  private readonly tool: { kind: 'notify-send' | 'busctl'; path: string } | null;
  sent = 0;

  constructor(private readonly opts: DesktopNotifierOptions) {
    const ns = findProgram('notify-send', opts.path);
    const bc = ns ? null : findProgram('busctl', opts.path);
    this.tool = ns ? { kind: 'notify-send', path: ns } : bc ? { kind: 'busctl', path: bc } : null;
  }

  /** What --notify can reach now, in one line (said at start). */
  describe(): string {
    const buses = sessionBuses(this.opts.runUser);
    if (this.tool === null) return 'notify: neither notify-send nor busctl is installed: no desktop notifications';
    if (buses.length === 0) return `notify: no session bus reachable (no ${this.opts.runUser ?? '/run/user'}/UID/bus): no desktop notifications until a user logs in`;
    return `notify: ${buses.length} session bus${buses.length > 1 ? 'es' : ''} (uid ${buses.map((b) => b.uid).join(', ')}) through ${this.tool.kind}`;
  }

  notify(title: string, body: string, urgency: Urgency): void {
    if (this.tool === null) {
      if (!this.saidNoTool) this.opts.problem('notify: neither notify-send nor busctl is installed: notification not shown');
      this.saidNoTool = true;
      return;
    }
    const buses = sessionBuses(this.opts.runUser);
    if (buses.length === 0) {
      if (!this.saidNoBus) this.opts.problem(`notify: no session bus reachable (no ${this.opts.runUser ?? '/run/user'}/UID/bus): notification not shown`);
      this.saidNoBus = true;
      return;
    }
    this.saidNoBus = false;
    const argv = notifyCommand(this.tool, title, body, urgency);
    for (const b of buses) {
      let q = this.queues.get(b.uid);
      if (!q) this.queues.set(b.uid, (q = new SerialQueue()));
      void q.run(() => this.send(b, argv));
    }
  }

  private async send(b: SessionBus, argv: string[]): Promise<void> {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DBUS_SESSION_BUS_ADDRESS: `unix:path=${b.path}`, XDG_RUNTIME_DIR: join(b.path, '..') };
    const asUser = process.getuid?.() === 0 && b.uid !== 0 ? { uid: b.uid, gid: b.gid } : {};
    const r = await runArgv(argv, { env, ...asUser, timeoutMs: NOTIFY_TIMEOUT_MS });
    if (r.code === 0) {
      this.sent++;
      this.failing.delete(b.uid);
      return;
    }
    if (!this.failing.has(b.uid)) {
      const why = r.error ?? (r.stderr.split('\n')[0] || `exit ${r.code ?? 'by signal'}`);
      this.opts.problem(`notify: uid ${b.uid}: ${why}`);
    }
    this.failing.add(b.uid);
  }
}

/** --wall: the message to every terminal through wall(1), on its standard input. */
export class WallBroadcaster {
  private readonly queue = new SerialQueue();
  private readonly wall: string | null;
  private said = false;

  constructor(private readonly opts: { path?: string; problem: (m: string) => void }) {
    this.wall = findProgram('wall', opts.path);
  }

  describe(): string {
    return this.wall ? `wall: through ${this.wall}` : 'wall: wall is not installed (util-linux / bsdutils): no terminal broadcast';
  }

  /** Resolves when this broadcast is over (or was dropped from a full queue; at once when wall is missing). */
  broadcast(message: string): Promise<void> {
    if (this.wall === null) {
      if (!this.said) this.opts.problem(this.describe());
      this.said = true;
      return Promise.resolve();
    }
    const wall = this.wall;
    return this.queue.run(async () => {
      const r = await runArgv([wall], { stdin: message + '\n', timeoutMs: NOTIFY_TIMEOUT_MS });
      if (r.code !== 0 && !this.said) {
        this.opts.problem(`wall: ${r.error ?? (r.stderr.split('\n')[0] || `exit ${r.code}`)}`);
        this.said = true;
      }
    });
  }
}
