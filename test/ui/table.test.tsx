import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Table, layoutColumns, type Column } from '../../src/ui/Table.js';
import { fit, sparkline, width } from '../../src/text/format.js';
import { fmtKiB } from '../../src/text/size.js';

interface R { id: string; name: string; n: number }
const cols: Column<R>[] = [
  { key: 'id', title: 'ID', width: 4, align: 'right', priority: Infinity, value: (r) => r.id },
  { key: 'n', title: 'NUM', width: 6, align: 'right', priority: 1, value: (r) => String(r.n) },
  { key: 'name', title: 'NAME', width: 0, priority: Infinity, value: (r) => r.name },
];

describe('fit', () => {
  it('pads, cuts with an ellipsis and never splits wide characters', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abc', 5, 'right')).toBe('  abc');
    expect(fit('abcdefgh', 5)).toBe('abcd…');
    const cut = fit('数据库服务器', 6);
    expect(width(cut)).toBe(6);
    expect(cut).toBe('数据… ');
  });
  it('neutralises escape sequences and newlines', () => {
    const s = fit('\u001b[2Jevil\nname', 30);
    expect(s).not.toMatch(/\u001b/);
    expect(s).not.toMatch(/\n/);
    expect(s.startsWith('\\x1b[2Jevil\\nname')).toBe(true);
  });
  it('formats sizes and sparklines', () => {
    expect(fmtKiB(512)).toBe('512K');
    expect(fmtKiB(1536)).toBe('1.5M');
    expect(fmtKiB(24 * 1024 * 1024)).toBe('24G');
    expect(fmtKiB(null)).toBe('-');
    expect(sparkline([0, 1, 2, 3], 4, 3)).toBe('▁▃▆█');
  });
});

describe('Table', () => {
  it('draws one fixed-width line per row with the flex column filling the width', () => {
    const { lastFrame } = render(<Table columns={cols} rows={[{ id: '1', name: 'alpha', n: 10 }, { id: '22', name: 'a very long name indeed', n: 5 }]} width={30} />);
    const lines = lastFrame()!.split('\n');
    expect(lines).toHaveLength(3);
    // Ink trims trailing spaces; nothing may run past the width.
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(30);
    expect(lines[1]).toBe('   1     10 alpha');
    expect(lines[2]).toBe('  22      5 a very long name …');
  });
  it('drops low-priority columns first when narrow', () => {
    expect(layoutColumns(cols, 18).map((c) => c.key)).toEqual(['id', 'name']);
    expect(layoutColumns(cols, 40).map((c) => c.key)).toEqual(['id', 'n', 'name']);
  });
  it('keeps hostile names on their own row', () => {
    const { lastFrame } = render(<Table columns={cols} rows={[{ id: '1', name: 'x\n\u001b[31mred\r', n: 1 }]} width={40} />);
    const lines = lastFrame()!.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('x\\n\\x1b[31mred\\x0d');
  });
});
