/**
 * systemd-oomd's kills into the event log: the follower runs a real child (the journalctl
 * command is injected: this host has no systemd), the store gets LIVE and past entries.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { followOomdJournal, type FollowedOomdKill } from '../../src/kernel/oomd-follow.js';
import { createOomtopStore } from '../../src/store/store.js';
import { followOomdKills } from '../../src/tui/oomd-events.js';
import { eventLine } from '../../src/ui/EventLog.js';
import { until } from '../helpers/wait.js';

const base = mkdtempSync(join(tmpdir(), 'oomtop-oomd-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const MSG = 'Killed /system.slice/oomd-demo.service due to memory pressure for /system.slice/oomd-demo.service being 62.35% > 10.00% for > 2s with reclaim activity';
const rec = (usec: number) => JSON.stringify({ __REALTIME_TIMESTAMP: String(usec), SYSLOG_IDENTIFIER: 'systemd-oomd', _SYSTEMD_UNIT: 'systemd-oomd.service', PRIORITY: '5', MESSAGE: MSG });

/** A stand-in for journalctl: prints these lines, then stays (as --follow does). */
function printer(lines: string[]): string[] {
  const f = join(base, `lines-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return ['/bin/sh', '-c', `cat '${f}'; exec sleep 30`];
}

describe('followOomdJournal', () => {
  it('hands over each kill as it is printed, past before the follower started', async () => {
    const got: FollowedOomdKill[] = [];
    const now = Date.now();
    const f = followOomdJournal({ command: printer([rec((now - 60_000) * 1000), '{"MESSAGE":"unrelated"}', rec((now + 5000) * 1000)]), onKill: (k) => got.push(k), onStatus: () => {}, now: () => now });
    try {
      await until(() => got.length === 2, 10_000, 'two kills');
      expect(got.map((k) => [k.kind, k.past])).toEqual([['pressure', true], ['pressure', false]]);
    } finally {
      f.stop();
    }
  });

  it('says so when journalctl is missing or exits', async () => {
    const said: string[] = [];
    followOomdJournal({ command: ['/nonexistent/journalctl'], onKill: () => {}, onStatus: (m) => said.push(m) });
    await until(() => said.length > 0, 10_000, 'a status');
    expect(said[0]).toBe("systemd-oomd's kills are not followed: no /nonexistent/journalctl here");
    const said2: string[] = [];
    followOomdJournal({ command: ['/bin/sh', '-c', 'echo "No journal files were found." >&2; exit 1'], onKill: () => {}, onStatus: (m) => said2.push(m) });
    await until(() => said2.length > 0, 10_000, 'a status');
    expect(said2[0]).toBe("systemd-oomd's kills are no longer followed: /bin/sh No journal files were found.");
  });
});

describe('followOomdKills (the TUI)', () => {
  it('does nothing where systemd does not run', () => {
    expect(followOomdKills(createOomtopStore(), { systemdRoot: join(base, 'nosystemd'), command: ['/bin/false'] })).toBeNull();
  });

  it('logs a live kill as a LIVE oom-kill entry, names it in the header and the status line', async () => {
    const root = join(base, 'root');
    mkdirSync(join(root, 'run/systemd/system'), { recursive: true });
    const store = createOomtopStore();
    const f = followOomdKills(store, { systemdRoot: root, command: printer([rec((Date.now() + 1000) * 1000)]) })!;
    try {
      await until(() => store.getState().events.some((e) => e.oomd), 10_000, 'the entry');
      const e = store.getState().events.find((x) => x.oomd)!;
      expect(e).toMatchObject({ kind: 'oom-kill', severity: 'bad' });
      expect(eventLine(e)).toMatch(/^LIVE \S+ oom-kill systemd-oomd killed \/system\.slice\/oomd-demo\.service: memory pressure of .* 62\.35% > its limit 10\.00% for > 2s, with reclaim$/);
      expect(store.getState().lastOomKill).toMatchObject({ name: 'oomd-demo.service (systemd-oomd)', cgroup: '/system.slice/oomd-demo.service' });
      expect(store.getState().status?.text).toBe(e.text);
    } finally {
      f.stop();
    }
  });
});
