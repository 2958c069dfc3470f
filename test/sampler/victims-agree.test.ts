/**
 * The monitor's system victim (Sampler → proc/risk.ts), its per-cgroup victims (Sampler →
 * cgroup/analysis.ts) and the guard's dry-run choice (scope readers → decide() →
 * guard/victim.ts, no --prefer/--avoid) must name the same process for the same OOM: they
 * all compute through kernel/oom.ts. Each case writes a /proc tree and a v1 memory cgroup
 * tree whose oom_score files hold what the kernel would print for those figures, then runs
 * the real readers over them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProcCgroup } from '../../src/cgroup/proccgroup.js';
import type { MemoryHierarchy } from '../../src/cgroup/types.js';
import { INITIAL_STATE, decide } from '../../src/guard/decide.js';
import { CgroupScope, SystemScope, emptySample, type ScopeReader } from '../../src/guard/scope.js';
import type { GuardPolicy } from '../../src/guard/types.js';
import { oomBadness, oomRules, oomScoreFromPoints, systemOomTotalPages } from '../../src/kernel/oom.js';
import { Sampler } from '../../src/sampler/sampler.js';
import { makeFakeProc, type FakeProcess } from '../helpers/fakeproc.js';
import { policy } from '../guard/helpers.js';

const PAGE_KIB = 4;
const UNLIMITED = '9223372036854771712';
const PF_KTHREAD = 0x00200000;

/** The cgroups a process can be in; limits are drawn per case. "/top" may hold everything. */
const CGROUPS = ['/', '/a', '/a/b', '/a/b/c', '/d'] as const;

interface Proc {
  pid: number;
  start: number;
  rssPages: number;
  swapKiB: number;
  pteKiB: number;
  adj: number;
  kind: 'user' | 'kthread' | 'zombie';
  cgroup: (typeof CGROUPS)[number];
}

interface Limit {
  /** null: no limit of its own. */
  limitMiB: number | null;
  /** Usage as a share of the limit, 0..1 (never above the limit: the kernel reclaims or kills first). */
  fill: number;
  swappiness: number;
  /** v1 memsw limit over the memory limit, MiB; null: unlimited; undefined: no swap accounting. */
  memswExtraMiB: number | null | undefined;
}

interface Case {
  memTotalMiB: number;
  swapTotalMiB: number;
  procs: Proc[];
  limits: Record<string, Limit>;
  /** Put every cgroup under /top, limited to MemTotal: its OOM is the system's. */
  top: boolean;
}

// Figures with many ties and rounding edges: few distinct sizes and start times, page
// tables not a multiple of the page, the adj extremes and their neighbours.
const proc = fc.record({
  pid: fc.integer({ min: 2, max: 400 }),
  start: fc.integer({ min: 100, max: 104 }),
  rssPages: fc.oneof(fc.constantFrom(0, 1, 256, 257, 25_600), fc.integer({ min: 0, max: 200_000 })),
  swapKiB: fc.oneof(fc.constant(0), fc.constantFrom(4, 1024), fc.integer({ min: 0, max: 50_000 }).map((n) => n * 4)),
  pteKiB: fc.oneof(fc.constantFrom(0, 2, 4, 6, 64), fc.integer({ min: 0, max: 400 })),
  adj: fc.oneof(fc.constantFrom(-1000, -999, -500, -1, 0, 1, 500, 999, 1000), fc.integer({ min: -1000, max: 1000 })),
  kind: fc.constantFrom<Proc['kind']>('user', 'user', 'user', 'user', 'kthread', 'zombie'),
  cgroup: fc.constantFrom(...CGROUPS),
});

const limit = fc.record({
  limitMiB: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: null, freq: 3 }),
  fill: fc.double({ min: 0, max: 1, noNaN: true }),
  swappiness: fc.constantFrom(0, 60, 100),
  memswExtraMiB: fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: 0, max: 2048 })),
});

/** Copies of some processes under another pid, start time and cgroup: equal points, the tie rule decides. */
const twin = fc.record({ of: fc.nat(), pid: fc.integer({ min: 401, max: 800 }), start: fc.integer({ min: 100, max: 104 }), cgroup: fc.constantFrom(...CGROUPS) });

const testCase: fc.Arbitrary<Case> = fc
  .record({
    memTotalMiB: fc.integer({ min: 512, max: 65_536 }),
    swapTotalMiB: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8192 })),
    procs: fc.uniqueArray(proc, { selector: (p) => p.pid, minLength: 0, maxLength: 12 }),
    twins: fc.uniqueArray(twin, { selector: (t) => t.pid, maxLength: 4 }),
    limits: fc.record(Object.fromEntries(CGROUPS.filter((c) => c !== '/').map((c) => [c, limit])) as Record<string, fc.Arbitrary<Limit>>),
    top: fc.boolean(),
  })
  .map(({ twins, ...c }) => {
    const procs = [...c.procs];
    for (const t of twins) {
      const of = c.procs[t.of % Math.max(1, c.procs.length)];
      if (of) procs.push({ ...of, pid: t.pid, start: t.start, cgroup: t.cgroup });
    }
    return { ...c, procs };
  });

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const MiB = 1024;
const at = (top: boolean, path: string) => (top ? (path === '/' ? '/top' : `/top${path}`) : path);

function writeTrees(c: Case): { procRoot: string; h: MemoryHierarchy } {
  const rules = oomRules(null);
  const memTotalKiB = c.memTotalMiB * MiB;
  const swapTotalKiB = c.swapTotalMiB * MiB;
  const totalPages = systemOomTotalPages({ totalKiB: memTotalKiB, swapTotalKiB }, PAGE_KIB);
  const fake: FakeProcess[] = [{ pid: 1, comm: 'init', rssPages: 3000, oomScore: 0, startTime: 1, cgroup: `4:memory:${at(c.top, '/')}\n0::/\n` }];
  for (const p of c.procs) {
    const killableFigures = { pid: p.pid, rssKiB: p.rssPages * PAGE_KIB, swapKiB: p.swapKiB, pgtablesKiB: p.pteKiB, oomScoreAdj: p.adj };
    const points = p.kind === 'user' ? oomBadness(killableFigures, totalPages, PAGE_KIB, rules) : null;
    fake.push({
      pid: p.pid,
      comm: `p${p.pid}`,
      startTime: p.start,
      rssPages: p.rssPages,
      swapKiB: p.swapKiB,
      pteKiB: p.pteKiB,
      adj: p.adj,
      state: p.kind === 'zombie' ? 'Z' : 'S',
      ...(p.kind === 'kthread' ? { kernelThread: true, flags: PF_KTHREAD, ppid: 2 } : {}),
      // What the kernel prints: oomScoreFromPoints(oom_badness()), 0 for the unkillable.
      oomScore: oomScoreFromPoints(points, totalPages, rules),
      cgroup: `4:memory:${at(c.top, p.cgroup)}\n0::/\n`,
    });
  }
  const procRoot = makeFakeProc({ memTotalKiB, memAvailableKiB: 0, swapTotalKiB, swapFreeKiB: 0, processes: fake });
  roots.push(procRoot);
  writeFileSync(join(procRoot, 'sys', 'vm', 'swappiness'), '60\n');

  const cg = mkdtempSync(join(tmpdir(), 'oomtop-agree-cg-'));
  roots.push(cg);
  const dirs = c.top ? ['/', '/top', ...CGROUPS.filter((p) => p !== '/').map((p) => at(true, p))] : [...CGROUPS];
  for (const d of dirs) {
    const dir = join(cg, d);
    mkdirSync(dir, { recursive: true });
    const own = d === '/' ? undefined : d === '/top' ? undefined : c.limits[c.top ? d.slice('/top'.length) : d];
    const limitKiB = d === '/top' ? memTotalKiB : (own?.limitMiB ?? null) === null ? null : own!.limitMiB! * MiB;
    const usageKiB = limitKiB === null ? 1024 : Math.floor((limitKiB * (own?.fill ?? 0)) / PAGE_KIB) * PAGE_KIB;
    writeFileSync(join(dir, 'memory.usage_in_bytes'), `${usageKiB * 1024}\n`);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), limitKiB === null ? `${UNLIMITED}\n` : `${limitKiB * 1024}\n`);
    writeFileSync(join(dir, 'memory.stat'), 'total_inactive_file 0\n');
    writeFileSync(join(dir, 'memory.swappiness'), `${d === '/top' ? 60 : (own?.swappiness ?? 60)}\n`);
    if (own && own.memswExtraMiB !== undefined) {
      const memsw = own.memswExtraMiB === null || limitKiB === null ? UNLIMITED : String((limitKiB + own.memswExtraMiB * MiB) * 1024);
      writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), `${memsw}\n`);
      writeFileSync(join(dir, 'memory.memsw.usage_in_bytes'), `${usageKiB * 1024}\n`);
    }
    const pids = c.procs.filter((p) => at(c.top, p.cgroup) === d).map((p) => p.pid);
    if (d === (c.top ? '/top' : '/')) pids.push(1);
    writeFileSync(join(dir, 'cgroup.procs'), pids.map((p) => `${p}\n`).join(''));
  }
  return { procRoot, h: { version: 1, root: cg, hybrid: false, unifiedRoot: null, mountRoot: '/' } };
}

/**
 * The guard's dry-run choice for a scope: read it as the engine does, then decide with the
 * scope out of memory (the choice is under test here, not the level).
 */
function guardChoice(reader: ScopeReader, p: GuardPolicy): number | null {
  const s = emptySample();
  expect(reader.read(s, 1_000_000)).toBe(true);
  s.availableKiB = 0;
  const d = decide({ policy: p, state: INITIAL_STATE, sample: s, procs: reader.processes(), protectedPids: new Set(), scope: reader.label, oom: { pageKiB: PAGE_KIB, rules: oomRules(null) } });
  expect(d.level).toBe('kill');
  const a = d.actions[0];
  if (a === undefined) {
    expect(d.events.map((e) => e.event)).toContain('no-victim');
    return null;
  }
  expect(a.dry).toBe(true);
  return a.victim.pid;
}

describe('the monitor and the guard name the same victim', () => {
  it('property: system victim, per-cgroup victims and the guard dry-run choice agree', () => {
    fc.assert(
      fc.property(testCase, (c) => {
        const { procRoot, h } = writeTrees(c);
        const snap = new Sampler({
          procRoot,
          passwdPath: '/nonexistent-passwd',
          pageKiB: PAGE_KIB,
          hierarchy: h,
          memoryCgroupOf: (text) => parseProcCgroup(text, 1),
        }).sample({ full: true });
        const p: GuardPolicy = { ...policy(['--dry-run']), procRoot };

        // A system OOM: the monitor's V mark and the guard's system scope.
        expect(guardChoice(new SystemScope(p), p)).toBe(snap.nextVictimPid);

        // Each limited cgroup that is its own OOM domain: the monitor's C mark and a guard on it.
        let compared = 0;
        for (const cs of snap.cgroups) {
          if (cs.memory.limitKiB === null || cs.oomDomain !== cs.memory.path) continue;
          expect(guardChoice(new CgroupScope(h, cs.memory.path, p), p), cs.memory.path).toBe(cs.nextVictimPid);
          compared++;
        }
        // Everything under /top, limited to RAM (+ all swap): its OOM is the system's.
        if (c.top) {
          const top = snap.cgroups.find((x) => x.memory.path === '/top')!;
          expect(top.nextVictimPid).toBe(snap.nextVictimPid);
          expect(compared).toBeGreaterThan(0);
        }
        for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
