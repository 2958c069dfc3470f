import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseVictim } from '../../src/guard/victim.js';
import { oomBadness } from '../../src/kernel/oom.js';
import type { Candidate } from '../../src/guard/types.js';

const base = { prefer: null, avoid: null, ignore: null, sortByRss: false };

const candidate = fc.record({
  pid: fc.integer({ min: 1, max: 50 }),
  startTimeTicks: fc.integer({ min: 0, max: 1000 }),
  name: fc.constantFrom('a', 'b', 'keep', 'x'),
  cmdline: fc.constantFrom('', '/bin/a', 'keep --me'),
  rssKiB: fc.integer({ min: 0, max: 1 << 22 }),
  swapKiB: fc.integer({ min: 0, max: 1 << 20 }),
  pteKiB: fc.integer({ min: 0, max: 1 << 12 }),
  oomScoreAdj: fc.oneof(fc.constant(null), fc.integer({ min: -1000, max: 1000 })),
  kernelThread: fc.boolean(),
  zombie: fc.boolean(),
}) as fc.Arbitrary<Candidate>;

describe('chooseVictim', () => {
  it('never returns a forbidden process, whatever the mix', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 30 }), fc.boolean(), (procs, byRss) => {
        const v = chooseVictim(procs, 1 << 22, { ...base, sortByRss: byRss, ignore: /keep/ }, new Set([7]));
        if (v === null) return true;
        const c = procs.find((p) => p.pid === v.pid && p.startTimeTicks === v.startTimeTicks)!;
        return (
          c.pid !== 1 && c.pid !== 7 && !c.kernelThread && !c.zombie && c.oomScoreAdj !== -1000 && !/keep/.test(c.name) && !/keep/.test(c.cmdline)
        );
      }),
    );
  });

  it('picks the maximum badness among allowed processes', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 30 }), (procs) => {
        const v = chooseVictim(procs, 1 << 22, base, new Set());
        const allowed = procs.filter((p) => p.pid > 1 && !p.kernelThread && !p.zombie && p.oomScoreAdj !== -1000);
        if (allowed.length === 0) return v === null;
        const points = (p: Candidate) => oomBadness({ ...p, pgtablesKiB: p.pteKiB }, (1 << 22) / 4)!;
        const max = Math.max(...allowed.map(points));
        return v !== null && points(procs.find((p) => p.pid === v.pid && p.startTimeTicks === v.startTimeTicks)!) === max;
      }),
    );
  });

  it('breaks ties towards the newest process, as the kernel does', () => {
    const mk = (pid: number, start: number): Candidate => ({
      pid, startTimeTicks: start, name: 'n', cmdline: '', rssKiB: 100, swapKiB: 0, pteKiB: 0, oomScoreAdj: 0, kernelThread: false, zombie: false,
    });
    expect(chooseVictim([mk(10, 5), mk(11, 9), mk(12, 7)], 1000, base, new Set())?.pid).toBe(11);
  });

  it('computes badness as the kernel does: pages, adj × ⌊totalpages / 1000⌋, per mille of totalpages', () => {
    const c: Candidate = {
      pid: 9, startTimeTicks: 1, name: 'n', cmdline: '', rssKiB: 100, swapKiB: 50, pteKiB: 50, oomScoreAdj: 100, kernelThread: false, zombie: false,
    };
    // 4000 KiB = 1000 pages: (25 + 12 + 12 pages + 100 × 1) × 1000 / 1000 pages.
    expect(chooseVictim([c], 4000, base, new Set())?.badnessPermille).toBe(149);
  });

  it('adj is worth ⌊totalpages / 1000⌋ pages, not a thousandth of the total (the kernel, not the guard, rounds)', () => {
    // 16 GiB of RAM: 4194304 pages, so adj +1000 adds 4194 × 1000 pages, 304 pages
    // (1.2 MiB) less than a thousandth of the total each. b has 200 pages more than a's
    // charge as the kernel counts it: the kernel kills b; KiB arithmetic chose a.
    const total = 16 << 20;
    const mk = (pid: number, rssKiB: number, adj: number): Candidate => ({
      pid, startTimeTicks: pid, name: 'n', cmdline: '', rssKiB, swapKiB: 0, pteKiB: 0, oomScoreAdj: adj, kernelThread: false, zombie: false,
    });
    const a = mk(20, 400 * 1024, 1000);
    const b = mk(10, 400 * 1024 + (4194 * 1000 + 200) * 4, 0);
    expect(chooseVictim([a, b], total, base, new Set())?.pid).toBe(10);
  });
});
