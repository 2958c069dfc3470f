import { describe, expect, it } from 'vitest';
import { capacityPlan, exhaustion, fmtEta, growthByWindow, leakOf, theilSen } from '../../src/history/analysis.js';

/** A deterministic noise source (no Math.random: the same series every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** n points one `stepS` apart ending at t=1e12 ms, values f(seconds). */
function series(n: number, stepS: number, f: (s: number, i: number) => number): { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    times.push(1e12 + i * stepS * 1000);
    values.push(f(i * stepS, i));
  }
  return { times, values };
}

describe('theilSen', () => {
  it('finds the slope of a line exactly, with full confidence', () => {
    const s = series(50, 1, (t) => 1000 + 4096 * t);
    const r = theilSen(s.times, s.values)!;
    expect(r.perSecond).toBeCloseTo(4096, 6);
    expect(r.confidence).toBe(1);
  });
  it('ignores a few wild outliers', () => {
    const s = series(60, 1, (t, i) => 1000 + 10 * t + (i % 17 === 0 ? 1e6 : 0));
    expect(theilSen(s.times, s.values)!.perSecond).toBeCloseTo(10, 0);
  });
  it('is null below three points', () => {
    expect(theilSen([1, 2], [1, 2])).toBeNull();
  });
});

describe('leaks', () => {
  it('steady growth is a leak, with the slope', () => {
    const s = series(120, 1, (t) => 50_000 + 4096 * t);
    const g = leakOf(s.times, s.values)!;
    expect(g).not.toBeNull();
    expect(g.floorSlope).toBeGreaterThan(4096 * 0.95);
    expect(g.floorSlope).toBeLessThan(4096 * 1.05);
    expect(g.windowS).toBe(60);
  });
  it('noisy steady growth is a leak; noise alone is not', () => {
    const rnd = lcg(7);
    const grow = series(600, 1, (t) => 200_000 + 20 * t + 300 * rnd());
    const g = leakOf(grow.times, grow.values)!;
    expect(g).not.toBeNull();
    expect(g.slope).toBeGreaterThan(15);
    expect(g.slope).toBeLessThan(25);
    const rnd2 = lcg(9);
    const flat = series(600, 1, () => 200_000 + 3000 * rnd2());
    expect(leakOf(flat.times, flat.values)).toBeNull();
  });
  it('a steady (idle) process is not a leak', () => {
    const s = series(600, 1, () => 12_345);
    expect(leakOf(s.times, s.values)).toBeNull();
    expect(growthByWindow(s.times, s.values)[0]!.slope).toBe(0);
  });
  it('a step (a cache filled once) is not a leak', () => {
    const s = series(300, 1, (t) => (t < 150 ? 100_000 : 400_000));
    expect(leakOf(s.times, s.values)).toBeNull();
  });
  it('a burst that is freed again is not a leak', () => {
    const s = series(300, 1, (t) => (t > 100 && t < 130 ? 900_000 : 100_000));
    expect(leakOf(s.times, s.values)).toBeNull();
  });
  it('a GC sawtooth with a flat floor is not a leak; one whose floor rises is', () => {
    // Grows 2 MiB/s for 20 s, collected back to the floor: a Java or Node heap.
    const flat = series(600, 1, (t) => 300_000 + 2048 * (t % 20));
    expect(leakOf(flat.times, flat.values)).toBeNull();
    const rising = series(600, 1, (t) => 300_000 + 100 * t + 2048 * (t % 20));
    const g = leakOf(rising.times, rising.values)!;
    expect(g).not.toBeNull();
    expect(g.floorSlope).toBeGreaterThan(80);
    expect(g.floorSlope).toBeLessThan(120);
  });
  it('a slow sawtooth (a cycle longer than the short windows) is not a leak; growth that starts late in a flat history is', () => {
    // 10-minute cycles for 3 hours at 30 s: each 10-minute window holds one steady climb.
    const slow = series(360, 30, (t) => 300_000 + 4096 * ((t / 30) % 20) * 30);
    expect(leakOf(slow.times, slow.values)).toBeNull();
    // Flat for 50 minutes, then +100 KiB/s for the last 10: the 10-minute window says leak and
    // nothing longer saw it fall.
    const late = series(360, 10, (t) => 300_000 + Math.max(0, t - 3000) * 100);
    const g = leakOf(late.times, late.values)!;
    expect(g).not.toBeNull();
    expect(g.windowS).toBe(600);
  });
  it('a restart under a new PID starts a new series: the old one ends, the new one is not a leak until it grows steadily', () => {
    // The old process grew then exited; the new one (another identity) restarts small and flat.
    const old = series(300, 1, (t) => 100_000 + 1000 * t);
    expect(leakOf(old.times, old.values)).not.toBeNull();
    const fresh = series(300, 1, (t) => (t < 3 ? 20_000 + 30_000 * t : 100_000));
    expect(leakOf(fresh.times, fresh.values)).toBeNull();
    // Joined by name (what keying by PID + start time avoids), the two look like one sawtooth.
    const joined = { times: [...old.times, ...fresh.times.map((t) => t + 300_000)], values: [...old.values, ...fresh.values] };
    expect(leakOf(joined.times, joined.values)).toBeNull();
  });
  it('a series shorter than half a minute is judged over what it covers (5 s at least)', () => {
    const s = series(10, 1, (t) => 50_000 + 4096 * t);
    const g = leakOf(s.times, s.values)!;
    expect(g.windowS).toBe(9);
    const tiny = series(4, 1, (t) => 50_000 + 4096 * t);
    expect(leakOf(tiny.times, tiny.values)).toBeNull();
  });
});

describe('exhaustion', () => {
  it('headroom / rate when it shrinks steadily', () => {
    // 100 MiB of headroom left, shrinking 1 MiB/s: 100 s.
    const s = series(60, 1, (t) => 100 * 1024 + 1024 * (59 - t));
    const e = exhaustion(s.times, s.values)!;
    expect(e.etaSeconds).toBeCloseTo(100, 5);
    expect(fmtEta(e.etaSeconds)).toBe('OOM in ~2 min');
  });
  it('no trend when the headroom is flat, grows or wanders', () => {
    const rnd = lcg(3);
    for (const f of [() => 5000, (t: number) => 5000 + t, () => 5000 + 1000 * rnd()]) {
      const s = series(120, 1, f);
      expect(exhaustion(s.times, s.values)!.etaSeconds).toBeNull();
    }
    expect(fmtEta(null)).toBe('no trend');
  });
  it('extrapolates at most ten times the span it measured (a minute of growth says nothing about the next hour)', () => {
    // 60 s of a steady 1 MiB/s decline: 800 MiB left is 800 s away, past 10 × 59 s.
    const far = series(60, 1, (t) => 800 * 1024 + 1024 * (59 - t));
    const e = exhaustion(far.times, far.values)!;
    expect(e.slopeKiBPerS).toBeCloseTo(-1024, 5);
    expect(e.etaSeconds).toBeNull();
    // The same decline with 580 MiB left over ten minutes of points: 580 s, within 10 × 599 s.
    const long = series(600, 1, (t) => 580 * 1024 + 1024 * (599 - t));
    expect(exhaustion(long.times, long.values)!.etaSeconds).toBeCloseTo(580, 5);
  });
});

describe('capacity plan', () => {
  it('days to 80 % and 90 % at the growth rate, and a recommendation', () => {
    // 14 days of hourly points: 50 % growing 1 point a day, daily peak +5.
    const s = series(14 * 24, 3600, (t) => 50 + t / 86_400 + (Math.floor(t / 3600) % 24 === 12 ? 5 : 0));
    const p = capacityPlan(s.times, s.values)!;
    expect(p.days).toBeCloseTo(13.96, 1);
    expect(p.growthPctPerDay).toBeCloseTo(1, 1);
    expect(p.currentMaxPct).toBeCloseTo(68.5, 0);
    expect(p.daysTo80Pct).toBeCloseTo(11.5, 0);
    expect(p.daysTo90Pct).toBeCloseTo(21.5, 0);
    expect(p.predictedAvgPct).toBeGreaterThan(p.currentAvgPct + 25);
    expect(p.recommendation).toMatch(/80 % in 1\d days/);
  });
  it('flat use: no days-to, sufficient', () => {
    const s = series(48, 3600, () => 40);
    const p = capacityPlan(s.times, s.values)!;
    expect(p.daysTo80Pct).toBeNull();
    expect(p.daysTo90Pct).toBeNull();
    expect(p.predictedMaxPct).toBe(40);
    expect(p.recommendation).toMatch(/sufficient/);
  });
  it('already above 90 %: 0 days and act now', () => {
    const s = series(10, 60, () => 95);
    expect(capacityPlan(s.times, s.values)!.recommendation).toMatch(/above 90 %/);
  });
});
