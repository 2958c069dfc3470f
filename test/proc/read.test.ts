import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readRecord, readSmall } from '../../src/proc/read.js';

describe('readSmall', () => {
  it('reads multi-record seq files to the end (they hand out about a page per read)', () => {
    // /proc/self/maps of a node process is well over a page.
    const whole = readFileSync('/proc/self/maps', 'utf8');
    expect(whole.length).toBeGreaterThan(4096);
    const got = readSmall('/proc/self/maps')!;
    // Mappings can change between the two reads; the line count is stable enough.
    expect(Math.abs(got.split('\n').length - whole.split('\n').length)).toBeLessThan(5);
    expect(got.length).toBeGreaterThan(4096);
  });
  it('returns null for a missing file', () => {
    expect(readSmall('/proc/no-such-file')).toBeNull();
    expect(readRecord('/proc/999999999/stat')).toBeNull();
  });
  it('reads single-record per-process files whole in one go', () => {
    expect(readRecord('/proc/self/status')).toMatch(/^Name:[\s\S]*VmRSS:[\s\S]*$/);
  });
});
