/**
 * Real end to end: a hog is OOM-killed inside a small cgroup v1 memory group that this
 * test creates, and the live follower reports it. Root only; system-wide memory is
 * never touched (the limit is 32 MiB and only the hog is in the group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKernelFollower, type FollowedEvent, type FollowerStatus, type KernelFollower } from '../../src/kernel/follow.js';
import { readKernelLog } from '../../src/kernel/history.js';
import { OomLogParser } from '../../src/kernel/parser.js';

const MEMCG_ROOT = '/sys/fs/cgroup/memory';

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    accessSync(MEMCG_ROOT, constants.W_OK);
  } catch {
    return `${MEMCG_ROOT} is not writable (no cgroup v1 memory controller?)`;
  }
  if (!existsSync(join(MEMCG_ROOT, 'memory.limit_in_bytes'))) return `${MEMCG_ROOT} is not a cgroup v1 memory hierarchy`;
  return null;
}

const reason = skipReason();
if (reason) console.log(`[oomtop] skipping the real OOM end-to-end test: ${reason}`);

let cgroup: string | null = null;
let child: ChildProcess | null = null;
let follower: KernelFollower | null = null;

afterEach(async () => {
  follower?.stop();
  follower = null;
  if (child && child.exitCode === null && child.signalCode === null && child.pid) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  child = null;
  if (cgroup) {
    for (let i = 0; i < 50 && existsSync(cgroup); i++) {
      try {
        rmdirSync(cgroup);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    cgroup = null;
  }
});

function waitFor<T>(get: () => T | undefined, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const iv = setInterval(() => {
      const v = get();
      if (v !== undefined) {
        clearInterval(iv);
        resolve(v);
      } else if (Date.now() - t0 > ms) {
        clearInterval(iv);
        reject(new Error('timed out'));
      }
    }, 20);
  });
}

describe.skipIf(reason !== null)('real OOM kill in a test memory cgroup', () => {
  it('the live follower reports the hog with its pid, comm and MEMCG constraint', async () => {
    const name = `oomtop-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    cgroup = join(MEMCG_ROOT, name);
    mkdirSync(cgroup);
    writeFileSync(join(cgroup, 'memory.limit_in_bytes'), String(32 * 1024 * 1024));

    const events: FollowedEvent[] = [];
    const statuses: FollowerStatus[] = [];
    follower = startKernelFollower({ readHistory: false, onEvent: (e) => events.push(e), onStatus: (s) => statuses.push(s) });
    await waitFor(() => statuses.find((s) => s.source === 'kmsg'), 5000);

    // exec keeps the pid: the shell moves itself into the group, then becomes the hog.
    child = spawn('sh', ['-c', `echo $$ > '${join(cgroup, 'cgroup.procs')}' && exec tail /dev/zero`], { stdio: 'ignore' });
    const pid = child.pid!;
    const exited = new Promise<NodeJS.Signals | null>((r) => child!.on('exit', (_c, sig) => r(sig)));

    const ev = await waitFor(() => events.find((e) => e.victim?.pid === pid), 15_000);
    expect(await exited).toBe('SIGKILL');
    expect(ev.kind).toBe('kill');
    expect(ev.past).toBe(false);
    expect(ev.victim?.comm).toBe('tail');
    expect(ev.constraint).toBe('MEMCG');
    expect(ev.memcg?.oomMemcg).toBe(`/${name}`);
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
