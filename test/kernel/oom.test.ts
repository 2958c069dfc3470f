import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MODERN_RULES,
  compareVictims,
  memcgOomTotalKiB,
  oomBadness,
  oomKillable,
  oomRules,
  oomScoreFromPoints,
  parseProcessKey,
  permilleFromScore,
  processKey,
  scoreFromPermille,
  selectVictim,
  systemOomTotalPages,
  type BadnessInput,
} from '../../src/kernel/oom.js';
import { detectPageKiB } from '../../src/proc/pagesize.js';
import { parseStatus } from '../../src/proc/process.js';
import { parseKernelRelease, readMeminfo } from '../../src/proc/system.js';
import { killStarted, startHog } from '../helpers/children.js';

afterAll(killStarted);

const k = (r: string) => oomRules(parseKernelRelease(r));
const MiB = 1024;

describe('oomRules by kernel version', () => {
  it('picks the oom_score scale the kernel prints with', () => {
    expect(k('6.18.44').scale).toBe('v5.9');
    expect(k('5.9.0').scale).toBe('v5.9');
    expect(k('5.8.18').scale).toBe('permille');
    expect(k('3.10.0-1160.el7').scale).toBe('permille');
    expect(k('2.6.36').scale).toBe('permille');
    expect(k('2.6.32-754.el6').scale).toBe('legacy');
    expect(oomRules(null)).toEqual(MODERN_RULES);
  });
  it('knows each generation of oom_badness, its root bonus and its tie rule', () => {
    expect(k('6.1.0')).toMatchObject({ formula: 'long', rootBonus: 'none', ties: 'later' });
    expect(k('5.4.0')).toMatchObject({ formula: 'pages', rootBonus: 'none', ties: 'later' });
    expect(k('4.19.0')).toMatchObject({ formula: 'pages', rootBonus: 'none', ties: 'earlier' });
    expect(k('4.14.0')).toMatchObject({ formula: 'pages', rootBonus: 'points-3pct', ties: 'earlier' });
    expect(k('3.10.0')).toMatchObject({ formula: 'pages', rootBonus: 'adj-30', ties: 'earlier' });
    expect(k('3.2.0')).toMatchObject({ formula: 'permille', rootBonus: 'permille-30', scoreIsPoints: true });
    expect(k('2.6.32')).toMatchObject({ formula: 'legacy', scoreIsPoints: true });
  });
});

describe('oomBadness against hand-computed kernel values', () => {
  // 4000 KiB rss = 1000 pages, 400 KiB swap = 100, 41 KiB of page tables = 10 whole pages.
  const t: BadnessInput = { pid: 5, rssKiB: 4000, swapKiB: 400, pgtablesKiB: 41, oomScoreAdj: 100 };
  // 76799 pages (300 MiB − 4 KiB): adj is worth ⌊76799 / 1000⌋ = 76 pages a point.
  const total = 76799;

  it('5.9+: long points, adj scaled after the integer division, negative allowed', () => {
    expect(oomBadness(t, total)).toBe(1110 + 100 * 76);
    expect(oomBadness({ ...t, oomScoreAdj: -100 }, total)).toBe(1110 - 7600);
    expect(oomBadness({ ...t, oomScoreAdj: null }, total)).toBe(1110);
    expect(oomBadness({ ...t, oomScoreAdj: 1000 }, total)).toBe(1110 + 76000);
    expect(oomBadness({ ...t, oomScoreAdj: -999 }, total)).toBe(1110 - 999 * 76);
    // Below 1000 pages of total, adj is worth nothing at all.
    expect(oomBadness({ ...t, oomScoreAdj: 1000 }, 999)).toBe(1110);
  });

  it('never chosen: adj -1000, init, kernel threads, tasks without mm', () => {
    expect(oomBadness({ ...t, oomScoreAdj: -1000 }, total)).toBeNull();
    expect(oomBadness({ ...t, pid: 1 }, total)).toBeNull();
    expect(oomBadness({ ...t, kernelThread: true }, total)).toBeNull();
    expect(oomBadness({ ...t, zombie: true }, total)).toBeNull();
    expect(oomKillable({ pid: 2, oomScoreAdj: -999 })).toBe(true);
  });

  it('3.5 … 5.8: the same pages, at least 1; root bonus 3 % of points (3.14 … 4.16) or adj − 30 (3.5 … 3.13)', () => {
    expect(oomBadness(t, total, 4, k('5.4.0'))).toBe(8710);
    expect(oomBadness({ ...t, oomScoreAdj: -100 }, total, 4, k('5.4.0'))).toBe(1);
    expect(oomBadness({ ...t, capSysAdmin: true }, total, 4, k('5.4.0'))).toBe(8710); // no bonus since 4.17
    expect(oomBadness({ ...t, capSysAdmin: true }, total, 4, k('4.14.0'))).toBe(1110 - 33 + 7600); // ⌊3330 / 100⌋
    expect(oomBadness({ ...t, capSysAdmin: true }, total, 4, k('3.10.0'))).toBe(1110 + 70 * 76);
  });

  it('2.6.36 … 3.4: per mille of totalpages plus adj, clamped to 1 … 1000, root 30 ‰ off', () => {
    // ⌊1110 × 1000 / 76799⌋ = 14.
    expect(oomBadness(t, total, 4, k('3.2.0'))).toBe(114);
    expect(oomBadness({ ...t, capSysAdmin: true }, total, 4, k('3.2.0'))).toBe(84);
    expect(oomBadness({ ...t, oomScoreAdj: -100 }, total, 4, k('3.2.0'))).toBe(1);
    expect(oomBadness({ ...t, rssKiB: total * 4, oomScoreAdj: 500 }, total, 4, k('3.2.0'))).toBe(1000);
  });

  it('counts pages of the machine: 64 KiB pages', () => {
    // 4000 / 64 = 62, 400 / 64 = 6, 41 / 64 = 0; 76799 pages → 76 a point.
    expect(oomBadness(t, total, 64)).toBe(68 + 7600);
  });
});

describe('oom_score from points', () => {
  it('5.9+: (1000 + points × 1000 / totalpages) × 2 / 3, truncating toward zero as C does', () => {
    expect(oomScoreFromPoints(8710, 76799)).toBe(742); // ⌊8710000 / 76799⌋ = 113 → 1113 × 2 / 3
    expect(oomScoreFromPoints(0, 76799)).toBe(666);
    expect(oomScoreFromPoints(null, 76799)).toBe(0);
    // −6413000 / 76799 = −83.5: C gives −83 (917 × 2 / 3 = 611), flooring would give 610.
    expect(oomScoreFromPoints(-6413, 76799)).toBe(611);
    // adj +1000 alone is worth 989 ‰ here (76000 / 76799 pages); with the memory, 1004 → 1336.
    expect(oomScoreFromPoints(1110 + 76000, 76799)).toBe(1336);
  });
  it('3.5 … 5.8: points × 1000 / totalpages; older: the points themselves', () => {
    expect(oomScoreFromPoints(8710, 76799, k('5.4.0'))).toBe(113);
    expect(oomScoreFromPoints(114, 76799, k('3.2.0'))).toBe(114);
  });
  it('is never out of the order of the points (a monotone rounding)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 30), max: 2 ** 31 }), fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: 1, max: 1 << 30 }), (a, d, tp) => {
        return oomScoreFromPoints(a, tp) <= oomScoreFromPoints(a + d, tp);
      }),
    );
  });
});

describe('badness share from oom_score', () => {
  it('reads 5.9+ scores: idle 666 is 0, adj +1000 reaches 1333, adj -1000 is exempt', () => {
    expect(permilleFromScore(666, 0, 'v5.9')).toBe(0);
    expect(permilleFromScore(1333, 1000, 'v5.9')).toBe(1000);
    // (1000 + 500) × 2/3 and (1000 + 501) × 2/3 both truncate to 1000.
    expect([500, 501]).toContain(permilleFromScore(1000, 0, 'v5.9'));
    expect(permilleFromScore(0, -1000, 'v5.9')).toBeNull();
  });
  it('round-trips every per-mille value through the kernel formula', () => {
    for (let p = -1000; p <= 1000; p++) {
      const s = scoreFromPermille(p, 'v5.9');
      const back = permilleFromScore(s, 0, 'v5.9')!;
      expect(scoreFromPermille(back, 'v5.9')).toBe(s);
      expect(Math.abs(back - p)).toBeLessThanOrEqual(1);
    }
  });
  it('reads pre-5.9 scores as per mille, legacy as unknown', () => {
    expect(permilleFromScore(800, 0, 'permille')).toBe(800);
    expect(permilleFromScore(800, 0, 'legacy')).toBeNull();
  });
});

describe('totals', () => {
  it('system: totalram_pages + total_swap_pages', () => {
    expect(systemOomTotalPages({ totalKiB: 24683656, swapTotalKiB: 0 })).toBe(6170914);
    expect(systemOomTotalPages({ totalKiB: 4096, swapTotalKiB: 2048 }, 64)).toBe(96);
  });
  it('memcg, no swap on the machine: the memory limit', () => {
    expect(memcgOomTotalKiB({ version: 1, limitKiB: 300 * MiB, swapLimitKiB: null, swappiness: 60, swapTotalKiB: 0 })).toBe(300 * MiB);
    expect(memcgOomTotalKiB({ version: 2, limitKiB: 300 * MiB, swapLimitKiB: null, swappiness: 60, swapTotalKiB: 0 })).toBe(300 * MiB);
  });
  it('memcg: swap allowance capped by the swap that exists', () => {
    expect(memcgOomTotalKiB({ version: 2, limitKiB: 100, swapLimitKiB: 50, swappiness: 60, swapTotalKiB: 1000 })).toBe(150);
    expect(memcgOomTotalKiB({ version: 2, limitKiB: 100, swapLimitKiB: null, swappiness: 60, swapTotalKiB: 1000 })).toBe(1100);
    expect(memcgOomTotalKiB({ version: 1, limitKiB: 100, swapLimitKiB: 5000, swappiness: 60, swapTotalKiB: 1000 })).toBe(1100);
  });
  it('memcg with swappiness 0: swap does not count', () => {
    expect(memcgOomTotalKiB({ version: 1, limitKiB: 100, swapLimitKiB: null, swappiness: 0, swapTotalKiB: 1000 })).toBe(100);
  });
});

describe('the choice among equal points', () => {
  it('5.3+: the later task in scan order (the newest process, then the higher pid); before: the earlier', () => {
    const a = { pid: 50, startTimeTicks: 10 };
    const b = { pid: 40, startTimeTicks: 20 };
    expect(compareVictims(7, b, 7, a)).toBeLessThan(0);
    expect(compareVictims(7, { pid: 51, startTimeTicks: 10 }, 7, a)).toBeLessThan(0);
    expect(compareVictims(7, b, 7, a, k('4.19.0'))).toBeGreaterThan(0);
    expect(compareVictims(8, a, 7, b)).toBeLessThan(0);
  });
  it('does not depend on the order the tasks are visited in', () => {
    const task = fc.record({ pid: fc.integer({ min: 2, max: 60 }), startTimeTicks: fc.integer({ min: 0, max: 5 }), points: fc.integer({ min: -3, max: 3 }) });
    fc.assert(
      fc.property(fc.uniqueArray(task, { selector: (t) => t.pid, maxLength: 12 }), fc.boolean(), (tasks, later) => {
        const rules = later ? MODERN_RULES : k('4.19.0');
        const fwd = selectVictim(tasks, (t) => t.points, rules)?.task.pid;
        const back = selectVictim([...tasks].reverse(), (t) => t.points, rules)?.task.pid;
        return fwd === back;
      }),
    );
  });
});

describe('process key', () => {
  it('formats and parses pid:start', () => {
    expect(processKey({ pid: 123, startTimeTicks: 4567 })).toBe('123:4567');
    expect(parseProcessKey('123:4567')).toEqual({ pid: 123, startTimeTicks: 4567 });
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (pid, startTimeTicks) => {
        expect(parseProcessKey(processKey({ pid, startTimeTicks }))).toEqual({ pid, startTimeTicks });
      }),
    );
  });
  it('rejects anything else with null', () => {
    for (const bad of ['', '123', '12:ab', ' 1:2', '1:2:3', '-1:2', '1:', ':2', '1:2\n', '99999999999999999999:1']) {
      expect(parseProcessKey(bad)).toBeNull();
    }
  });
});

describe('against the real kernel', () => {
  const pageKiB = detectPageKiB();
  const statusOf = (pid: number) => parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'))!;
  const scoreOf = (pid: number) => Number(readFileSync(`/proc/${pid}/oom_score`, 'utf8'));

  /** Figures and oom_score read with the figures unchanged around the score (memory can move). */
  function stableRead(pid: number): { input: BadnessInput; score: number } {
    for (;;) {
      const before = statusOf(pid);
      const score = scoreOf(pid);
      const after = statusOf(pid);
      if (before.vmRssKiB === after.vmRssKiB && before.vmSwapKiB === after.vmSwapKiB && before.vmPteKiB === after.vmPteKiB) {
        const adj = Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'));
        return { input: { pid, rssKiB: after.vmRssKiB, swapKiB: after.vmSwapKiB, pgtablesKiB: after.vmPteKiB, oomScoreAdj: adj }, score };
      }
    }
  }

  it.skipIf(!/^([6-9]|5\.(9|[1-9]\d))/.test(readFileSync('/proc/sys/kernel/osrelease', 'utf8')))(
    "oom_score is exactly oomScoreFromPoints(oomBadness(status figures)) for a child, at every adj this user may set",
    async () => {
      const child = await startHog(16);
      const pid = child.pid!;
      const mem = readMeminfo('/proc')!;
      const total = systemOomTotalPages(mem, pageKiB);
      for (const adj of [0, 1, 7, 333, 999, 1000]) {
        writeFileSync(`/proc/${pid}/oom_score_adj`, String(adj));
        const { input, score } = stableRead(pid);
        expect(input.oomScoreAdj).toBe(adj);
        expect(score, `adj ${adj}`).toBe(oomScoreFromPoints(oomBadness(input, total, pageKiB), total));
      }
      // init: never chosen, oom_score 0.
      expect(oomBadness({ pid: 1, rssKiB: 1, swapKiB: 0, pgtablesKiB: 0, oomScoreAdj: 0 }, total)).toBeNull();
      expect(scoreOf(1)).toBe(0);
    },
    30_000,
  );
});
