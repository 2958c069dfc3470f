import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { badnessPages, cgroupNextVictim, oomTotalKiB, rankVictims, type VictimCandidate } from '../../src/cgroup/victim.js';

const MiB = 1024;
const p = (pid: number, rssMiB: number, adj = 0, extra: Partial<VictimCandidate> = {}): VictimCandidate => ({
  pid,
  rssKiB: rssMiB * MiB,
  swapKiB: 0,
  pgtablesKiB: 0,
  oomScoreAdj: adj,
  killable: true,
  ...extra,
});

describe('badnessPages (oom_badness, 5.9+)', () => {
  it('rss + swap + page tables in pages, plus adj × (totalpages / 1000) with integer division first', () => {
    const q = { pid: 5, rssKiB: 4000, swapKiB: 400, pgtablesKiB: 41, oomScoreAdj: 100, killable: true };
    // 1000 + 100 + 10 pages; totalpages 76799 → 76 per adj point.
    expect(badnessPages(q, 76799)).toBe(1110 + 100 * 76);
    expect(badnessPages({ ...q, oomScoreAdj: -100 }, 76799)).toBe(1110 - 7600);
  });

  it('adj -1000 and unkillable tasks are never chosen', () => {
    expect(badnessPages(p(1, 100, -1000), 1000)).toBeNull();
    expect(badnessPages(p(2, 100, 0, { killable: false }), 1000)).toBeNull();
  });

  it('an unreadable adj counts as 0', () => {
    expect(badnessPages(p(3, 4, 0, { oomScoreAdj: null }), 100000)).toBe(1024);
  });
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
    expect(cgroupNextVictim([p(1, 500, -1000), p(2, 10, 0, { killable: false })], 1024 * MiB)).toBeNull();
    expect(cgroupNextVictim([], 1024 * MiB)).toBeNull();
  });

  it('ties go to the newest process, then the higher pid', () => {
    expect(cgroupNextVictim([p(7, 50, 0, { startTimeTicks: 900 }), p(8, 50, 0, { startTimeTicks: 100 })], 1024)).toBe(7);
    expect(cgroupNextVictim([p(7, 50), p(8, 50)], 1024)).toBe(8);
  });

  it('negative adj can make a big process a worse pick than a small one', () => {
    const ranked = rankVictims([p(1, 200, -800), p(2, 20)], 300 * MiB);
    expect(ranked.map((r) => r.pid)).toEqual([2, 1]);
    expect(ranked[1]!.points).toBe(200 * 256 - 800 * 76);
  });

  it('property: the victim has the maximum badness among killable candidates', () => {
    const cand = fc.record({
      pid: fc.integer({ min: 2, max: 1 << 22 }),
      rssKiB: fc.nat({ max: 1 << 22 }),
      swapKiB: fc.nat({ max: 1 << 20 }),
      pgtablesKiB: fc.nat({ max: 1 << 12 }),
      oomScoreAdj: fc.integer({ min: -1000, max: 1000 }),
      killable: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(cand, { maxLength: 30 }), fc.integer({ min: 1, max: 1 << 26 }), (procs, totalKiB) => {
        const v = cgroupNextVictim(procs, totalKiB);
        const scores = procs
          .map((q) => badnessPages(q, Math.floor(totalKiB / 4)))
          .filter((s): s is number => s !== null);
        if (scores.length === 0) return v === null;
        const best = Math.max(...scores);
        return procs.some((q) => q.pid === v && badnessPages(q, Math.floor(totalKiB / 4)) === best);
      }),
    );
  });
});

describe('oomTotalKiB (mem_cgroup_get_max)', () => {
  it('no swap on the machine: the memory limit', () => {
    expect(oomTotalKiB({ version: 1, limitKiB: 300 * MiB, swapLimitKiB: null, swappiness: 60, swapTotalKiB: 0 })).toBe(300 * MiB);
    expect(oomTotalKiB({ version: 2, limitKiB: 300 * MiB, swapLimitKiB: null, swappiness: 60, swapTotalKiB: 0 })).toBe(300 * MiB);
  });

  it('swap allowance capped by the swap that exists', () => {
    expect(oomTotalKiB({ version: 2, limitKiB: 100, swapLimitKiB: 50, swappiness: 60, swapTotalKiB: 1000 })).toBe(150);
    expect(oomTotalKiB({ version: 2, limitKiB: 100, swapLimitKiB: null, swappiness: 60, swapTotalKiB: 1000 })).toBe(1100);
    expect(oomTotalKiB({ version: 1, limitKiB: 100, swapLimitKiB: 5000, swappiness: 60, swapTotalKiB: 1000 })).toBe(1100);
  });

  it('swappiness 0: swap does not count', () => {
    expect(oomTotalKiB({ version: 1, limitKiB: 100, swapLimitKiB: null, swappiness: 0, swapTotalKiB: 1000 })).toBe(100);
  });
});
