import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { width } from '../../src/text/format.js';
import { layoutSegments, plain, wrap, type Segment } from '../../src/text/layout.js';

describe('wrap', () => {
  it('wraps words, indents continuations, breaks a word longer than a line', () => {
    expect(wrap('PID 10 (a): permission denied — fix: run oomtop as root', 20, { indent: '  ' })).toEqual(['PID 10 (a):', '  permission denied', '  — fix: run oomtop', '  as root']);
    expect(wrap('/a/very/long/path/with/no/spaces', 10)).toEqual(['/a/very/lo', 'ng/path/wi', 'th/no/spac', 'es']);
    expect(wrap('', 10)).toEqual(['']);
  });

  it('keeps at most maxLines, marking the cut with …', () => {
    expect(wrap('one two three four five six', 9, { maxLines: 2 })).toEqual(['one two', 'three…']);
  });

  it('sanitizes and measures wide characters', () => {
    expect(wrap('a\u001b[31mb 漢字漢字', 5)).toEqual(['a\\x1b[31mb'.slice(0, 5), '[31mb', '漢字', '漢字']);
  });

  it('never exceeds the width and loses no word (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z漢]{1,12}$/), { maxLength: 20 }), fc.integer({ min: 1, max: 40 }), (words, cells) => {
        const lines = wrap(words.join(' '), cells, { indent: cells > 4 ? '  ' : '' });
        for (const l of lines) expect(width(l)).toBeLessThanOrEqual(Math.max(cells, 2));
        if (cells >= 2) expect(lines.join('').replace(/\s/g, '')).toBe(words.join(''));
      }),
    );
  });
});

describe('layoutSegments', () => {
  const segs: Segment[] = [
    { variants: ['guard: ARMED', 'g:ARMED'], priority: 0 },
    { variants: ['sort: risk'], priority: 0 },
    { variants: ['OOM kills since boot: 3', 'OOM kills: 3'], priority: 3 },
    { variants: ['row 1/20', '1/20'], priority: 2 },
  ];
  it('shows the long forms when they fit, in the given order', () => {
    expect(plain(layoutSegments(segs, 80), 80).trimEnd()).toBe('guard: ARMED  sort: risk  OOM kills since boot: 3  row 1/20');
  });
  it('shortens, then drops the least important parts first; priority 0 stays', () => {
    expect(plain(layoutSegments(segs, 40), 40).trimEnd()).toBe('guard: ARMED  sort: risk  row 1/20');
    expect(plain(layoutSegments(segs, 30), 30).trimEnd()).toBe('guard: ARMED  sort: risk  1/20');
    expect(plain(layoutSegments(segs, 20), 20).trimEnd()).toBe('g:ARMED  sort: risk');
    expect(plain(layoutSegments(segs, 12), 12).trimEnd()).toBe('g:ARMED  so…');
  });
  it('never exceeds the width (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ variants: fc.array(fc.string({ maxLength: 30 }), { minLength: 1, maxLength: 3 }), priority: fc.integer({ min: 0, max: 5 }) }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 120 }),
        (ss, cells) => width(plain(layoutSegments(ss, cells), cells)) === cells,
      ),
    );
  });
});
