/**
 * Real end to end: a hog is OOM-killed inside a small cgroup v1 memory group that this
 * test creates, and the live follower reports it. Root only; system-wide memory is
 * never touched (the limit is 32 MiB and only the hog is in the group).
 */
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
