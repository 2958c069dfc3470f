import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTmux } from '../helpers/tmux.js';

const repo = resolve(import.meta.dirname, '../..');
const built = existsSync(join(repo, 'dist/cli/main.js'));
if (!hasTmux) console.warn('tmux is not installed: skipping the short soak');

/**
 * The short soak that CI runs every time (`npm run soak` is the long one): the real TUI at
 * --interval 0.1 for two minutes under process, PID-reuse and cgroup churn with real OOM kills.
 * Before the store's histories were bounded, this much churn kept ~10,000 dead processes'
 * histories (about 10 MiB); the bound here is generous, so only a leak fails it.
 */
describe.skipIf(!hasTmux || !built)('short soak', () => {
  it('keeps the heap floor within 4 MiB, never crashes, and still answers keys', () => {
    const out = mkdtempSync(join(tmpdir(), 'oomtop-soak-'));
    try {
      const r = spawnSync('node', [join(repo, 'bench/soak.mjs'), '--seconds', '120', '--interval', '0.1', '--rate', '80', '--out', out], { encoding: 'utf8', timeout: 240_000 });
      const summary = JSON.parse(readFileSync(join(out, 'soak-latest.json'), 'utf8'));
      console.log(`short soak: ${summary.ticks} ticks, heap floor ${summary.heapFloorMiB.first} -> ${summary.heapFloorMiB.last} MiB, rss max ${summary.rssMiB.max} MiB, histories max ${summary.historiesMax}, fds max ${summary.fds.max}`);
      expect(summary.crashed).toBe(false);
      expect(summary.exitStatus).toBe(0);
      expect(summary.answersKeys).toBe(true);
      expect(summary.ticks).toBeGreaterThan(300);
      expect(summary.heapGrowthMiB).toBeLessThanOrEqual(4);
      // Live processes, plus the two graveyard tiers (256 + 1024).
      expect(summary.historiesMax).toBeLessThanOrEqual(summary.processes.max + 1280);
      // Held descriptors: two per live process and the files of each cgroup read (at most 16, the root too),
      // no more; everything else (terminal, kernel log, pipes) a bounded base.
      expect(summary.fds.maxHeldOverLive).toBeLessThanOrEqual(0);
      expect(summary.fds.maxNotHeld).toBeLessThan(64);
      // The guard (dry run, every cgroup), the exporter (scraped every second) and the recorder
      // under the same churn: alive, their heap floors (each measures itself) within 4 MiB. RSS
      // is only bounded loosely: V8 grows old space for a while before it collects it.
      for (const name of ['guard', 'exporter', 'recorder'] as const) {
        const p = summary[name];
        console.log(`short soak ${name}: heap floor ${p.heapFloorMiB.first} -> ${p.heapFloorMiB.last} MiB, rss ${p.rssMiB.first} -> ${p.rssMiB.last} MiB, fds max ${p.fdsMax}`);
        expect(p.alive, name).toBe(true);
        expect(p.heapGrowthMiB, name).toBeLessThanOrEqual(4);
        expect(p.rssMiB.last - p.rssMiB.first, name).toBeLessThanOrEqual(24);
      }
      expect(summary.exporter.scrapes).toBeGreaterThan(60);
      expect(summary.exporter.scrapeFailures).toBe(0);
      expect(r.status).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
