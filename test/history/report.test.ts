import { describe, expect, it } from 'vitest';
import { buildReport, renderReport, reportJson, type ReportSeries } from '../../src/history/report.js';

const T0 = Date.UTC(2026, 0, 1);
function series(kind: ReportSeries['kind'], key: string, metric: string, f: (h: number) => number, extra: Partial<ReportSeries> = {}): ReportSeries {
  const times = Array.from({ length: 48 * 4 }, (_, i) => T0 + i * 900_000);
  return { kind, key, metric, label: null, cgroup: null, times, values: times.map((t) => f((t - T0) / 3600_000)), ...extra };
}

describe('the report', () => {
  // Two days at 15 minutes: RAM 16 GiB, use 40 % growing 0.5 points an hour; a cgroup with a
  // 2 GiB limit filling 10 MiB an hour; a leaker with a hostile name; a flat process.
  const GiB = 1024 * 1024;
  const all: ReportSeries[] = [
    series('system', 'system', 'total', () => 16 * GiB),
    series('system', 'system', 'used', (h) => (0.4 + 0.005 * h) * 16 * GiB),
    series('system', 'system', 'headroom', (h) => (0.6 - 0.005 * h) * 16 * GiB),
    series('cgroup', '/kubepods/pod-a', 'ws', (h) => GiB + h * 10 * 1024),
    series('cgroup', '/kubepods/pod-a', 'limit', () => 2 * GiB),
    series('proc', '4242:99', 'rss', (h) => 300_000 + h * 10_000, { label: 'evil\u001b]0;owned\u0007\nname', cgroup: '/kubepods/pod-a' }),
    series('proc', '4343:99', 'rss', () => 500_000, { label: 'flat' }),
  ];
  const r = buildReport(all, '/var/lib/oomtop/history.db');

  it('finds the leaker (PID and start time from the key), not the flat one', () => {
    expect(r.leaks).toHaveLength(1);
    expect(r.leaks[0]).toMatchObject({ pid: 4242, startTimeTicks: 99, cgroup: '/kubepods/pod-a', windowS: 86_400 });
    expect(r.leaks[0]!.slopeKiBPerS).toBeCloseTo(10_000 / 3600, 3);
  });

  it('gives each scope its ETA and days to 80 % and 90 %; the capacity plan of RAM', () => {
    expect(r.scopes.map((s) => s.scope)).toEqual(['system', '/kubepods/pod-a']);
    const pod = r.scopes[1]!;
    // 1 GiB − 47.75 h · 10 MiB left, at 10 MiB an hour.
    expect(pod.etaSeconds! / 3600).toBeCloseTo((1024 - 477.5) / 10, 0);
    const c = r.capacity!;
    expect(c.days).toBeCloseTo(47.75 / 24, 2);
    expect(c.growthPctPerDay).toBeCloseTo(12, 1);
    // Peak now 63.9 %: 80 % in (80 − 63.9) / 12 days.
    expect(c.daysTo80Pct!).toBeCloseTo((80 - 63.875) / 12, 1);
    // 90 % in (90 − 63.9) / 12 = 2.2 days: within the week.
    expect(c.recommendation).toMatch(/90 % in 2 days: add memory/);
    const json = reportJson(r) as { leaks: object[]; scopes: object[]; capacity: object };
    expect(Object.keys(json.leaks[0]!)).toEqual(expect.arrayContaining(['pid', 'name', 'cgroup', 'slopeKiBPerS', 'rssKiB', 'windowS', 'confidence']));
    expect(Object.keys(json.scopes[0]!)).toEqual(expect.arrayContaining(['scope', 'usedKiB', 'limitKiB', 'slopeKiBPerS', 'etaSeconds']));
    expect(Object.keys(json.capacity)).toEqual(expect.arrayContaining(['days', 'currentAvgPct', 'predictedAvgPct', 'predictedMaxPct', 'daysTo80Pct', 'daysTo90Pct', 'recommendation']));
  });

  it('prints within 80 columns, with a chart, and a hostile name sanitized', () => {
    const text = renderReport(r);
    for (const line of text.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(text).toContain('PID 4242 evil');
    expect(text).toMatch(/RAM in use, %/);
    expect(text.split('\n').filter((l) => /[┤┼]/.test(l)).length).toBeGreaterThanOrEqual(9);
  });

  it('an empty history is a report with nothing in it, not a crash', () => {
    const e = buildReport([], 'x');
    expect(e).toMatchObject({ leaks: [], scopes: [], capacity: null, from: null, to: null });
    expect(renderReport(e)).toMatch(/Leak suspects: none/);
  });
});
