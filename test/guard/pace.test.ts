import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FillRate, HOLD_BUDGET_MS, nextIntervalMs } from '../../src/guard/pace.js';

const cfg = { minMs: 5, maxMs: 1000, assumeRateKiBps: 0 };

describe('FillRate', () => {
  it('measures the fastest recent fill rate and ignores freeing', () => {
    const r = new FillRate();
    r.push(0, 100_000);
    expect(r.rateKiBps()).toBe(0);
    r.push(100, 100_000);
    r.push(200, 90_000); // 10 000 KiB in 100 ms
    expect(r.rateKiBps()).toBe(100_000);
    r.push(300, 120_000);
    expect(r.rateKiBps()).toBe(0);
  });

  it('forgets samples older than its window', () => {
    const r = new FillRate();
    r.push(0, 500_000);
    r.push(5000, 100_000);
    expect(r.rateKiBps()).toBe(0);
  });
});

describe('nextIntervalMs', () => {
  it('sleeps long with headroom and no fill, minimum once at the threshold', () => {
    expect(nextIntervalMs(10_000_000, 0, cfg)).toBe(1000);
    expect(nextIntervalMs(0, 0, cfg)).toBe(5);
    expect(nextIntervalMs(-5, 1e6, cfg)).toBe(5);
  });

  it('sleeps a quarter of the time to the threshold at the measured rate', () => {
    // 200 MiB at 1 GiB/s: ~195 ms to go, sleep ~48 ms.
    expect(nextIntervalMs(200 * 1024, 1024 * 1024, cfg)).toBe(48);
  });

  it('bounds the sleep by an assumed worst-case rate (earlyoom-like)', () => {
    expect(nextIntervalMs(200 * 1024, 0, { ...cfg, assumeRateKiBps: 6144 * 1024 })).toBe(32);
  });

  it('never leaves [min, max] and never sleeps longer when filling faster', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e8, noNaN: true }), fc.double({ min: 0, max: 1e8, noNaN: true }), (h, r) => {
        const a = nextIntervalMs(h, r, cfg);
        const b = nextIntervalMs(h, r * 2 + 1, cfg);
        return a >= 5 && a <= 1000 && b <= a;
      }),
    );
  });
});

describe('nextIntervalMs with the v1 intercept holding the cgroup', () => {
  const assumed = { ...cfg, assumeRateKiBps: 6144 * 1024 };
  it('sleeps the hold budget longer than the assumed rate allows, idle on a 256 MiB cgroup', () => {
    // 230 MiB above the TERM threshold: 37 ms at 6 GiB/s, plus the 500 ms budget.
    expect(nextIntervalMs(230 * 1024, 0, assumed)).toBe(37);
    expect(nextIntervalMs(230 * 1024, 0, { ...assumed, holdBudgetMs: HOLD_BUDGET_MS })).toBe(37 + HOLD_BUDGET_MS);
  });

  it('still follows a measured fill: a quarter of its time to the threshold', () => {
    // 200 MiB at 1 GiB/s: ~48 ms, whatever the budget.
    expect(nextIntervalMs(200 * 1024, 1024 * 1024, { ...assumed, holdBudgetMs: HOLD_BUDGET_MS })).toBe(48);
  });

  it('never sleeps longer with less headroom or a faster fill, and never past [min, max]', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e8, noNaN: true }), fc.double({ min: 0, max: 1e8, noNaN: true }), (h, r) => {
        const c = { ...assumed, holdBudgetMs: HOLD_BUDGET_MS };
        const a = nextIntervalMs(h, r, c);
        return a >= 5 && a <= 1000 && nextIntervalMs(h, r * 2 + 1, c) <= a && nextIntervalMs(h / 2, r, c) <= a && a >= nextIntervalMs(h, r, assumed);
      }),
    );
  });
});
