/**
 * oomtop guard --notify against a real session bus, in the systemd guest of the VM tier:
 * test/vm/guest/notify.mjs starts root's user manager (user@0.service, whose dbus.socket makes
 * /run/user/0/bus), a notification server on that bus (test/vm/guest/notify-server.py) and
 * a hog in a unit with MemoryMax= that the guard ends; the assertions are here. Skips where
 * the VM cannot run. Needs the built CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
const DRIVER = join(PROJECT, 'scripts/vm/vm.mjs');

function skipReason(): string | null {
  if (!existsSync(DRIVER)) return 'no scripts/vm/vm.mjs in this checkout';
  if (!existsSync(join(PROJECT, 'dist/cli/main.js'))) return 'not built';
  const py = spawnSync('/usr/bin/python3', ['-c', 'import dbus, dbus.mainloop.glib; from gi.repository import GLib'], { encoding: 'utf8' });
  if (py.status !== 0) return 'no python3-dbus / python3-gi for the test notification server';
  const r = spawnSync(process.execPath, [DRIVER, '--prepare', '--systemd'], { encoding: 'utf8', timeout: 600_000 });
  return r.status === 0 ? null : (r.stderr.trim().split('\n').pop() ?? `vm --prepare exited ${r.status}`);
}
const skip = skipReason();
if (skip) console.log(`systemd guest test of --notify skipped: ${skip}`);

describe.skipIf(skip !== null)('oomtop guard --notify on a real session bus (systemd guest)', () => {
  const out = mkdtempSync(join(tmpdir(), 'oomtop-vmtest-notify-'));
  let stderr = '';
  beforeAll(async () => {
    const child = spawn(process.execPath, [DRIVER, '--systemd', '--timeout', '400', '--out', out, 'node test/vm/guest/notify.mjs'], { cwd: PROJECT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((r) => child.on('close', r));
  }, 900_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('finds /run/user/0/bus and shows the rise to high and the kill as notifications', () => {
    let s: Json;
    try {
      s = JSON.parse(readFileSync(join(out, 'notify.json'), 'utf8'));
    } catch {
      throw new Error(`the guest left no result:\n${stderr.slice(-3000)}`);
    }
    if (!s.ok) throw new Error(`failed in the guest: ${s.error}\n${s.guardOutput ?? ''}\n${s.notifications ?? ''}`);
    expect(s.events.find((e: Json) => e.event === 'notice' && /^notify: /.test(e.message)).message).toMatch(/^notify: 1 session bus \(uid 0\) through (busctl|notify-send)$/);
    const acted = s.events.find((e: Json) => e.event === 'term' || e.event === 'kill');
    const kill = s.notifications.find((n: Json) => n.summary.startsWith('oomtop ended'));
    expect(kill).toMatchObject({ app: 'oomtop', summary: `oomtop ended PID ${acted.pid} (node) in ${s.cgroup}`, urgency: 2 });
    expect(kill.body).toContain(`PID ${acted.pid} (node)`);
    const level = s.notifications.find((n: Json) => n.summary.startsWith('Memory pressure'));
    expect(level.summary).toMatch(new RegExp(`^Memory pressure (high|critical) in ${s.cgroup.replace(/[.]/g, '\\.')}$`));
    // Nothing from the guard about a notification that could not be shown.
    expect(s.events.filter((e: Json) => /^notify: uid/.test(e.message ?? ''))).toEqual([]);
  });
});
