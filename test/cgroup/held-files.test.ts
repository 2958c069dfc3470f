/**
 * The memory cgroup files read through held descriptors (ProcFiles.text, pread from offset
 * 0) give the same figures as open/read/close: on every cgroup of the v1, v2 and hybrid
 * fixture trees (the v2 file set: memory.current, max, high, swap.*, events, oom.group,
 * stat, pressure), and on real v1 cgroups this test makes, changed at random between reads
 * (limits, swappiness, oom_kill_disable, removed and made again under the same path).
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { listMemoryCgroups, readCgroupMemory, readCgroupsFor } from '../../src/cgroup/memory.js';
import { detectMemoryHierarchy, hierarchyFromRoot } from '../../src/cgroup/mountinfo.js';
import { ProcFiles } from '../../src/proc/handles.js';
import { canMakeMemcg, memcgSkipReason, V1_MEMORY } from '../helpers/memcg.js';
import { layout } from './fixtures.js';

describe('held cgroup files: fixtures', () => {
  for (const name of ['v1', 'v2', 'hybrid'] as const) {
    it(`${name}: every cgroup reads the same through held descriptors, twice (the second a pread of the held ones)`, () => {
      const h = hierarchyFromRoot(layout(name).cgroupRoot)!;
      // Held on purpose although these are regular files (the sampler holds only on a cgroupfs).
      const files = new ProcFiles('/proc');
      try {
        const paths = listMemoryCgroups(h);
        expect(paths.length).toBeGreaterThan(3);
        const fresh = readCgroupsFor(h, paths);
        expect(fresh.size).toBeGreaterThan(2);
        for (let tick = 0; tick < 2; tick++) {
          const held = readCgroupsFor(h, paths, { files });
          expect(held).toEqual(fresh);
          files.endTick();
        }
        // Ten-odd files per cgroup, all held, none twice.
        expect(files.size).toBeGreaterThan(3 * fresh.size);
        for (const p of paths) expect(readCgroupMemory(h, p, { files })).toEqual(readCgroupMemory(h, p));
      } finally {
        files.close();
      }
      expect(files.size).toBe(0);
    });
  }
});

const made: string[] = [];
afterAll(() => {
  for (const d of made.reverse()) {
    try {
      rmdirSync(d);
    } catch {
      /* removed by the test */
    }
  }
});

describe.skipIf(!canMakeMemcg)('held cgroup files: real v1 cgroups', () => {
  if (memcgSkipReason) console.log(`real v1 held-file test skipped: ${memcgSkipReason}`);

  it('held and fresh reads agree after any sequence of changes, removals and re-creations (property)', () => {
    const h = detectMemoryHierarchy('/proc')!;
    expect(h.version).toBe(1);
    const base = `/oomtop-held-${randomBytes(4).toString('hex')}`;
    const parent = join(V1_MEMORY, base);
    mkdirSync(parent);
    made.push(parent);
    writeFileSync(join(parent, 'memory.limit_in_bytes'), String(256 << 20));
    const kids = ['a', 'b'];
    const dir = (k: string) => join(parent, k);
    for (const k of kids) {
      mkdirSync(dir(k));
      made.push(dir(k));
    }
    const paths = [base, ...kids.map((k) => `${base}/${k}`)];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('limit' as const), kid: fc.constantFrom(...kids), mib: fc.integer({ min: 1, max: 512 }) }),
      fc.record({ kind: fc.constant('swappiness' as const), kid: fc.constantFrom(...kids), v: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('oomOff' as const), kid: fc.constantFrom(...kids), v: fc.constantFrom(0, 1) }),
      fc.record({ kind: fc.constant('recreate' as const), kid: fc.constantFrom(...kids), read: fc.boolean() }),
    );
    const files = new ProcFiles('/proc');
    try {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), (ops) => {
          for (const o of ops) {
            const d = dir(o.kid);
            if (o.kind === 'limit') writeFileSync(join(d, 'memory.limit_in_bytes'), String(o.mib << 20));
            else if (o.kind === 'swappiness') writeFileSync(join(d, 'memory.swappiness'), String(o.v));
            else if (o.kind === 'oomOff') writeFileSync(join(d, 'memory.oom_control'), String(o.v));
            else {
              rmdirSync(d);
              // Removed and read (a tick that finds it gone), or made again before any read.
              if (o.read) expect(readCgroupMemory(h, `${base}/${o.kid}`, { files })).toBeNull();
              mkdirSync(d);
            }
            // Each of the three on its own (the root, an ancestor, moves with the whole box).
            const held = paths.map((p) => readCgroupMemory(h, p, { files, pressure: false }));
            const fresh = paths.map((p) => readCgroupMemory(h, p, { pressure: false }));
            expect(held.every((m) => m !== null)).toBe(true);
            expect(held).toEqual(fresh);
            files.endTick();
          }
        }),
        { numRuns: 25 },
      );
      // Only live cgroups' files are held: three cgroups, about ten files each.
      expect(files.size).toBeGreaterThan(3 * 5);
      expect(files.size).toBeLessThanOrEqual(3 * 12);
    } finally {
      files.close();
    }
  });

  it('hybrid: the PSI of the same-named cgroup of the v2 tree through a held cgroup2 file; removed and made again, read afresh', () => {
    const h = detectMemoryHierarchy('/proc')!;
    if (h.unifiedRoot === null) return; // no v2 tree beside v1 here: nothing of cgroup2 to hold
    const name = `oomtop-held-${randomBytes(4).toString('hex')}`;
    const v1dir = join(V1_MEMORY, name);
    const v2dir = join(h.unifiedRoot, name);
    const psi = join(v2dir, 'memory.pressure');
    const make = () => {
      mkdirSync(v1dir);
      made.push(v1dir);
      mkdirSync(v2dir);
      made.push(v2dir);
    };
    make();
    if (!existsSync(psi)) return; // a kernel without PSI
    const files = new ProcFiles('/proc');
    try {
      const held = readCgroupMemory(h, `/${name}`, { files });
      expect(held?.pressure).not.toBeNull();
      expect(held).toEqual(readCgroupMemory(h, `/${name}`));
      expect(files.holdsPath(psi)).toBe(true);
      files.endTick();
      rmdirSync(v2dir);
      rmdirSync(v1dir);
      // Gone: the held descriptors read ENODEV and the paths are gone too.
      expect(readCgroupMemory(h, `/${name}`, { files })).toBeNull();
      expect(files.text(psi)).toBeNull();
      expect(files.holdsPath(psi)).toBe(false);
      files.endTick();
      expect(files.size).toBe(0);
      make();
      writeFileSync(join(v1dir, 'memory.limit_in_bytes'), String(24 << 20));
      // Read once (held), removed and made again before the next read: the old descriptors
      // read ENODEV and the new cgroups' files are opened.
      expect(readCgroupMemory(h, `/${name}`, { files })?.limitKiB).toBe(24 * 1024);
      files.endTick();
      rmdirSync(v2dir);
      rmdirSync(v1dir);
      make();
      writeFileSync(join(v1dir, 'memory.limit_in_bytes'), String(12 << 20));
      const again = readCgroupMemory(h, `/${name}`, { files });
      expect(again?.limitKiB).toBe(12 * 1024);
      expect(again?.pressure).not.toBeNull();
      expect(again).toEqual(readCgroupMemory(h, `/${name}`));
      expect(files.holdsPath(psi)).toBe(true);
    } finally {
      files.close();
    }
  });
});
