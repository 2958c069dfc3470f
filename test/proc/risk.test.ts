import { describe, expect, it } from 'vitest';
import { oomRules } from '../../src/kernel/oom.js';
import { pickNextVictim } from '../../src/proc/risk.js';
import { parseKernelRelease } from '../../src/proc/system.js';

describe('pickNextVictim (the monitor: oom_score first, then the kernel points)', () => {
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

  it('on a tie keeps the newest process, as oom_evaluate_task does since 5.3', () => {
    expect(pickNextVictim([p(10, 700, { startTimeTicks: 50 }), p(9, 700, { startTimeTicks: 90 })])?.pid).toBe(9);
    expect(pickNextVictim([p(9, 700, { startTimeTicks: 90 }), p(10, 700, { startTimeTicks: 50 })])?.pid).toBe(9);
  });

  it('page tables count in whole pages, as the kernel counts them', () => {
    // 400 KiB of rss + 6 KiB of page tables is 100 + 1 pages (2 KiB page-table fragments,
    // as on s390), the same as 404 KiB of rss: a tie, which the newer process wins. Summing
    // KiB first (406 / 4 = 101.5) used to pick the older one.
    const a = { ...p(20, 666, { startTimeTicks: 1 }), rssKiB: 400, swapKiB: 0, pgtablesKiB: 6 };
    const b = { ...p(21, 666, { startTimeTicks: 2 }), rssKiB: 404, swapKiB: 0, pgtablesKiB: 0 };
    expect(pickNextVictim([a, b], { totalKiB: 8 << 20 })?.pid).toBe(21);
  });

  it('on kernels whose oom_score is the points themselves, equal scores are a true tie (the oldest wins there)', () => {
    const rules = oomRules(parseKernelRelease('3.2.0'));
    const a = { ...p(30, 400, { startTimeTicks: 1 }), rssKiB: 4000, swapKiB: 0, pgtablesKiB: 0 };
    const b = { ...p(31, 400, { startTimeTicks: 2 }), rssKiB: 8000, swapKiB: 0, pgtablesKiB: 0 };
    expect(pickNextVictim([b, a], { totalKiB: 8 << 20 }, rules)?.pid).toBe(30);
  });
});
