/**
 * The sampler holds the memory cgroup files it reads every tick open (ProcFiles.text), on a
 * real v1 cgroup this test makes: a new limit is seen through the same descriptor, a
 * removed cgroup's descriptors are closed by the tick that finds it gone (v1 keeps a
 * removed memcg alive while its files are open), and a cgroup made again under the same
 * path is read afresh. Only the sleepers this test starts go into its cgroup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memcgResolver } from '../../src/cgroup/resolve.js';
import { Exporter } from '../../src/exporter/exporter.js';
import { Sampler } from '../../src/sampler/sampler.js';
import type { Snapshot } from '../../src/sampler/types.js';
import { canMakeMemcg, memcgSkipReason, V1_MEMORY } from '../helpers/memcg.js';
import { sleep, until } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const name = `oomtop-held-${randomBytes(4).toString('hex')}`;
const path = `/${name}`;
const dir = join(V1_MEMORY, name);
const sleepers: ChildProcess[] = [];

function kill(c: ChildProcess): void {
  if (c.pid && c.exitCode === null && c.signalCode === null) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Kill this test's sleepers still in `d`, then remove it (retrying while tasks drain). */
async function removeWithSleepers(d: string): Promise<void> {
  let inside: number[];
  try {
    inside = procsOf(d);
  } catch {
    return; // gone already
  }
  for (const c of sleepers) if (c.pid !== undefined && inside.includes(c.pid)) kill(c);
  for (let i = 0; i < 100; i++) {
    try {
      rmdirSync(d);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      await sleep(100);
    }
  }
}

afterAll(async () => {
  for (const c of sleepers) kill(c);
  for (const suffix of ['', '-budget', '-exporter']) await removeWithSleepers(`${dir}${suffix}`);
});

const procsOf = (d: string) => readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);

/** A sleeper inside the cgroup (it joins before exec), once it is there and is `sleep`. */
async function sleeperIn(d: string): Promise<number> {
  const c = spawn('sh', ['-c', `echo $$ > '${d}/cgroup.procs' && exec sleep 300`], { stdio: 'ignore' });
  sleepers.push(c);
  const pid = c.pid!;
  await until(() => procsOf(d).includes(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 10_000, 'the sleeper in its cgroup');
  return pid;
}

async function stop(pid: number): Promise<void> {
  const c = sleepers.find((x) => x.pid === pid)!;
  const exit = new Promise((r) => c.once('exit', r));
  kill(c);
  await exit;
  await until(() => !procsOf(dir).includes(pid), 10_000, 'the sleeper out of its cgroup');
}

async function removeDir(): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if (i > 100) throw e;
      await sleep(50); // tasks draining
    }
  }
}

/** This process's descriptors on files of the test cgroup: fd number → inode of the open file. */
function fdsIntoDir(): Map<number, number> {
  const out = new Map<number, number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory listing's own descriptor, closed by now
    }
    if (target.startsWith(`${dir}/`)) out.set(Number(fd), statSync(`/proc/self/fd/${fd}`).ino);
  }
  return out;
}

const cgroupOf = (snap: Snapshot) => snap.cgroups.find((c) => c.memory.path === path)?.memory;

describe.skipIf(!canMakeMemcg)('Sampler: held memory cgroup files (real v1 cgroup)', () => {
  if (memcgSkipReason) console.log(`held cgroup file tests skipped: ${memcgSkipReason}`);

  it('a new limit through the same descriptor; closed the tick the cgroup is gone; a re-made cgroup read afresh', async () => {
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(64 * MiB));
    const first = await sleeperIn(dir);
    const { hierarchy, memoryCgroupOf } = memcgResolver('/proc', null);
    expect(hierarchy?.version).toBe(1);
    const s = new Sampler({ procRoot: '/proc', hierarchy, memoryCgroupOf });
    const limitFile = join(dir, 'memory.limit_in_bytes');
    try {
      expect(cgroupOf(s.sample())?.limitKiB).toBe(64 * 1024);
      expect(s.holdsFile(limitFile)).toBe(true);
      expect(s.holdsFile(join(dir, 'memory.stat'))).toBe(true);
      const held = fdsIntoDir();
      // usage, limit, stat, memsw (two, with swap accounting), oom_control, failcnt, swappiness
      expect(held.size).toBeGreaterThanOrEqual(6);
      const limitFd = [...held].find(([fd]) => readlinkSync(`/proc/self/fd/${fd}`) === limitFile)![0];

      writeFileSync(limitFile, String(32 * MiB));
      expect(cgroupOf(s.sample())?.limitKiB).toBe(32 * 1024);
      // The same descriptors, re-read: none opened or closed.
      expect(fdsIntoDir()).toEqual(held);
      expect(readlinkSync(`/proc/self/fd/${limitFd}`)).toBe(limitFile);

      await stop(first);
      await removeDir();
      const gone = s.sample();
      expect(cgroupOf(gone)).toBeUndefined();
      expect(s.holdsFile(limitFile)).toBe(false);
      expect(fdsIntoDir().size).toBe(0);

      mkdirSync(dir);
      writeFileSync(limitFile, String(16 * MiB));
      const second = await sleeperIn(dir);
      expect(cgroupOf(s.sample())?.limitKiB).toBe(16 * 1024);
      expect(s.holdsFile(limitFile)).toBe(true);

      // Removed and made again between two ticks, its descriptors still held: they read
      // ENODEV, and the sampler opens the new cgroup's files. (The sleeper steps out to the
      // root meanwhile and back in; the sampler keeps its cgroup path.)
      const before = fdsIntoDir();
      writeFileSync(join(V1_MEMORY, 'cgroup.procs'), String(second));
      await removeDir();
      mkdirSync(dir);
      writeFileSync(limitFile, String(8 * MiB));
      writeFileSync(join(dir, 'cgroup.procs'), String(second));
      expect(cgroupOf(s.sample())?.limitKiB).toBe(8 * 1024);
      const after = fdsIntoDir();
      expect(after.size).toBe(before.size);
      const inode = statSync(limitFile).ino;
      expect([...after.values()]).toContain(inode);
      expect([...before.values()]).not.toContain(inode);
    } finally {
      s.close();
    }
    expect(fdsIntoDir().size).toBe(0);
  });

  it('past the descriptor budget the cgroup files are opened each tick, with the same figures', async () => {
    const d = join(V1_MEMORY, `${name}-budget`);
    mkdirSync(d);
    try {
      writeFileSync(join(d, 'memory.limit_in_bytes'), String(48 * MiB));
      writeFileSync(join(d, 'memory.swappiness'), '17');
      await sleeperIn(d);
      const { hierarchy, memoryCgroupOf } = memcgResolver('/proc', null);
      const held = new Sampler({ procRoot: '/proc', hierarchy, memoryCgroupOf });
      const none = new Sampler({ procRoot: '/proc', hierarchy, memoryCgroupOf, maxFds: 0 });
      try {
        const stable = (snap: Snapshot) => {
          const m = snap.cgroups.find((c) => c.memory.path === `${path}-budget`)!.memory;
          const { limitKiB, effectiveLimitKiB, swapLimitKiB, swappiness, oomKillDisabled, underOom, oomKills, maxEvents, effectiveMemswLimitKiB } = m;
          return { limitKiB, effectiveLimitKiB, swapLimitKiB, swappiness, oomKillDisabled, underOom, oomKills, maxEvents, effectiveMemswLimitKiB };
        };
        for (let i = 0; i < 2; i++) {
          const a = stable(held.sample());
          const b = stable(none.sample());
          expect(a).toEqual(b);
          expect(a.limitKiB).toBe(48 * 1024);
          expect(a.swappiness).toBe(17);
        }
        expect(held.holdsFile(join(d, 'memory.limit_in_bytes'))).toBe(true);
        expect(none.holdsFile(join(d, 'memory.limit_in_bytes'))).toBe(false);
        expect(none.heldFiles).toBe(0);
      } finally {
        held.close();
        none.close();
      }
    } finally {
      await removeWithSleepers(d);
    }
  });

  it('the exporter, which samples only when scraped, opens the cgroup files per scrape and holds none', async () => {
    const d = join(V1_MEMORY, `${name}-exporter`);
    mkdirSync(d);
    try {
      writeFileSync(join(d, 'memory.limit_in_bytes'), String(40 * MiB));
      await sleeperIn(d);
      const exporter = new Exporter({ procRoot: '/proc', cgroupRoot: null, top: 5, maxCgroups: 10_000, intervalMs: 0, kernelLog: false, containerNames: false });
      try {
        const text = await exporter.scrape();
        expect(text).toContain(`cgroup="${path}-exporter"`);
        const into = readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${d}/`);
          } catch {
            return false;
          }
        });
        expect(into).toEqual([]);
      } finally {
        exporter.stop();
      }
    } finally {
      await removeWithSleepers(d);
    }
  });
});
