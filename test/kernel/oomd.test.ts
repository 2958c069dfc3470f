/**
 * systemd-oomd's kills from the journal. The messages are systemd 252's (the format strings
 * of Debian 12's systemd-oomd and libsystemd-core-252.so: `strings` shows them), in the
 * records `journalctl -o json` prints for them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/analyze.js';
import { describeOomdKill, OOMD_UNIT_KILL_MESSAGE_ID, parseOomdJournalJson, parseOomdLog, parseOomdMessage, parseOomdTextLine } from '../../src/kernel/oomd.js';

const PRESSURE_MSG = 'Killed /system.slice/oomd-demo.service due to memory pressure for /system.slice/oomd-demo.service being 62.35% > 10.00% for > 2s with reclaim activity';
const SWAP_MSG = 'Killed /user.slice/user-1000.slice/user@1000.service/app.slice/leak.service due to memory used (8232345600) / total (8321499136) and swap used (2000000000) / total (2147479552) being more than 90.00%';

const record = (fields: Record<string, unknown>) =>
  JSON.stringify({
    __CURSOR: 's=5c1d;i=4f2;b=9a1c;m=2b3c4d;t=60b2c1d2e3f40;x=1',
    __REALTIME_TIMESTAMP: '1764630000123456',
    __MONOTONIC_TIMESTAMP: '45678901',
    _BOOT_ID: '9a1c0d5e6f7a4b3c8d9e0f1a2b3c4d5e',
    PRIORITY: '5',
    SYSLOG_FACILITY: '3',
    _UID: '0',
    _HOSTNAME: 'oomtop-vm',
    _TRANSPORT: 'journal',
    ...fields,
  });

const oomdRecord = (message: unknown) =>
  record({ SYSLOG_IDENTIFIER: 'systemd-oomd', _PID: '211', _COMM: 'systemd-oomd', _SYSTEMD_UNIT: 'systemd-oomd.service', CODE_FILE: 'src/oom/oomd-manager.c', CODE_FUNC: 'monitor_memory_pressure_contexts_handler', MESSAGE: message });

describe('parseOomdJournalJson', () => {
  it('reads a pressure kill: the killed cgroup, the monitored one, pressure, limit, duration, time', () => {
    expect(parseOomdJournalJson(oomdRecord(PRESSURE_MSG))).toEqual({
      kind: 'pressure',
      cgroup: '/system.slice/oomd-demo.service',
      monitored: '/system.slice/oomd-demo.service',
      pressurePct: 62.35,
      limitPct: 10,
      duration: '2s',
      time: 1764630000123,
      source: 'systemd-oomd',
    });
  });

  it('reads a swap kill', () => {
    expect(parseOomdJournalJson(oomdRecord(SWAP_MSG))).toMatchObject({ kind: 'swap', cgroup: '/user.slice/user-1000.slice/user@1000.service/app.slice/leak.service', memUsed: 8232345600, swapTotal: 2147479552, limitPct: 90 });
  });

  it("reads the service manager's count, with the unit from UNIT= (or USER_UNIT= from a user manager)", () => {
    const pid1 = record({ SYSLOG_IDENTIFIER: 'systemd', _PID: '1', MESSAGE_ID: OOMD_UNIT_KILL_MESSAGE_ID, UNIT: 'oomd-demo.service', MESSAGE: 'oomd-demo.service: systemd-oomd killed 3 process(es) in this unit.' });
    expect(parseOomdJournalJson(pid1)).toEqual({ kind: 'unit', unit: 'oomd-demo.service', processes: 3, time: 1764630000123, source: 'manager' });
    const user = record({ SYSLOG_IDENTIFIER: 'systemd', _PID: '1565', MESSAGE_ID: OOMD_UNIT_KILL_MESSAGE_ID, USER_UNIT: 'vte-spawn-f651.scope', MESSAGE: 'vte-spawn-f651.scope: systemd-oomd killed some process(es) in this unit.' });
    expect(parseOomdJournalJson(user)).toMatchObject({ kind: 'unit', unit: 'vte-spawn-f651.scope', processes: null });
  });

  it('a MESSAGE that is not UTF-8 comes as bytes: read as such', () => {
    const bytes = [...Buffer.from(PRESSURE_MSG.replaceAll('oomd-demo', 'd\u00e9mo'))];
    expect(parseOomdJournalJson(oomdRecord(bytes))).toMatchObject({ kind: 'pressure', cgroup: '/system.slice/d\u00e9mo.service' });
  });

  it('other lines of systemd-oomd, other programs saying the same words, and bad JSON are not kills', () => {
    expect(parseOomdJournalJson(oomdRecord('Memory pressure for /system.slice is 62.35% > 10.00% for > 2s with reclaim activity'))).toBeNull();
    expect(parseOomdJournalJson(oomdRecord('Considered 3 cgroups for killing, top candidates were:'))).toBeNull();
    expect(parseOomdJournalJson(record({ SYSLOG_IDENTIFIER: 'logger', MESSAGE: PRESSURE_MSG }))).toBeNull();
    expect(parseOomdJournalJson(record({ SYSLOG_IDENTIFIER: 'bash', MESSAGE: 'x.service: systemd-oomd killed 3 process(es) in this unit.' }))).toBeNull();
    for (const bad of ['', '{', '[]', 'null', '{"MESSAGE": 5}', '{"MESSAGE": [300]}']) expect(parseOomdJournalJson(bad)).toBeNull();
  });

  it('a cgroup path with spaces and parentheses stays whole', () => {
    const msg = 'Killed /system.slice/a b (x).service due to memory pressure for /system.slice being 50.00% > 40.00% for > 1min 30s with reclaim activity';
    expect(parseOomdMessage(msg, { oomd: true, manager: false })).toMatchObject({ cgroup: '/system.slice/a b (x).service', monitored: '/system.slice', duration: '1min 30s' });
  });
});

describe('text lines (journalctl short, syslog)', () => {
  it('reads the tag that wrote the line', () => {
    expect(parseOomdTextLine(`Dec 17 10:04:41 user systemd-oomd[588]: ${PRESSURE_MSG}`)).toMatchObject({ kind: 'pressure', pressurePct: 62.35 });
    expect(parseOomdTextLine('2026-12-01T22:40:01.123456+00:00 vm systemd[1]: oomd-demo.service: systemd-oomd killed 2 process(es) in this unit.')).toMatchObject({ kind: 'unit', unit: 'oomd-demo.service', processes: 2 });
    expect(parseOomdTextLine(`Dec 17 10:04:41 user logger[9]: ${PRESSURE_MSG}`)).toBeNull();
  });

  it('parseOomdLog finds every kill in a mixed export', () => {
    const text = [oomdRecord(PRESSURE_MSG), 'Dec 17 10:04:41 h kernel: Out of memory: Killed process 5 (x)', `Dec 17 10:04:42 h systemd-oomd[1]: ${SWAP_MSG}`, ''].join('\n');
    expect(parseOomdLog(text).map((k) => k.kind)).toEqual(['pressure', 'swap']);
  });
});

describe('describeOomdKill', () => {
  it('one line for the event log', () => {
    expect(describeOomdKill(parseOomdMessage(PRESSURE_MSG, { oomd: true, manager: false })!)).toBe(
      'systemd-oomd killed /system.slice/oomd-demo.service: memory pressure of /system.slice/oomd-demo.service 62.35% > its limit 10.00% for > 2s, with reclaim',
    );
    expect(describeOomdKill(parseOomdMessage(SWAP_MSG, { oomd: true, manager: false })!)).toMatch(/: memory 98\.9% and swap 93\.1% used, over 90\.00%$/);
    expect(describeOomdKill({ kind: 'unit', unit: 'a.service', processes: 1, time: null, source: 'manager' })).toBe("systemd-oomd: a.service: 1 process killed (the service manager's count)");
  });
});

describe('oomtop analyze: systemd-oomd beside the kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oomtop-analyze-oomd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const io = () => {
    let out = '';
    return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, stdin: Readable.from([]) }, out: () => out };
  };

  it('lists the kills of a journal export that holds them, with their times, and in --json', async () => {
    const kernel = readFileSync(join(import.meta.dirname, '../fixtures/kernel-logs/derived-6.18-journal-iso-noise.log'), 'utf8');
    const file = join(dir, 'journal.log');
    writeFileSync(file, `${kernel}2026-11-22T04:30:00.100000+00:00 vm systemd-oomd[211]: ${PRESSURE_MSG}\n2026-11-22T04:30:00.200000+00:00 vm systemd[1]: oomd-demo.service: systemd-oomd killed 2 process(es) in this unit.\n`);
    const h = io();
    expect(await run([file], h.io)).toBe(0);
    expect(h.out()).toMatch(/^OOM analysis of .*: 3 kills/);
    expect(h.out()).toContain('systemd-oomd (2 lines from the journal; it kills whole cgroups on memory pressure or swap use, not the kernel)\n  2026-11-22 04:30:00Z systemd-oomd killed /system.slice/oomd-demo.service: memory pressure of /system.slice/oomd-demo.service 62.35% > its limit 10.00% for > 2s, with reclaim\n');
    expect(h.out()).toContain("2026-11-22 04:30:00Z systemd-oomd: oomd-demo.service: 2 processes killed (the service manager's count)");
    const j = io();
    expect(await run([file, '--json'], j.io)).toBe(0);
    expect(JSON.parse(j.out()).oomd).toMatchObject([{ kind: 'pressure', cgroup: '/system.slice/oomd-demo.service', time: Date.parse('2026-11-22T04:30:00.100Z') }, { kind: 'unit', processes: 2 }]);
  });

  it('a log without them says nothing of systemd-oomd (and --json has no oomd key)', async () => {
    const file = join(import.meta.dirname, '../fixtures/kernel-logs/derived-6.18-journal-iso-noise.log');
    const h = io();
    expect(await run([file], h.io)).toBe(0);
    expect(h.out()).not.toContain('systemd-oomd');
    const j = io();
    await run([file, '--json'], j.io);
    expect(JSON.parse(j.out())).not.toHaveProperty('oomd');
  });
});

describe('the records systemd 252 journaled for a real kill (test guest, test/fixtures/oomd/)', () => {
  const dir = join(import.meta.dirname, '../fixtures/oomd');
  it('JSON: the kill and the manager\'s count; the candidate dump is not a kill', () => {
    const lines = readFileSync(join(dir, 'systemd-252-guest-kill.json'), 'utf8').trim().split('\n');
    expect(lines.map(parseOomdJournalJson)).toEqual([
      null,
      {
        kind: 'pressure',
        cgroup: '/oomtop.slice/oomtop-pressure.slice/oomtop-oomd-victim.service',
        monitored: '/oomtop.slice/oomtop-pressure.slice',
        pressurePct: 12.23,
        limitPct: 10,
        duration: '2s',
        time: 1796166317352,
        source: 'systemd-oomd',
      },
      { kind: 'unit', unit: 'oomtop-oomd-victim.service', processes: 9, time: 1796166317415, source: 'manager' },
    ]);
    expect(JSON.parse(lines[2]!).MESSAGE_ID).toBe(OOMD_UNIT_KILL_MESSAGE_ID);
  });

  it('journalctl -o short-iso: the kill line with its time, the rest of the dump skipped', () => {
    const kills = parseOomdLog(readFileSync(join(dir, 'systemd-252-guest-kill.short-iso.log'), 'utf8'));
    expect(kills).toEqual([expect.objectContaining({ kind: 'pressure', pressurePct: 12.23, time: Date.parse('2026-12-01T23:05:17Z') })]);
  });
});
