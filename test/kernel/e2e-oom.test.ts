/**
 * Real end to end: a hog is OOM-killed inside a small cgroup v1 memory group that this
 * test creates, and the live follower reports it. Root only; system-wide memory is
 * never touched (the limit is 32 MiB and only the hog is in the group).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKernelFollower, type FollowedEvent, type FollowerStatus, type KernelFollower } from '../../src/kernel/follow.js';
import { readKernelLog } from '../../src/kernel/history.js';
import { OomLogParser } from '../../src/kernel/parser.js';
import { memcgSkipReason as reason, TestMemcg } from '../helpers/memcg.js';
import { waitFor } from '../helpers/wait.js';

if (reason) console.log(`[oomtop] skipping the real OOM end-to-end test: ${reason}`);

let cg: TestMemcg | null = null;
let follower: KernelFollower | null = null;

afterEach(async () => {
  follower?.stop();
  follower = null;
  await cg?.remove();
  cg = null;
});

describe.skipIf(reason !== null)('real OOM kill in a test memory cgroup', () => {
  it('the live follower reports the hog with its pid, comm and MEMCG constraint', async () => {
    cg = new TestMemcg(32);

    const events: FollowedEvent[] = [];
    const statuses: FollowerStatus[] = [];
    follower = startKernelFollower({ readHistory: false, onEvent: (e) => events.push(e), onStatus: (s) => statuses.push(s) });
    await waitFor(() => statuses.find((s) => s.source === 'kmsg'), 5000);

    // exec keeps the pid: the shell moves itself into the group, then becomes the hog.
    const child = cg.spawn('tail /dev/zero');
    const pid = child.pid!;
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));

    const ev = await waitFor(() => events.find((e) => e.victim?.pid === pid), 15_000);
    expect(await exited).toBe('SIGKILL');
    expect(ev.kind).toBe('kill');
    expect(ev.past).toBe(false);
    expect(ev.victim?.comm).toBe('tail');
    expect(ev.constraint).toBe('MEMCG');
    expect(ev.memcg?.oomMemcg).toBe(cg.path);
    expect(ev.memcg?.limitKiB).toBe(32 * 1024);
    expect(ev.trigger?.comm).toBe('tail');
    expect(ev.incomplete).toBe(false);
    expect(ev.tasks.some((t) => t.pid === pid)).toBe(true);
    expect(Math.abs(Date.parse(ev.time!) - Date.now())).toBeLessThan(30_000);

    // The same kill is in the buffer that `oomtop analyze` reads.
    const dump = await readKernelLog();
    expect(dump.source).toBe('kmsg');
    const parser = new OomLogParser();
    const found = dump.lines.flatMap((l) => parser.pushLogLine(l)).find((e) => e.victim?.pid === pid);
    expect(found?.constraint).toBe('MEMCG');
  });
});

/** The hog with a hostile name (test/helpers/namedhog.c), compiled here; null without gcc. */
function buildNamedHog(): string | null {
  const bin = join(mkdtempSync(join(tmpdir(), 'oomtop-namedhog-')), 'namedhog');
  try {
    execFileSync('gcc', ['-O1', '-o', bin, join(import.meta.dirname, '..', 'helpers', 'namedhog.c')], { stdio: 'ignore' });
    return bin;
  } catch {
    rmSync(dirname(bin), { recursive: true, force: true });
    return null;
  }
}

describe.skipIf(reason !== null)('real OOM kill of a hog with a hostile name', () => {
  it('"x) Z (y\\nsshd" is the victim and the trigger, live from /dev/kmsg and from dmesg (follow and dump)', async (t) => {
    const bin = buildNamedHog();
    if (!bin) return t.skip('gcc is not installed');
    cg = new TestMemcg(32);
    const name = 'x) Z (y\nsshd';

    const viaKmsg: FollowedEvent[] = [];
    const viaDmesg: FollowedEvent[] = [];
    const statuses: FollowerStatus[] = [];
    follower = startKernelFollower({ readHistory: false, onEvent: (e) => viaKmsg.push(e), onStatus: (s) => statuses.push(s) });
    // A second follower with no /dev/kmsg falls back to `dmesg --follow`.
    const dmesgFollower = startKernelFollower({
      devKmsg: '/nonexistent/kmsg',
      readHistory: false,
      onEvent: (e) => viaDmesg.push(e),
      onStatus: (s) => statuses.push({ ...s, message: `dmesg follower: ${s.message ?? ''}` }),
    });
    try {
      await waitFor(() => statuses.find((s) => s.source === 'kmsg'), 5000);
      await waitFor(() => statuses.find((s) => s.source === 'dmesg'), 5000);

      const child = spawn(bin, [join(cg.dir, 'cgroup.procs'), Buffer.from(name).toString('hex')], { stdio: ['ignore', 'pipe', 'ignore'] });
      const pid = child.pid!;
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
      expect(await exited).toBe('SIGKILL');

      for (const events of [viaKmsg, viaDmesg]) {
        const ev = await waitFor(() => events.find((e) => e.victim?.pid === pid), 15_000);
        expect(ev.kind).toBe('kill');
        expect(ev.victim).toMatchObject({ pid, comm: name, anonRssKiB: expect.any(Number) });
        expect(ev.trigger).toMatchObject({ pid, comm: name });
        expect(ev.incomplete).toBe(false);
        expect(ev.tasks.find((t) => t.pid === pid)?.name).toBe(name);
      }

      // `oomtop analyze` without a file: /dev/kmsg, and dmesg when /dev/kmsg is not there.
      for (const devKmsg of [undefined, '/nonexistent/kmsg']) {
        const dump = await readKernelLog({ devKmsg });
        expect(dump.source).toBe(devKmsg ? 'dmesg' : 'kmsg');
        const parser = new OomLogParser();
        const events = [...dump.lines.flatMap((l) => parser.pushLogLine(l)), ...parser.flush()];
        const found = events.find((e) => e.victim?.pid === pid);
        expect(found?.victim?.comm).toBe(name);
        expect(found?.trigger?.comm).toBe(name);
        expect(events.some((e) => e.victim?.comm === 'x' || e.trigger?.comm === 'sshd')).toBe(false);
      }
    } finally {
      dmesgFollower.stop();
      rmSync(dirname(bin), { recursive: true, force: true });
    }
  });
});
