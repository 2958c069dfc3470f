/**
 * The fuzz list is exhaustive: every exported parse* function of the folders that read outside
 * input (/proc, cgroup files, kernel logs, rules files, runtimes' answers, the command line)
 * is named by a fuzz target (test/fuzz/targets.ts), so a new parser cannot land unfuzzed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targets } from './targets.js';

const repo = resolve(import.meta.dirname, '../..');
const FOLDERS = ['src/proc', 'src/cgroup', 'src/kernel', 'src/rules', 'src/containers', 'src/run', 'src/cli', 'src/store', 'src/sampler'];

describe('fuzz coverage', () => {
  it('names every exported parse* function of the readers, the rules and the CLI', () => {
    const exported: string[] = [];
    for (const dir of FOLDERS) {
      for (const f of readdirSync(join(repo, dir))) {
        if (!f.endsWith('.ts')) continue;
        const src = readFileSync(join(repo, dir, f), 'utf8');
        for (const m of src.matchAll(/^export (?:async )?function (parse\w*)\(/gm)) exported.push(m[1]!);
      }
    }
    const list = targets();
    try {
      const covered = new Set(list.flatMap((t) => t.covers));
      expect(exported.length).toBeGreaterThan(30);
      expect(exported.filter((name) => !covered.has(name))).toEqual([]);
    } finally {
      for (const t of list) t.cleanup?.();
    }
  });
});
