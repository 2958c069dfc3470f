import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';
import { afterEach, describe, expect, it } from 'vitest';
import { monotonicNowUs } from '../../src/kernel/clock.js';
import { startKernelFollower, type FollowedEvent, type FollowerStatus, type KernelFollower } from '../../src/kernel/follow.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'kernel-logs');
const dirs: string[] = [];
const followers: KernelFollower[] = [];
afterEach(() => {
  for (const f of followers.splice(0)) f.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A fixture recorded on a machine that had been up for a while carries kernel timestamps
 * that may lie ahead of this machine's clock: shift them so the whole log ends a second
 * ago, as a real buffer would. Only the timestamps change.
 */
function inThePast(text: string, kind: 'kmsg' | 'dmesg'): string {
  const re = kind === 'kmsg' ? /^(\d+,\d+,)(\d+)(,)/gm : /^(\[\s*)(\d+\.\d{6})(\])/gm;
  const toUs = (v: string) => (kind === 'kmsg' ? Number(v) : Math.round(Number(v) * 1e6));
  const max = Math.max(...[...text.matchAll(re)].map((m) => toUs(m[2]!)));
  const shift = max - (monotonicNowUs() - 1_000_000);
  return text.replace(re, (_m, a: string, v: string, b: string) => {
    const us = Math.max(1, toUs(v) - shift);
    return `${a}${kind === 'kmsg' ? String(us) : (us / 1e6).toFixed(6).padStart(12)}${b}`;
  });
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'oomtop-follow-'));
  dirs.push(d);
  return d;
}


/** kmsg records for a 6.x memcg kill at the given monotonic time. */
function killRecords(seq: number, usec: number, pid: number, comm: string): string {
  return [
    `4,${seq},${usec},-;${comm} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`,
    `6,${seq + 1},${usec + 5},-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/t,task_memcg=/t,task=${comm},pid=${pid},uid=0`,
    `3,${seq + 2},${usec + 9},-;Memory cgroup out of memory: Killed process ${pid} (${comm}) total-vm:35476kB, anon-rss:32512kB, file-rss:1384kB, shmem-rss:0kB, UID:0 pgtables:108kB oom_score_adj:0`,
    ` SUBSYSTEM=memory`,
    '',
  ].join('\n');
}

describe('startKernelFollower on a kmsg-like source', () => {
  it('reports kills already in the buffer as past, then new ones live within well under a second', async () => {
    const dir = tmp();
    const kmsg = join(dir, 'kmsg');
    writeFileSync(kmsg, inThePast(readFileSync(join(FIXTURES, 'local-6.18-memcg-v1-multi.kmsg.log'), 'utf8'), 'kmsg'));
    const events: FollowedEvent[] = [];
    const statuses: FollowerStatus[] = [];
    followers.push(
      startKernelFollower({ devKmsg: kmsg, onEvent: (e) => events.push(e), onStatus: (s) => statuses.push(s), pollMs: 50 }),
    );
    await waitFor(() => (events.length >= 3 ? true : undefined));
    expect(events.map((e) => [e.victim?.pid, e.past])).toEqual([
      [4787, true],
      [4788, true],
      [4789, true],
    ]);
    expect(statuses[0]).toEqual({ source: 'kmsg' });

    const usec = monotonicNowUs() + 1000;
    const t0 = Date.now();
    appendFileSync(kmsg, killRecords(900, usec, 4242, 'escaped\\x20hog'));
    const live = await waitFor(() => events.find((e) => e.victim?.pid === 4242));
    expect(Date.now() - t0).toBeLessThan(800);
    expect(live.past).toBe(false);
    expect(live.victim?.comm).toBe('escaped hog');
    expect(live.constraint).toBe('MEMCG');
    expect(live.time).not.toBeNull();
    expect(Math.abs(Date.parse(live.time!) - Date.now())).toBeLessThan(5000);
  });

  it('skips past kills when readHistory is false', async () => {
    const dir = tmp();
    const kmsg = join(dir, 'kmsg');
    writeFileSync(kmsg, inThePast(readFileSync(join(FIXTURES, 'local-6.18-memcg-v1-multi.kmsg.log'), 'utf8'), 'kmsg'));
    const events: FollowedEvent[] = [];
    followers.push(startKernelFollower({ devKmsg: kmsg, readHistory: false, onEvent: (e) => events.push(e), onStatus: () => {}, pollMs: 50 }));
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(kmsg, killRecords(900, monotonicNowUs() + 1000, 4243, 'hog'));
    await waitFor(() => events.find((e) => e.victim?.pid === 4243));
    expect(events.map((e) => e.victim?.pid)).toEqual([4243]);
  });

  it('tells about the reaper after the kill was reported', async () => {
    const dir = tmp();
    const kmsg = join(dir, 'kmsg');
    writeFileSync(kmsg, '');
    const events: FollowedEvent[] = [];
    const updates: FollowedEvent[] = [];
    followers.push(
      startKernelFollower({ devKmsg: kmsg, onEvent: (e) => events.push(e), onUpdate: (e) => updates.push(e), onStatus: () => {}, pollMs: 20 }),
    );
    const usec = monotonicNowUs() + 1000;
    appendFileSync(kmsg, killRecords(1, usec, 77, 'hog'));
    await waitFor(() => events[0]);
    expect(events[0]!.reaped).toBeNull();
    appendFileSync(kmsg, `6,4,${usec + 100},-;oom_reaper: reaped process 77 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n`);
    const u = await waitFor(() => updates[0]);
    expect(u.victim?.pid).toBe(77);
    expect(u.reaped).toBe(true);
  });
});

describe('startKernelFollower fallbacks', () => {
  it('falls back to dmesg when /dev/kmsg cannot be opened, and stop() ends the child', async () => {
    const events: FollowedEvent[] = [];
    const statuses: FollowerStatus[] = [];
    const fixture = join(tmp(), 'dmesg.log');
    writeFileSync(fixture, inThePast(readFileSync(join(FIXTURES, 'local-6.18-memcg-v1-multi.dmesg.log'), 'utf8'), 'dmesg'));
    const f = startKernelFollower({
      devKmsg: join(tmp(), 'missing-kmsg'),
      onEvent: (e) => events.push(e),
      onStatus: (s) => statuses.push(s),
      commands: { dmesgFollow: ['sh', '-c', `cat '${fixture}'; exec sleep 60`], dmesgProbe: null, journalctlFollow: null },
    });
    followers.push(f);
    await waitFor(() => (events.length === 3 ? true : undefined));
    expect(statuses[0]?.source).toBe('dmesg');
    expect(events.every((e) => e.past)).toBe(true);
    f.stop();
  });

  it('says plainly that kernel messages are unreadable and how to fix it', async () => {
    const statuses: FollowerStatus[] = [];
    followers.push(
      startKernelFollower({
        devKmsg: join(tmp(), 'missing-kmsg'),
        onEvent: () => {},
        onStatus: (s) => statuses.push(s),
        commands: {
          dmesgFollow: ['sh', '-c', 'echo "dmesg: read kernel buffer failed: Operation not permitted" >&2; exit 1'],
          dmesgProbe: null,
          // What journalctl really does without journal files: exit 0, and --follow waits forever.
          journalctlProbe: ['sh', '-c', 'echo "No journal files were found." >&2; echo "-- No entries --"'],
          journalctlFollow: ['sh', '-c', 'echo "No journal files were found." >&2; exec sleep 60'],
        },
      }),
    );
    const s = await waitFor(() => statuses.find((x) => x.source === 'none'));
    expect(statuses.map((x) => x.source)).toEqual(['none']);
    expect(s.message).toMatch(/not readable/);
    expect(s.message).toMatch(/Operation not permitted/);
    expect(s.message).toMatch(/No journal files were found/);
    expect(s.message).toMatch(/ENOENT/);
    expect(s.message).toMatch(/root|dmesg_restrict|systemd-journal/);
  });

  it('names a command as the source only once its probe shows kernel messages', async () => {
    const statuses: FollowerStatus[] = [];
    followers.push(
      startKernelFollower({
        devKmsg: join(tmp(), 'missing-kmsg'),
        onEvent: () => {},
        onStatus: (s) => statuses.push(s),
        commands: {
          // dmesg runs but says nothing (a probe with no message): not a source.
          dmesgProbe: ['sh', '-c', 'exit 0'],
          dmesgFollow: ['sh', '-c', 'exec sleep 60'],
          journalctlProbe: ['sh', '-c', 'echo "2026-12-01T20:00:00.000000+0000 host kernel: Linux version 6.18"'],
          journalctlFollow: ['sh', '-c', 'exec sleep 60'],
        },
      }),
    );
    const s = await waitFor(() => statuses[0]);
    expect(s).toEqual({ source: 'journalctl' });
  });
});
