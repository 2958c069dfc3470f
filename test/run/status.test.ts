import { describe, expect, it } from 'vitest';
import { drawStatus, fmtElapsed, setupRegion, statusLine, teardownRegion } from '../../src/run/status.js';

describe('the live status line', () => {
  it('shows current, budget, percentage, a bar, the peak and the time', () => {
    const line = statusLine({ currentKiB: 32 * 1024, peakKiB: 40 * 1024, limitKiB: 64 * 1024, elapsedMs: 75_000, columns: 120 });
    expect(line).toBe('oomtop run  32M / 64M  50% [|||||     ] peak 40M  1:15');
  });
  it('fits the terminal and clamps the bar', () => {
    const line = statusLine({ currentKiB: 80 * 1024, peakKiB: 80 * 1024, limitKiB: 64 * 1024, elapsedMs: 0, columns: 30 });
    expect(line.length).toBe(29);
    expect(statusLine({ currentKiB: 80 * 1024, peakKiB: 1, limitKiB: 64 * 1024, elapsedMs: 0, columns: 200 })).toContain('125% [||||||||||]');
  });
  it('formats elapsed time', () => {
    expect(fmtElapsed(0)).toBe('0:00');
    expect(fmtElapsed(59_999)).toBe('0:59');
    expect(fmtElapsed(3_600_000 + 61_000)).toBe('1:01:01');
  });
  it('draws on the last row inside a scroll region and gives the screen back', () => {
    expect(setupRegion(24)).toBe('\n\u001b7\u001b[1;23r\u001b8\u001b[1A');
    expect(drawStatus(24, 'x')).toBe('\u001b7\u001b[24;1H\u001b[2Kx\u001b8');
    expect(teardownRegion(24)).toBe('\u001b7\u001b[1;24r\u001b[24;1H\u001b[2K\u001b8');
  });
});
