import { describe, expect, it } from 'vitest';
import { badnessPermille, pickNextVictim, scoreFromPermille, scoreScale } from '../../src/proc/risk.js';
import { parseKernelRelease } from '../../src/proc/system.js';

const k = (r: string) => parseKernelRelease(r);

describe('score scale by kernel version', () => {
  it('picks the scale the kernel printed with', () => {
    expect(scoreScale(k('6.18.44'))).toBe('v5.9');
    expect(scoreScale(k('5.9.0'))).toBe('v5.9');
    expect(scoreScale(k('5.8.18'))).toBe('permille');
    expect(scoreScale(k('3.10.0-1160.el7'))).toBe('permille');
    expect(scoreScale(k('2.6.36'))).toBe('permille');
    expect(scoreScale(k('2.6.32-754.el6'))).toBe('legacy');
  });
});

describe('badness from oom_score', () => {
  it('reads 5.9+ scores: idle 666 is 0, adj +1000 reaches 1333, adj -1000 is exempt', () => {
    expect(badnessPermille(666, 0, 'v5.9')).toBe(0);
    expect(badnessPermille(1333, 1000, 'v5.9')).toBe(1000);
    // (1000 + 500) × 2/3 and (1000 + 501) × 2/3 both truncate to 1000.
    expect([500, 501]).toContain(badnessPermille(1000, 0, 'v5.9'));
    expect(badnessPermille(0, -1000, 'v5.9')).toBeNull();
  });
  it('round-trips every per-mille value through the kernel formula', () => {
    for (let p = -1000; p <= 1000; p++) {
      const s = scoreFromPermille(p, 'v5.9');
      const back = badnessPermille(s, 0, 'v5.9')!;
      expect(scoreFromPermille(back, 'v5.9')).toBe(s);
      expect(Math.abs(back - p)).toBeLessThanOrEqual(1);
    }
  });
  it('reads pre-5.9 scores as per mille, legacy as unknown', () => {
    expect(badnessPermille(800, 0, 'permille')).toBe(800);
    expect(badnessPermille(800, 0, 'legacy')).toBeNull();
  });
});

describe('pickNextVictim', () => {
  const p = (pid: number, oomScore: number, extra: object = {}) => ({ pid, oomScore, oomScoreAdj: 0, startTimeTicks: pid, ...extra });
  it('takes the highest score', () => {
    expect(pickNextVictim([p(10, 700), p(11, 900), p(12, 800)])?.pid).toBe(11);
  });
  it('never picks init, kernel threads or adj -1000', () => {
    expect(pickNextVictim([p(1, 2000), p(5, 1500, { kernelThread: true }), p(6, 1400, { oomScoreAdj: -1000 }), p(7, 10)])?.pid).toBe(7);
    expect(pickNextVictim([p(1, 2000)])).toBeNull();
  });
  it('splits equal (rounded) scores by the exact points when the figures are known', () => {
    const mem = (pid: number, rssKiB: number, start: number) => ({ ...p(pid, 700, { startTimeTicks: start }), rssKiB, swapKiB: 0, pgtablesKiB: 0 });
    // The older process is bigger: the kernel takes it, whatever the start times.
    expect(pickNextVictim([mem(10, 900_000, 10), mem(11, 800_000, 99)], { totalKiB: 64 << 20 })?.pid).toBe(10);
  });

  it('on a tie keeps the newest process, as select_bad_process does', () => {
    expect(pickNextVictim([p(10, 700, { startTimeTicks: 50 }), p(9, 700, { startTimeTicks: 90 })])?.pid).toBe(9);
  });
});
