import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Alerts, isPersonAlert, personMessage } from '../../src/guard/alerts.js';
import { makeEvent } from '../../src/guard/decide.js';
import { DesktopNotifier, SerialQueue, WallBroadcaster, findProgram, notifyCommand, sessionBuses } from '../../src/guard/notify.js';
import { until } from '../helpers/wait.js';
import { sample } from './helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'oomtop-notify-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function started(c: ChildProcess): ChildProcess {
  cleanups.push(() => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  return c;
}

const hostile = 'evil\u001b[2J$(id)';
const kill = makeEvent('kill', '/app', sample(40), Date.UTC(2025, 0, 1), { pid: 42, name: hostile, signal: 'SIGKILL', level: 'kill', trigger: 'memory' });

describe('who gets told', () => {
  it('a person: when the guard acts, or a scope rises to high or critical; not on the way down', () => {
    const level = (from: string, to: string) => makeEvent('level', 'system', sample(80), 0, { pressure: to as 'high', previous: from as 'normal' });
    expect(isPersonAlert(kill)).toBe(true);
    expect(isPersonAlert(level('normal', 'high'))).toBe(true);
    expect(isPersonAlert(level('high', 'critical'))).toBe(true);
    expect(isPersonAlert(level('normal', 'elevated'))).toBe(false);
    expect(isPersonAlert(level('critical', 'high'))).toBe(false);
    expect(isPersonAlert(makeEvent('exited', '/app', null, 0, { pid: 1 }))).toBe(false);
  });

  it('the title and body name the process sanitized; a kill is critical', () => {
    const m = personMessage(kill);
    expect(m.title).toMatch(/^oomtop ended PID 42 \(evil.*\) in \/app$/);
    expect(m.title + m.body).not.toContain('\u001b');
    expect(m.urgency).toBe('critical');
  });
});

describe('--notify', () => {
  it('says plainly when no session bus is reachable, once', () => {
    const runUser = temp();
    mkdirSync(join(runUser, '1000')); // a runtime directory without a bus
    const problems: string[] = [];
    const n = new DesktopNotifier({ runUser, problem: (m) => problems.push(m) });
    expect(sessionBuses(runUser)).toEqual([]);
    if (findProgram('notify-send') || findProgram('busctl')) {
      expect(n.describe()).toBe(`notify: no session bus reachable (no ${runUser}/UID/bus): no desktop notifications until a user logs in`);
      n.notify('t', 'b', 'normal');
      n.notify('t', 'b', 'normal');
      expect(problems).toEqual([`notify: no session bus reachable (no ${runUser}/UID/bus): notification not shown`]);
    } else {
      expect(n.describe()).toMatch(/neither notify-send nor busctl is installed/);
    }
  });

  it('the argument vectors carry title and body as single arguments', () => {
    expect(notifyCommand({ kind: 'notify-send', path: '/usr/bin/notify-send' }, '-t $(x)', 'b', 'critical')).toEqual([
      '/usr/bin/notify-send', '--app-name=oomtop', '--urgency=critical', '--', '-t $(x)', 'b',
    ]);
    const bc = notifyCommand({ kind: 'busctl', path: '/usr/bin/busctl' }, 'T', 'B', 'low');
    expect(bc.slice(bc.indexOf('susssasa{sv}i'))).toEqual(['susssasa{sv}i', 'oomtop', '0', '', 'T', 'B', '0', '1', 'urgency', 'y', '0', '5000']);
  });

  const tools = findProgram('dbus-daemon') && findProgram('dbus-monitor') && (findProgram('busctl') || findProgram('notify-send'));
  it.skipIf(!tools || process.getuid?.() !== 0)('sends Notify over a real session bus (a private dbus-daemon at RUNUSER/0/bus)', async () => {
    const runUser = temp();
    mkdirSync(join(runUser, '0'));
    const bus = join(runUser, '0', 'bus');
    started(spawn('dbus-daemon', ['--session', '--nofork', `--address=unix:path=${bus}`], { stdio: 'ignore' }));
    await until(() => existsSync(bus), 10_000, 'the bus socket');
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${bus}` };
    const mon = started(spawn('dbus-monitor', ["interface='org.freedesktop.Notifications'"], { env, stdio: ['ignore', 'pipe', 'ignore'] }));
    let seen = '';
    mon.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
    await until(() => /member=NameAcquired/.test(seen), 10_000, 'the monitor');

    const problems: string[] = [];
    const alerts = new Alerts({ notify: true }, (m) => problems.push(m), { runUser });
    expect(alerts.describe()).toEqual([expect.stringMatching(/^notify: 1 session bus \(uid 0\) through (busctl|notify-send)$/)]);
    alerts.push(kill);
    await until(() => /member=Notify/.test(seen) && /string "oomtop ended PID 42/.test(seen), 10_000, 'the Notify call');
    expect(seen).toContain('string "oomtop"');
    expect(seen).not.toContain('\u001b');
    // Nobody serves notifications on this private bus: said, once per user.
    await until(() => problems.length > 0, 10_000, 'the failure');
    expect(problems[0]).toMatch(/^notify: uid 0: /);
  });
});

describe('--notify to a logged-in user who is not root', () => {
  const NOBODY = 65534;
  const server = join(import.meta.dirname, '../vm/guest/notify-server.py');
  const py = spawnSync('/usr/bin/python3', ['-c', 'import dbus, dbus.mainloop.glib; from gi.repository import GLib'], { stdio: 'ignore' }).status === 0;
  const can = py && findProgram('dbus-daemon') && (findProgram('busctl') || findProgram('notify-send')) && process.getuid?.() === 0;
  it.skipIf(!can)('runs the notification as that user on their own bus (a private dbus-daemon of uid 65534), which a server on it receives', async () => {
    // /run/user/65534/bus as logind would make it: the user's directory, the user's daemon.
    const runUser = temp();
    chmodSync(runUser, 0o755);
    const dir = join(runUser, String(NOBODY));
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, NOBODY, NOBODY);
    const bus = join(dir, 'bus');
    const asNobody = { uid: NOBODY, gid: NOBODY };
    started(spawn('dbus-daemon', ['--session', '--nofork', `--address=unix:path=${bus}`], { ...asNobody, stdio: 'ignore' }));
    await until(() => existsSync(bus), 10_000, 'the bus socket');
    const out = join(dir, 'notifications');
    started(spawn('/usr/bin/python3', [server, out], { ...asNobody, cwd: dir, env: { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: `unix:path=${bus}` }, stdio: 'ignore' }));
    await until(() => existsSync(`${out}.ready`), 10_000, 'the notification server');

    const problems: string[] = [];
    const alerts = new Alerts({ notify: true }, (m) => problems.push(m), { runUser });
    expect(alerts.describe()).toEqual([expect.stringMatching(new RegExp(`^notify: 1 session bus \\(uid ${NOBODY}\\) through (busctl|notify-send)$`))]);
    alerts.push(kill);
    await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('\n'), 10_000, 'the notification');
    const [n] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The caller the bus saw is the user, not the guard's root: it ran as that user.
    expect(n).toMatchObject({ app: 'oomtop', summary: expect.stringMatching(/^oomtop ended PID 42 \(evil.*\) in \/app$/), urgency: 2, uid: NOBODY });
    expect(String(n!.summary) + String(n!.body)).not.toContain('\u001b');
    expect(problems).toEqual([]);
  });
});

describe('one run at a time per destination', () => {
  it('runs tasks in order, one at a time; a full queue drops the oldest waiting one', async () => {
    const q = new SerialQueue(2);
    const log: string[] = [];
    const gates: Array<() => void> = [];
    const task = (name: string) => () =>
      new Promise<void>((r) => {
        log.push(`start ${name}`);
        gates.push(() => (log.push(`end ${name}`), r()));
      });
    const done = ['a', 'b', 'c', 'd'].map((n) => q.run(task(n)));
    // a runs; b, c wait; d pushes b out.
    expect(log).toEqual(['start a']);
    expect(q.dropped).toBe(1);
    await done[1]; // b resolved as dropped
    gates.shift()!();
    await done[0];
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a', 'end a', 'start c']);
    gates.shift()!();
    await done[2];
    await new Promise((r) => setImmediate(r));
    gates.shift()!();
    await done[3];
    expect(log).toEqual(['start a', 'end a', 'start c', 'end c', 'start d', 'end d']);
  });
});

describe('--wall', () => {
  it('runs wall with the message on its standard input, or says it is missing', async () => {
    const problems: string[] = [];
    const missing = new WallBroadcaster({ path: temp(), problem: (m) => problems.push(m) });
    if (findProgram('wall', '/nonexistent') === null) {
      expect(missing.describe()).toMatch(/wall is not installed/);
      missing.broadcast('x');
      expect(problems).toEqual([missing.describe()]);
    }
    const wall = findProgram('wall');
    if (wall !== null) expect(new WallBroadcaster({ problem: (m) => problems.push(m) }).describe()).toBe(`wall: through ${wall}`);
    // The wiring, without writing to the terminals of whoever is logged in on this box: a
    // program named wall first on the path, recording its arguments and standard input.
    const dir = temp();
    writeFileSync(join(dir, 'wall'), `#!/bin/sh\nprintf '%s\\n' "$#" >> '${dir}/args'\ncat >> '${dir}/stdin'\n`, { mode: 0o755 });
    const rec = new WallBroadcaster({ path: dir, problem: (m) => problems.push(m) });
    // Two at once: the second waits for the first, neither is lost.
    await Promise.all([rec.broadcast(`oomtop ended PID 42 (${hostile})`), rec.broadcast('second')]);
    expect(readFileSync(join(dir, 'args'), 'utf8')).toBe('0\n0\n');
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(`oomtop ended PID 42 (${hostile})\nsecond\n`);
    expect(problems.filter((p) => !/not installed/.test(p))).toEqual([]);
  });
});
