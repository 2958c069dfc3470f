import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sampler } from '../../src/sampler/sampler.js';
import { exited, killStarted, startHog, startTimeOf } from '../helpers/children.js';
import { until } from '../helpers/wait.js';

afterAll(killStarted);

describe('Sampler on the real /proc', () => {
  it('sees a child the test started with its RSS, adj and start time', async () => {
    const hog = await startHog(64);
    writeFileSync(`/proc/${hog.pid}/oom_score_adj`, '700');
    const snap = new Sampler({ procRoot: '/proc' }).sample({ detailPids: new Set([hog.pid!]) });
    const p = snap.processes.find((x) => x.pid === hog.pid)!;
    expect(p).toBeDefined();
    expect(p.oomScoreAdj).toBe(700);
    expect(p.startTimeTicks).toBe(startTimeOf(hog.pid!));
    expect(p.rssKiB).toBeGreaterThan(64 * 1024);
    expect(p.anonKiB).toBeGreaterThan(60 * 1024);
    expect(p.oomScore).toBe(Number(readFileSync(`/proc/${hog.pid}/oom_score`, 'utf8')));
    // adj 700 on top of its memory: it is the one the kernel would take.
    expect(snap.nextVictimPid).toBe(hog.pid);
  });

  it('holds statm and oom_score open, follows the score as it changes, and lets go when the process exits', async () => {
    const hog = await startHog(32);
    const s = new Sampler({ procRoot: '/proc' });
    try {
      const first = s.sample();
      const count = first.processes.length;
      // Samples are reused in place from tick to tick: keep the figure, not the object.
      const before = first.processes.find((x) => x.pid === hog.pid)!.oomScore;
      // Two held files per user-space process seen (statm, oom_score).
      expect(s.heldFiles).toBeGreaterThanOrEqual(2 * count - 4);
      writeFileSync(`/proc/${hog.pid}/oom_score_adj`, '500');
      const after = s.sample().processes.find((x) => x.pid === hog.pid)!;
      // Read through the held descriptor: the kernel's value now, not the one at open.
      expect(after.oomScore).toBe(Number(readFileSync(`/proc/${hog.pid}/oom_score`, 'utf8')));
      expect(after.oomScore).toBeGreaterThan(before);
      expect(s.holdsFilesOf(hog.pid!)).toBe(true);
      const exit = exited(hog);
      hog.kill('SIGKILL');
      await exit;
      await until(() => !existsSync(`/proc/${hog.pid}`), 5000, 'the hog reaped');
      const gone = s.sample();
      expect(gone.processes.some((x) => x.pid === hog.pid)).toBe(false);
      s.sample(); // the tick after: descriptors nobody read are closed
      // (Its own, not the total: other processes come and go on a busy box meanwhile.)
      expect(s.holdsFilesOf(hog.pid!)).toBe(false);
    } finally {
      s.close();
    }
    expect(s.heldFiles).toBe(0);
  });

  it('falls back to open/read/close past its descriptor budget, with the same figures', () => {
    const s = new Sampler({ procRoot: '/proc', pageKiB: 4 });
    const limited = new Sampler({ procRoot: '/proc', holdFiles: false });
    const a = s.sample();
    const b = limited.sample();
    expect(limited.heldFiles).toBe(0);
    const self = (snap: typeof a) => snap.processes.find((p) => p.pid === process.pid)!;
    expect(self(b).oomScore).toBeGreaterThan(0);
    expect(Math.abs(self(a).oomScore - self(b).oomScore)).toBeLessThanOrEqual(2);
    s.close();
  });

  it('follows RSS between detail reads through the held statm', () => {
    const s = new Sampler({ procRoot: '/proc', refreshEvery: 1000 });
    try {
      s.sample({ full: true });
      s.sample();
      const self = () => s.sample().processes.find((p) => p.pid === process.pid)!;
      const before = self().rssKiB;
      const block = Buffer.alloc(64 * 1024 * 1024, 1); // touched: resident
      const after = self().rssKiB;
      expect(block.length).toBeGreaterThan(0);
      expect(after - before).toBeGreaterThan(48 * 1024);
      expect(after).toBeLessThanOrEqual(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) + 4096);
    } finally {
      s.close();
    }
  });

  it("sees another tool's oom_score_adj change on the next tick, without a detail read", async () => {
    const child = await startHog(8);
    const s = new Sampler({ procRoot: '/proc', refreshEvery: 1000 });
    try {
      s.sample({ full: true });
      expect(s.sample().processes.find((p) => p.pid === child.pid)?.oomScoreAdj).toBe(0);
      writeFileSync(`/proc/${child.pid}/oom_score_adj`, '600');
      const p = s.sample().processes.find((x) => x.pid === child.pid)!;
      expect(p.oomScoreAdj).toBe(600);
      expect(p.oomScore).toBe(Number(readFileSync(`/proc/${child.pid}/oom_score`, 'utf8')));
    } finally {
      s.close();
    }
  });

  it('a filter in force reads the command line of every process the light first tick left unread', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'oomtop-x-')), 'some/very/long/directory/path');
    mkdirSync(dir, { recursive: true });
    copyFileSync('/bin/sleep', join(dir, 'mydaemon'));
    const child = spawn(join(dir, 'mydaemon'), ['3000'], { stdio: 'ignore' });
    try {
      await until(() => existsSync(`/proc/${child.pid}/cmdline`) && readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes('mydaemon'), 5000, 'the daemon');
      // A round robin this long never comes within the test's three ticks (at the default 30 it
      // comes for one PID in 30 on any given tick, and this test would pass or fail by the PID).
      const s = new Sampler({ procRoot: '/proc', refreshEvery: 1_000_000 });
      const light = s.sample();
      expect(light.processes.find((p) => p.pid === child.pid)?.cmdline).toBe('');
      // No filter: still unread on the next tick (the round robin would come later).
      expect(s.sample().processes.find((p) => p.pid === child.pid)?.cmdline).toBe('');
      const filtered = s.sample({ names: true }).processes.find((p) => p.pid === child.pid);
      expect(filtered?.cmdline).toBe(`${join(dir, 'mydaemon')} 3000`);
      expect(filtered?.user).toBe('root');
      s.close();
    } finally {
      child.kill('SIGKILL');
      rmSync(dir.split('/some/')[0]!, { recursive: true, force: true });
    }
  });
});
