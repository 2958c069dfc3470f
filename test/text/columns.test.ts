import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { badge } from '../../src/text/cells.js';
import { commandParts, commandSegments, displayName, fitSegments, flexMin, layoutColumns, plainHeader, processColumns, titleFor } from '../../src/text/columns.js';
import { width } from '../../src/text/format.js';
import { buildRows, type Row } from '../../src/store/rows.js';
import type { Snapshot } from '../../src/sampler/types.js';

function row(pid: number, extra: Partial<Row> = {}): Row {
  return {
    key: `${pid}:${pid * 10}`, nextVictim: false, growthKiBps: null,
    pid, startTimeTicks: pid * 10, name: `p${pid}`, cmdline: `/bin/p${pid} --flag`, state: 'S', ppid: 1, pgrp: pid, uid: 0, user: 'root',
    oomScore: 666, oomScoreAdj: 0, badnessPermille: 0, rssKiB: 1000, anonKiB: null, fileKiB: null, shmemKiB: null,
    swapKiB: 0, pgtablesKiB: 0, cgroup: null, detailTime: 0, limitPct: null, danger: 0, cgroupVictim: false, container: null, ...extra,
  };
}
const text = (segs: { text: string }[]) => segs.map((s) => s.text).join('');
const LONG = '/tmp/x/some/very/long/directory/path/mydaemon';

describe('COMMAND: the program name first', () => {
  it('splits argv[0] into directory and name, and falls back to comm when argv[0] does not name it', () => {
    expect(commandParts('mydaemon', `${LONG} 3000`)).toEqual({ path: '/tmp/x/some/very/long/directory/path/', name: 'mydaemon', args: '3000' });
    // A script through its interpreter: comm is the script, argv[0] the shell.
    expect(commandParts('mydaemon', '/bin/sh /opt/mydaemon --x')).toEqual({ path: '', name: 'mydaemon', args: '/bin/sh /opt/mydaemon --x' });
    // comm is cut at 15 bytes; the full name comes from argv[0].
    expect(commandParts('chromium-browse', '/usr/lib/chromium/chromium-browser --type=renderer').name).toBe('chromium-browser');
    // Programs that rewrite their argv keep comm as a prefix.
    expect(commandParts('postgres', 'postgres: checkpointer').name).toBe('postgres:');
    expect(commandParts('kworker/0:1', '')).toEqual({ path: '', name: '[kworker/0:1]', args: '' });
  });

  it('shows the name and arguments when the line is too long, the path only when everything fits', () => {
    const p = { pid: 4242, name: 'mydaemon', cmdline: `${LONG} 3000` };
    for (const cells of [12, 20, 35, 49]) {
      const segs = commandSegments(p, cells, { selfPid: 1 });
      expect(width(text(segs))).toBe(cells);
      expect(text(segs).startsWith('mydaemon')).toBe(true);
      expect(segs.find((s) => s.text.startsWith('mydaemon'))?.bold).toBe(true);
    }
    expect(text(commandSegments(p, 12, { selfPid: 1 }))).toBe('mydaemon 3000'.slice(0, 11) + '…');
    const wide = commandSegments(p, 60, { selfPid: 1 });
    expect(text(wide).trimEnd()).toBe(`${LONG} 3000`);
    expect(wide[0]).toMatchObject({ text: '/tmp/x/some/very/long/directory/path/', tone: 'dim' });
  });

  it("marks oomtop's own process, and keeps hostile names escaped and inside the cell", () => {
    expect(text(commandSegments({ pid: 77, name: 'node', cmdline: 'node bin/oomtop.js' }, 40, { selfPid: 77 }))).toMatch(/^oomtop \(this monitor\) node bin\/oomtop\.js/);
    const evil = text(commandSegments({ pid: 5, name: 'x', cmdline: 'x\u001b[2J\nspoof' }, 30, { selfPid: 1 }));
    expect(evil).not.toMatch(/[\u0000-\u001f]/);
    expect(evil).toContain('x\\x1b[2J\\nspoof');
    expect(width(evil)).toBe(30);
    expect(text(fitSegments([{ text: '数据库' }, { text: '服务器' }], 7))).toBe('数据库…');
  });

  it('fills exactly the cells it is given, whatever the name (fuzzed: control, wide and combining characters)', () => {
    const piece = fc.string({ unit: fc.oneof(fc.constantFrom('a', ' ', '/', '\u001b', '\n', '\u0000', '数', '😀', '\u0301', '\u202e'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 40 });
    fc.assert(
      fc.property(piece, piece, fc.integer({ min: 1, max: 90 }), (comm, cmdline, cells) => {
        const out = text(commandSegments({ pid: 9, name: comm, cmdline }, cells, { selfPid: 1, prefix: '│  └─ ' }));
        expect(width(out)).toBe(cells);
        expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }),
    );
  });

  it('sorts by the name it shows (argv[0]), not by comm', () => {
    const a = row(10, { name: 'mysql', cmdline: '/usr/sbin/mysqld --x' });
    const b = row(11, { name: 'mysqla', cmdline: 'mysqla' });
    const c = row(12, { name: 'kthreadd', cmdline: '' });
    expect(displayName(a, 1)).toBe('mysqld');
    const snap = { processes: [a, b, c] } as unknown as Snapshot;
    // By comm: mysql < mysqla. Shown: [kthreadd] < mysqla < mysqld.
    expect(buildRows(snap, new Map(), 'name', false, '').map((r) => r.pid)).toEqual([12, 11, 10]);
  });

  it('sorts names in code-point order, as htop and top do (capitals first; no locale collation)', () => {
    const names = ['beta', 'Alpha', 'alpha', 'Éclair', 'zeta'];
    const snap = { processes: names.map((n, i) => row(20 + i, { name: n, cmdline: n })) } as unknown as Snapshot;
    expect(buildRows(snap, new Map(), 'name', false, '').map((r) => r.name)).toEqual(['Alpha', 'alpha', 'beta', 'zeta', 'Éclair']);
  });
});

describe('badges', () => {
  it('shows every badge that applies', () => {
    expect(badge(row(1, { nextVictim: true, oomScoreAdj: 500 }))).toBe('VE');
    expect(badge(row(1, { nextVictim: true, cgroupVictim: true }))).toBe('VC');
    expect(badge(row(1, { cgroupVictim: true, oomScoreAdj: -200 }))).toBe('CP');
    expect(badge(row(1, { oomScoreAdj: -1000 }))).toBe('N');
    expect(badge(row(1))).toBe('');
  });
});

describe('the process table layout', () => {
  const cols = processColumns({ selfPid: 1 });
  const at = (total: number) => {
    const l = layoutColumns(cols, total);
    return Object.fromEntries(l.columns.map((c, i) => [c.key, l.widths[i]!]));
  };

  it('fills the width exactly at every size', () => {
    for (const total of [30, 60, 80, 120, 200, 300]) {
      const l = layoutColumns(cols, total);
      expect(l.widths.reduce((n, w) => n + w, 0) + l.columns.length - 1).toBe(total);
    }
  });

  it('shrinks COMMAND last: at 80 columns it keeps at least 32 cells and the columns that matter', () => {
    const w80 = at(80);
    expect(w80.cmd).toBeGreaterThanOrEqual(flexMin(80));
    expect(flexMin(80)).toBe(32);
    for (const k of ['flag', 'pid', 'risk', 'score', 'rss', 'adj']) expect(w80).toHaveProperty(k);
    expect(w80).not.toHaveProperty('user');
    expect(at(60).cmd).toBeGreaterThanOrEqual(24);
  });

  it('with a leak suspect listed, GROW/s (the slope) shows at 80 columns in place of ADJ; without one it does not', () => {
    expect(at(80)).not.toHaveProperty('growth');
    const l = layoutColumns(processColumns({ selfPid: 1, leaking: true }), 80);
    const keys = l.columns.map((c) => c.key);
    expect(keys).toContain('growth');
    expect(keys).not.toContain('adj');
    for (const k of ['flag', 'pid', 'risk', 'score', 'rss', 'limit']) expect(keys).toContain(k);
    expect(l.widths[keys.indexOf('cmd')]).toBeGreaterThanOrEqual(flexMin(80));
    // At 120 columns both fit, as before.
    const wide = layoutColumns(processColumns({ selfPid: 1, leaking: true }), 120).columns.map((c) => c.key);
    expect(wide).toEqual(expect.arrayContaining(['growth', 'adj']));
  });

  it('grows CGROUP with the terminal', () => {
    expect(at(140).cgroup).toBeGreaterThanOrEqual(18);
    expect(at(200).cgroup).toBeGreaterThan(25);
    expect(at(300).cgroup).toBe(48);
    expect(at(300).cmd).toBeGreaterThan(at(200).cmd!);
  });

  it('marks the sort column with its direction', () => {
    const rss = cols.find((c) => c.key === 'rss')!;
    expect(titleFor(rss, 'rss', false)).toBe('RSS▼');
    expect(titleFor(rss, 'rss', true)).toBe('RSS▲');
    expect(titleFor(rss, 'risk', false)).toBe('RSS');
    expect(titleFor(cols.find((c) => c.key === 'cmd')!, 'name', false)).toBe('COMMAND▲');
    expect(plainHeader(layoutColumns(cols, 120), 'growth', false)).toContain('GROW/s▼');
  });
});
