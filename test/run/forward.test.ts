import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FORWARDED, parseTermFields, shouldForward, type TermFields } from '../../src/run/forward.js';

describe('/proc/self/stat fields for signal forwarding', () => {
  it('reads pgrp, tty, foreground group and children CPU past a hostile name', () => {
    const text = '4242 (a) b (c) d) S 1 4242 4242 34816 4242 4194560 100 0 0 0 7 3 11 13 20 0 1 0 12345 100000 200 18446744073709551615\n';
    expect(parseTermFields(text)).toEqual({ pgrp: 4242, ttyNr: 34816, tpgid: 4242, cutimeTicks: 11, cstimeTicks: 13 });
  });
  it('reads this process', () => {
    const t = parseTermFields(readFileSync('/proc/self/stat', 'utf8'));
    expect(t).not.toBeNull();
    expect(t!.pgrp).toBeGreaterThan(0);
  });
  it('refuses truncated or garbled text', () => {
    expect(parseTermFields('')).toBeNull();
    expect(parseTermFields('1 (x) S 1 2 3')).toBeNull();
    expect(parseTermFields('1 (x) S 1 a 3 4 5 6 7 8 9 10 11 12 13 14 15')).toBeNull();
  });
});

describe('which signals go on to CMD', () => {
  const foreground: TermFields = { pgrp: 100, ttyNr: 34816, tpgid: 100, cutimeTicks: 0, cstimeTicks: 0 };
  const background: TermFields = { ...foreground, tpgid: 200 };
  const noTty: TermFields = { ...foreground, ttyNr: 0, tpgid: -1 };

  it('always forwards SIGTERM and SIGHUP', () => {
    for (const t of [foreground, background, noTty, null]) {
      expect(shouldForward('SIGTERM', t)).toBe(true);
      expect(shouldForward('SIGHUP', t)).toBe(true);
    }
  });
  it('does not send a second copy of a terminal key signal CMD already got', () => {
    expect(shouldForward('SIGINT', foreground)).toBe(false);
    expect(shouldForward('SIGQUIT', foreground)).toBe(false);
    expect(shouldForward('SIGINT', background)).toBe(true);
    expect(shouldForward('SIGINT', noTty)).toBe(true);
    expect(shouldForward('SIGINT', null)).toBe(true);
  });
  it('covers TERM, INT, HUP and QUIT', () => {
    expect([...FORWARDED].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM']);
  });
});
