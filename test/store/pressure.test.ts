import { describe, expect, it } from 'vitest';
import { CALM_SAMPLES, PressureTracker } from '../../src/sampler/pressure.js';

const at = (availablePct: number, someAvg10: number | null = 0, fullAvg10: number | null = 0) => ({ availablePct, someAvg10, fullAvg10 });

describe('PressureTracker', () => {
  it('maps available memory and PSI to levels', () => {
    expect(new PressureTracker().update(at(50))).toBe('normal');
    expect(new PressureTracker().update(at(15))).toBe('elevated');
    expect(new PressureTracker().update(at(8))).toBe('high');
    expect(new PressureTracker().update(at(3))).toBe('critical');
    expect(new PressureTracker().update(at(60, 12, 0))).toBe('elevated');
    expect(new PressureTracker().update(at(60, 50, 12))).toBe('high');
    expect(new PressureTracker().update(at(60, 90, 35))).toBe('critical');
    expect(new PressureTracker().update(at(60, null, null))).toBe('normal');
  });

  it('rises at once and falls one step only after calm readings below the exit margin', () => {
    const t = new PressureTracker();
    expect(t.update(at(4))).toBe('critical');
    // 6% is above the 5% entry but inside the margin: still critical.
    for (let i = 0; i < 10; i++) expect(t.update(at(6))).toBe('critical');
    for (let i = 0; i < CALM_SAMPLES - 1; i++) expect(t.update(at(9))).toBe('critical');
    expect(t.update(at(9))).toBe('high');
  });

  it('does not flap on readings that hover around a threshold', () => {
    const t = new PressureTracker();
    const levels = Array.from({ length: 50 }, (_, i) => t.update(at(i % 2 ? 19.5 : 20.5)));
    const changes = levels.filter((l, i) => i > 0 && l !== levels[i - 1]).length;
    expect(levels[0]).toBe('normal');
    expect(changes).toBe(1); // normal → elevated once, then it holds
    expect(levels.at(-1)).toBe('elevated');
  });
});
