import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Sampler } from '../../src/sampler/sampler.js';
import { cgroupChain, processDetail } from '../../src/store/detail.js';
import { ProcessHistories } from '../../src/store/history.js';
import { treeRows, type Row } from '../../src/store/rows.js';
import { createOomtopStore } from '../../src/store/store.js';
import type { CgroupSample, Snapshot } from '../../src/sampler/types.js';
import { processDetailLines, wrapCells } from '../../src/ui/ProcessDetail.js';
import { width } from '../../src/text/format.js';
import { killStarted, startHog } from '../helpers/children.js';

afterAll(killStarted);

function row(pid: number, ppid: number, extra: Partial<Row> = {}): Row {
  return {
    key: `${pid}:${pid * 10}`, nextVictim: false, growthKiBps: null,
    pid, startTimeTicks: pid * 10, name: `p${pid}`, cmdline: `/bin/p${pid}`, state: 'S', ppid, pgrp: pid, uid: 0, user: 'root',
    oomScore: 666, oomScoreAdj: 0, badnessPermille: 0, rssKiB: 1000 * pid, anonKiB: null, fileKiB: null, shmemKiB: null,
    swapKiB: 0, pgtablesKiB: 0, cgroup: null, detailTime: 0, limitPct: null, danger: 0, cgroupVictim: false, container: null, ...extra,
  };
}

describe('tree view', () => {
  it('puts processes under their nearest shown ancestor, siblings in the given order, with branch prefixes', () => {
    // 1 ─ 10 ─ 11, 10 ─ 12 ─ (13 hidden) ─ 14; 20 is an orphan of a pid not seen.
    const all = [row(1, 0), row(10, 1), row(11, 10), row(12, 10), row(13, 12), row(14, 13), row(20, 999)];
    const shown = [row(20, 999), all[3]!, all[0]!, all[2]!, all[1]!, all[5]!].map((r) => all.find((a) => a.pid === r.pid) ?? r);
    const { rows, prefix } = treeRows(shown, all);
    expect(rows.map((r) => r.pid)).toEqual([20, 1, 10, 12, 14, 11]);
    const p = (pid: number) => prefix.get(rows.find((r) => r.pid === pid)!.key) ?? '';
    expect(p(1)).toBe('');
    expect(p(10)).toBe('└─ ');
    expect(p(12)).toBe('   ├─ ');
    expect(p(14)).toBe('   │  └─ ');
    expect(p(11)).toBe('   └─ ');
  });

  it('survives a loop of parents (reused PIDs) and keeps every row', () => {
    const all = [row(5, 6), row(6, 5)];
    const { rows } = treeRows(all, all);
    expect(rows.map((r) => r.pid).sort()).toEqual([5, 6]);
  });

  it('is a view setting of the store: t toggles it and the rows come in tree order', () => {
    const store = createOomtopStore();
    const procs = [row(1, 0, { danger: 1 }), row(30, 1, { danger: 5 }), row(31, 30, { danger: 9 })];
    const snap = { seq: 1, time: 1000, processes: procs, nextVictimPid: null, cgroups: [], costMs: 1, warnings: [], system: { kernel: null, scale: 'v5.9', memory: null, pressure: null, oomKills: 0, settings: {} } } as unknown as Snapshot;
    store.getState().applySnapshot(snap);
    expect(store.getState().rows.map((r) => r.pid)).toEqual([31, 30, 1]);
    store.getState().setView({ tree: true });
    expect(store.getState().rows.map((r) => r.pid)).toEqual([1, 30, 31]);
    expect(store.getState().treePrefix?.get(procs[2]!.key)).toBe('   └─ ');
    store.getState().setView({ tree: false });
    expect(store.getState().treePrefix).toBeNull();
  });
});

describe('process details', () => {
  it("does the kernel's arithmetic for a real process and gets the kernel's own oom_score", async () => {
    const hog = await startHog(48);
    writeFileSync(`/proc/${hog.pid}/oom_score_adj`, '300');
    const sampler = new Sampler({ procRoot: '/proc' });
    try {
      const snap = sampler.sample({ full: true });
      const p = snap.processes.find((x) => x.pid === hog.pid)!;
      const history = new ProcessHistories();
      history.observe(p, snap.time, false);
      const m = processDetail(p, snap, history, 4);
      const s = m.system!;
      const mem = snap.system.memory!;
      expect(s.totalPages).toBe(Math.floor((mem.totalKiB + mem.swapTotalKiB) / 4));
      expect(s.adjPages).toBe(300 * Math.floor(s.totalPages / 1000));
      expect(s.points).toBe(s.rssPages + s.swapPages + s.pgtablesPages + s.adjPages);
      expect(s.rssPages).toBeGreaterThan((48 * 1024) / 4);
      // The figures are oomtop's, the score the kernel's: they agree on a quiet process.
      expect(s.expectedScore).toBe(Number(readFileSync(`/proc/${hog.pid}/oom_score`, 'utf8')));
      expect(m.rank).toBeGreaterThanOrEqual(1);
      const lines = processDetailLines(m, 80, 1).map((l) => l.text);
      for (const l of lines) expect(width(l)).toBeLessThanOrEqual(80);
      expect(lines.join('\n')).toContain(`oom_score = (1000 + ${s.permille}) × 2/3 = ${s.expectedScore}; the kernel's oom_score reads ${p.oomScore}`);
      expect(lines.join('\n')).toMatch(/History: the last 1 samples/);
    } finally {
      sampler.close();
    }
  });

  it('lists the cgroup chain root first with limits, marking the OOM domain', () => {
    const cg = (path: string, limitKiB: number | null, oomDomain: string | null): CgroupSample =>
      ({ memory: { path, usageKiB: 1000, limitKiB, workingSetKiB: 500, version: 1 }, oomDomain, label: path, processCount: 1, domainFillPct: null, headroomKiB: null, nextVictimPid: null }) as unknown as CgroupSample;
    const chain = cgroupChain('/a/b', [cg('/a/b', null, '/a'), cg('/', null, null), cg('/a', 2048, '/a')]);
    expect(chain.map((c) => [c.path, c.limitKiB, c.isDomain])).toEqual([['/', null, false], ['/a', 2048, true], ['/a/b', null, false]]);
  });

  it('labels the growth with its unit and window, and draws labelled sparklines from the history', () => {
    const p = row(42, 1, { rssKiB: 5000 });
    const history = new ProcessHistories();
    for (let i = 0; i < 12; i++) history.observe({ ...p, rssKiB: 5000 + 1024 * i, oomScore: 666 + (i > 6 ? 1 : 0) }, 1000 * i, false);
    const m = processDetail(p, null, history, 4);
    expect(m.growth).toMatchObject({ samples: 10, seconds: 9 });
    expect(m.growth!.kibPerSec).toBeCloseTo(1024, 6);
    const text = processDetailLines(m, 100, 1).map((l) => l.text).join('\n');
    expect(text).toContain('History: the last 12 samples, over 11 s');
    expect(text).toMatch(/RSS\s+▁▂▂▃▄▄▅▅▆▇▇█  4.9M … 16M, now 16M/);
    expect(text).toMatch(/oom_score ▁{7}█{5}  666 … 667, now 667/);
    expect(text).toContain('GROW/s    +1.0M/s: the RSS slope over the last 10 samples (9 s)');
  });

  it('with a recording (--history), shows the recorded RSS of its own process as a sparkline over the span it covers', () => {
    const p = row(42, 1, { rssKiB: 5000 });
    const history = new ProcessHistories();
    // Six hours, a point a minute, rising from 1000 to 7000 KiB.
    const times = Array.from({ length: 361 }, (_, i) => Date.UTC(2026, 0, 1) + i * 60_000);
    const rssKiB = times.map((_, i) => 1000 + (6000 * i) / 360);
    const text = (r: { key: string; times: number[]; rssKiB: number[] } | null) => processDetailLines(processDetail(p, null, history, 4, r), 100, 1).map((l) => l.text).join('\n');
    const shown = text({ key: p.key, times, rssKiB });
    expect(shown).toContain('Recorded history (--history): 6.0 h, 361 points (oldest left)');
    // 60 cells at 100 columns (mean per cell), lowest to highest.
    const line = /RSS (\S+)  1.0M … 6.8M, now 6.8M/.exec(shown);
    expect(line, shown).not.toBeNull();
    expect([...line![1]!]).toHaveLength(60);
    expect(line![1]!.startsWith('▁')).toBe(true);
    expect(line![1]!.endsWith('█')).toBe(true);
    // Another process's recording, or none, or a single point: no such section.
    expect(text({ key: '7:70', times, rssKiB })).not.toContain('Recorded history');
    expect(text(null)).not.toContain('Recorded history');
    expect(text({ key: p.key, times: times.slice(0, 1), rssKiB: rssKiB.slice(0, 1) })).not.toContain('Recorded history');
  });

  it('wraps a long command line without losing a character', () => {
    const cmd = `/opt/app/bin/server ${'--flag=value '.repeat(12)}/a/very/long/path/${'x'.repeat(90)}`;
    const pieces = wrapCells(cmd, 40);
    for (const p of pieces) expect(width(p)).toBeLessThanOrEqual(40);
    expect(pieces.join('').replace(/ /g, '')).toBe(cmd.replace(/ /g, ''));
  });
});
