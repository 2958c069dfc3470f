import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Sampler } from '../../src/sampler/sampler.js';
import { killStarted, startHog, startTimeOf } from '../helpers/children.js';

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

  it("estimates match the kernel's oom_score for processes not read exactly", async () => {
    const s = new Sampler({ procRoot: '/proc', exactTop: 0 });
    // A full first read (status for every process): afterwards only the round robin and
    // the rows asked for are read exactly, the rest is estimated.
    s.sample({ full: true });
    const snap = s.sample();
    const estimated = snap.processes.filter((p) => !p.oomScoreExact);
    let compared = 0;
    for (const p of estimated) {
      let real: number;
      try {
        real = Number(readFileSync(`/proc/${p.pid}/oom_score`, 'utf8'));
      } catch {
        continue; // exited meanwhile
      }
      // RSS moves between the two reads for busy processes: a point or two is noise.
      expect(Math.abs(real - p.oomScore)).toBeLessThanOrEqual(2);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });
});
