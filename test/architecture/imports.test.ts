import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of ARCHITECTURE.md, checked on the real import graph of src/. Data flows one
 * way (readers → sampler → store → views), actions go out through src/actions, and headless
 * subcommands never load Ink or React. A folder may import itself and the folders listed for it;
 * `import type` may also reach the folders in TYPE_ONLY (shapes, not code).
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(repo, 'src');

const READERS = ['proc', 'cgroup', 'kernel', 'text'];
const MAY_IMPORT: Record<string, string[]> = {
  text: [],
  // The readers are one layer: the kernel's OOM arithmetic (src/kernel/oom.ts) serves the
  // /proc and cgroup victims, and the kernel's readers use /proc's.
  proc: ['kernel', 'text'],
  cgroup: ['proc', 'kernel', 'text'],
  kernel: ['proc', 'text'],
  containers: ['cgroup', 'text'],
  actions: ['proc', 'text'],
  config: ['actions'],
  sampler: [...READERS, 'containers'],
  // The live forecast uses the history's pure analysis (src/history/analysis.ts, checked below).
  store: [...READERS, 'sampler', 'history'],
  guard: [...READERS, 'actions'],
  // The rules file: parser and matcher (pure), the applier writes through src/actions.
  rules: ['proc', 'cgroup', 'text', 'actions'],
  // systemd drop-ins (pure text) and the running systemd (sd_booted, systemctl, cgroup.procs);
  // a unit's processes get the drop-in's adj through src/actions.
  systemd: ['proc', 'text', 'actions'],
  // The TUI's save-a-rule key: the rules file, and a drop-in for a service.
  tui: [...READERS, 'containers', 'sampler', 'store', 'actions', 'guard', 'config', 'rules', 'systemd'],
  run: [...READERS, 'actions', 'guard'],
  // The exporter: the TUI's sampler, store and kernel-log follower (src/tui/kernel-events.ts
  // only; checked below), read by prom-client collectors at scrape time.
  exporter: [...READERS, 'containers', 'sampler', 'store', 'tui'],
  // The recording (SQLite), its analysis (pure) and the report; the store's bounded series.
  history: [...READERS, 'sampler', 'store'],
  ui: ['text', 'kernel', 'store', 'config'],
  cli: ['*'],
};
const TYPE_ONLY: Record<string, string[]> = {
  text: ['store'], // cells and columns format a store row
  ui: ['sampler', 'tui'], // sample shapes; the commands the keys call
};

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(import|export)(\s+type)?\s[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function edges(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4]!;
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec).replace(/\.js$/, '');
    if (!target.startsWith(src + '/')) continue; // a package reached by path (Ink's Output class)
    out.push({ from: file, to: target, typeOnly: Boolean(m[2]) });
  }
  return out;
}

/** The room of a file: its first folder under src/, or the file's own name for src/config.ts. */
const room = (p: string) => relative(src, p).split('/')[0]!.replace(/\.tsx?$/, '');

/** Every module a subcommand loads, following static and dynamic imports. */
function moduleGraph(entry: string, skip: readonly string[] = []): { local: Set<string>; packages: Set<string> } {
  const local = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (local.has(file) || skip.some((f) => file.endsWith(f))) continue;
    local.add(file);
    const text = readFileSync(file, 'utf8');
    // A "specifier" with a space is prose the loose pattern caught in a comment, not a package;
    // `import type` loads nothing at run time.
    for (const m of text.matchAll(/(?:import|export)\s(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec).replace(/\.js$/, '');
        todo.push(exists(`${base}.ts`) ? `${base}.ts` : `${base}.tsx`);
      } else if (!/\s/.test(spec)) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return { local, packages };
}
function exists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

describe('architecture', () => {
  const files = sources(src);
  const all = files.flatMap(edges);

  it('every folder of src/ has a rule', () => {
    const rooms = new Set(files.map(room));
    for (const r of rooms) expect(MAY_IMPORT, `src/${r} has no rule in this test`).toHaveProperty(r);
  });

  it('no folder imports from one its rule does not allow (the one-way flow)', () => {
    const bad = all.filter((e) => {
      const a = room(e.from);
      const b = room(e.to);
      if (a === b) return false;
      const allowed = MAY_IMPORT[a] ?? [];
      if (allowed.includes('*') || allowed.includes(b)) return false;
      return !(e.typeOnly && (TYPE_ONLY[a] ?? []).includes(b));
    });
    expect(bad.map((e) => `${relative(repo, e.from)} imports ${relative(repo, e.to)}${e.typeOnly ? ' (type)' : ''}`)).toEqual([]);
  });

  it('only src/actions writes oom_score_adj or sends signals', () => {
    const offenders = files.filter((f) => {
      const r = room(f);
      // cli: `oomtop run` forwards signals to the child it started; containers: a runtime CLI
      // that it started and that timed out.
      if (r === 'actions' || r === 'cli' || r === 'containers') return false;
      const text = readFileSync(f, 'utf8');
      return /process\.kill\(|writeFileSync\([^)]*oom_score_adj/.test(text);
    });
    expect(offenders.map((f) => relative(repo, f))).toEqual([]);
  });

  for (const [name, entry] of [
    ['analyze', 'src/cli/analyze.ts'],
    ['--once / --json', 'src/cli/once.ts'],
  ] as const) {
    it(`oomtop ${name} stays headless: neither ink nor react, directly or transitively`, () => {
      const g = moduleGraph(resolve(repo, entry));
      expect(g.local.size).toBeGreaterThan(3);
      for (const p of g.packages) expect(['ink', 'react', 'ink-testing-library'], `${name} loads package ${p}`).not.toContain(p);
      for (const f of g.local) expect(f).not.toMatch(/\/src\/(ui|tui)\//);
    });
  }

  // The long-running and the batch subcommands load no package but node: modules; the
  // guard (--rules) and `oomtop rules` also the TOML parser of the rules file.
  for (const [sub, allowed] of [['guard', ['smol-toml']], ['run', []], ['protect', []]] as const) {
    it(`oomtop ${sub} loads no package${allowed.length ? ` but ${allowed.join(', ')}` : ''}, no view and no store, directly or transitively`, () => {
      // The guard's --listen (src/cli/guard-exporter.ts) and --history (src/cli/history-beside.ts)
      // are imported only then: checked below.
      const g = moduleGraph(resolve(repo, `src/cli/${sub}.ts`), sub === 'guard' ? ['/src/cli/guard-exporter.ts', '/src/cli/history-beside.ts'] : []);
      expect(g.local.size).toBeGreaterThan(10);
      for (const p of g.packages) expect(p.startsWith('node:') || (allowed as readonly string[]).includes(p), `${sub} loads package ${p}`).toBe(true);
      for (const f of g.local) expect(f).not.toMatch(/\/src\/(ui|tui|store)\//);
    });
  }

  // `oomtop rules` (a service with --watch): node: modules and the TOML parser only.
  it('oomtop rules loads no package but smol-toml, no view and no store, directly or transitively', () => {
    const g = moduleGraph(resolve(repo, 'src/cli/rules.ts'));
    expect(g.local.size).toBeGreaterThan(10);
    for (const p of g.packages) expect(p.startsWith('node:') || p === 'smol-toml', `rules loads package ${p}`).toBe(true);
    expect(g.packages).toContain('smol-toml');
    for (const f of g.local) expect(f).not.toMatch(/\/src\/(ui|tui|store)\//);
  });

  // `oomtop exporter`: headless; prom-client and the store's zustand are its only packages, and
  // of the TUI it reaches the kernel-log follower alone (no host, no commands, no view).
  it('oomtop exporter stays headless: no ink or react, packages prom-client, zustand (the store), execa and string-width (readers, text) only, no view', () => {
    // Its --history recorder (src/cli/history-beside.ts, SQLite) is imported only then: checked below.
    const g = moduleGraph(resolve(repo, 'src/cli/exporter.ts'), ['/src/cli/history-beside.ts']);
    expect(g.local.size).toBeGreaterThan(10);
    // (A kernel log line quoted in a comment can look like `... from 'text'`: not a package name.)
    const names = [...g.packages].filter((p) => !/\s/.test(p));
    for (const p of names) expect(p.startsWith('node:') || ['prom-client', 'zustand', 'execa', 'string-width'].includes(p), `exporter loads package ${p}`).toBe(true);
    expect(g.packages).toContain('prom-client');
    for (const f of g.local) expect(f).not.toMatch(/\/src\/ui\//);
    expect([...g.local].filter((f) => /\/src\/tui\//.test(f)).map((f) => relative(repo, f))).toEqual(['src/tui/kernel-events.ts']);
  });

  it('oomtop guard reaches the exporter only through --listen (a dynamic import), and then loads no view', () => {
    const text = readFileSync(resolve(repo, 'src/cli/guard.ts'), 'utf8');
    expect(text).toMatch(/await import\('\.\/guard-exporter\.js'\)/);
    expect(text).not.toMatch(/from '\.\/guard-exporter\.js'/);
    const g = moduleGraph(resolve(repo, 'src/cli/guard-exporter.ts'));
    for (const p of g.packages) expect(['ink', 'react', 'ink-testing-library'], `guard --listen loads package ${p}`).not.toContain(p);
    for (const f of g.local) expect(f).not.toMatch(/\/src\/ui\//);
  });

  // record and report: headless, node: modules plus the SQLite binding, the chart and
  // src/text's cell width (string-width); no store (zustand) and no view. The
  // binding is loaded only by them (a dynamic import in src/history/db.ts), never by the
  // monitor's graph without --history, nor by the guard's.
  for (const sub of ['record', 'report'] as const) {
    it(`oomtop ${sub} loads no package but better-sqlite3, asciichart and string-width, no view, directly or transitively`, () => {
      const g = moduleGraph(resolve(repo, `src/cli/${sub}.ts`));
      expect(g.local.size).toBeGreaterThan(5);
      expect(g.packages).toContain('better-sqlite3');
      for (const p of g.packages) expect(p.startsWith('node:') || ['better-sqlite3', 'asciichart', 'string-width'].includes(p), `${sub} loads package ${p}`).toBe(true);
      for (const f of g.local) expect(f).not.toMatch(/\/src\/(ui|tui)\/|\/src\/store\/store\.ts$/);
    });
  }
  it('oomtop guard and oomtop exporter reach their --history recorder (the sampler, SQLite) only by a dynamic import', () => {
    for (const cmd of ['guard', 'exporter']) {
      const text = readFileSync(join(src, `cli/${cmd}.ts`), 'utf8');
      expect(text, cmd).toMatch(/await import\('\.\/history-beside\.js'\)/);
      expect(text, cmd).not.toMatch(/^import[^(]*history-beside/m);
    }
    const users = files.filter((f) => /history-beside\.js/.test(readFileSync(f, 'utf8')));
    expect(users.map((f) => relative(repo, f)).sort()).toEqual(['src/cli/exporter.ts', 'src/cli/guard.ts']);
    expect(moduleGraph(resolve(repo, 'src/cli/history-beside.ts')).packages).toContain('better-sqlite3');
    // Without --history, the exporter's graph has no SQLite.
    expect(moduleGraph(resolve(repo, 'src/cli/exporter.ts'), ['/src/cli/history-beside.ts']).packages).not.toContain('better-sqlite3');
  });

  it('the store reaches src/history only for its pure analysis (never the SQLite store)', () => {
    const bad = all.filter((e) => room(e.from) === 'store' && room(e.to) === 'history' && !e.to.endsWith('/src/history/analysis'));
    expect(bad.map((e) => `${relative(repo, e.from)} imports ${relative(repo, e.to)}`)).toEqual([]);
    const g = moduleGraph(resolve(repo, 'src/store/store.ts'));
    expect([...g.local].filter((f) => f.includes('/src/history/')).map((f) => relative(repo, f))).toEqual(['src/history/analysis.ts']);
  });

  it('better-sqlite3 is imported only by src/history/db.ts, and only dynamically', () => {
    const users = files.filter((f) => /from\s+['"]better-sqlite3['"]|import\(\s*['"]better-sqlite3['"]/.test(readFileSync(f, 'utf8')));
    expect(users.map((f) => relative(repo, f))).toEqual(['src/history/db.ts']);
    expect(readFileSync(join(src, 'history/db.ts'), 'utf8')).not.toMatch(/^import[^(]*['"]better-sqlite3['"]/m);
    // The guard without --history (its recorder is imported only then, checked below), --once.
    expect(moduleGraph(resolve(repo, 'src/cli/guard.ts'), ['/src/cli/history-beside.ts']).packages).not.toContain('better-sqlite3');
    expect(moduleGraph(resolve(repo, 'src/cli/once.ts')).packages).not.toContain('better-sqlite3');
  });

  it('oomtop run uses the guard engine and the cgroup readers (the module graph reaches them)', () => {
    const g = moduleGraph(resolve(repo, 'src/cli/run.ts'));
    expect([...g.local].some((f) => f.endsWith('/src/guard/engine.ts'))).toBe(true);
    expect([...g.local].some((f) => f.endsWith('/src/cgroup/mountinfo.ts'))).toBe(true);
  });
});
