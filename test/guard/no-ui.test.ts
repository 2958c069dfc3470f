import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every module a subcommand loads, following static and dynamic imports of its sources. */
function moduleGraph(entry: string): { local: Set<string>; packages: Set<string> } {
  const local = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (local.has(file)) continue;
    local.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec.split('/')[0]!);
    }
  }
  return { local, packages };
}

describe.each(['guard', 'run'])('oomtop %s stays headless', (sub) => {
  it('loads neither ink nor react, nor any package, directly or transitively', () => {
    const g = moduleGraph(resolve(repo, `src/cli/${sub}.ts`));
    expect(g.local.size).toBeGreaterThan(10);
    for (const p of g.packages) expect(p.startsWith('node:'), `${sub} loads package ${p}`).toBe(true);
    for (const f of g.local) expect(f).not.toMatch(/\/src\/(ui|app|tui|store)\//);
  });
});

it('oomtop run uses the guard engine (the module graph reaches it)', () => {
  const g = moduleGraph(resolve(repo, 'src/cli/run.ts'));
  expect([...g.local].some((f) => f.endsWith('/src/guard/engine.ts'))).toBe(true);
  expect([...g.local].some((f) => f.endsWith('/src/cgroup/mountinfo.ts'))).toBe(true);
});
