import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cgroupNextVictim, rankVictims, type VictimCandidate } from '../../src/cgroup/victim.js';
import { oomBadness, oomRules } from '../../src/kernel/oom.js';
import { parseKernelRelease } from '../../src/proc/system.js';

const MiB = 1024;
const p = (pid: number, rssMiB: number, adj = 0, extra: Partial<VictimCandidate> = {}): VictimCandidate => ({
  pid,
  rssKiB: rssMiB * MiB,
  swapKiB: 0,
  pgtablesKiB: 0,
  oomScoreAdj: adj,
  ...extra,
});

describe('cgroupNextVictim', () => {
  it('the issue example: inside a 300 MiB cgroup the 100 MiB neighbour with adj 0 beats a 10 MiB process with adj 100', () => {
    const small = p(10, 10, 100);
    const big = p(11, 100, 0);
    // 300 MiB cgroup: adj 100 is worth 100 × (76800/1000) = 7600 pages ≈ 29.7 MiB; 10 + 29.7 < 100.
    expect(cgroupNextVictim([small, big], 300 * MiB)).toBe(11);
    // Against 24 GiB of RAM the same adj is worth 2.4 GiB: the small one is the system-wide victim.
    expect(cgroupNextVictim([small, big], 24 * 1024 * MiB)).toBe(10);
  });

  it('skips adj -1000 and unkillable processes; null when nothing is left', () => {
    expect(cgroupNextVictim([p(1, 500, -1000), p(2, 10)], 1024 * MiB)).toBe(2);
    expect(cgroupNextVictim([p(1, 500, -1000), p(2, 10, 0, { kernelThread: true })], 1024 * MiB)).toBeNull();
    expect(cgroupNextVictim([], 1024 * MiB)).toBeNull();
  });

  it('ties go to the newest process, then the higher pid; before 5.3 to the oldest', () => {
    expect(cgroupNextVictim([p(7, 50, 0, { startTimeTicks: 900 }), p(8, 50, 0, { startTimeTicks: 100 })], 1024)).toBe(7);
    expect(cgroupNextVictim([p(7, 50), p(8, 50)], 1024)).toBe(8);
    const old = oomRules(parseKernelRelease('4.19.0'));
    expect(cgroupNextVictim([p(7, 50, 0, { startTimeTicks: 900 }), p(8, 50, 0, { startTimeTicks: 100 })], 1024, 4, old)).toBe(8);
  });

  it('counts in pages of the machine: 64 KiB pages change the rounding', () => {
    // 100 KiB is 25 pages of 4 KiB but one page of 64 KiB; 70 KiB is 17 and one.
    const a = p(5, 0, 0, { rssKiB: 100, startTimeTicks: 1 });
    const b = p(6, 0, 0, { rssKiB: 70, startTimeTicks: 2 });
    expect(cgroupNextVictim([a, b], 1 << 20, 4)).toBe(5);
    expect(cgroupNextVictim([a, b], 1 << 20, 64)).toBe(6); // equal points: the newer
  });

  it('negative adj can make a big process a worse pick than a small one', () => {
    const ranked = rankVictims([p(3, 200, -800), p(2, 20)], 300 * MiB);
    expect(ranked.map((r) => r.pid)).toEqual([2, 3]);
    expect(ranked[1]!.points).toBe(200 * 256 - 800 * 76);
  });

  it('property: the victim has the maximum badness among killable candidates', () => {
    const cand = fc.record({
      pid: fc.integer({ min: 2, max: 1 << 22 }),
      rssKiB: fc.nat({ max: 1 << 22 }),
      swapKiB: fc.nat({ max: 1 << 20 }),
      pgtablesKiB: fc.nat({ max: 1 << 12 }),
      oomScoreAdj: fc.integer({ min: -1000, max: 1000 }),
      kernelThread: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(cand, { maxLength: 30 }), fc.integer({ min: 1, max: 1 << 26 }), (procs, totalKiB) => {
        const v = cgroupNextVictim(procs, totalKiB);
        const scores = procs
          .map((q) => oomBadness(q, Math.max(1, Math.floor(totalKiB / 4))))
          .filter((s): s is number => s !== null);
        if (scores.length === 0) return v === null;
        const best = Math.max(...scores);
        return procs.some((q) => q.pid === v && oomBadness(q, Math.max(1, Math.floor(totalKiB / 4))) === best);
      }),
    );
  });
});
