import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe('the npm package', () => {
  it('ships the built CLI, the unit file and the README, and no tests or sources', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    for (const f of ['bin/oomtop.js', 'dist/bundle/main.js', 'dist/cli/main.js', 'dist/cli/guard.js', 'dist/cli/analyze.js', 'dist/cli/run.js', 'contrib/oomtop-guard.service', 'contrib/oomtop-rules.service', 'contrib/rules.toml', 'dist/cli/rules.js', 'dist/cli/protect.js', 'dist/cli/exporter.js', 'contrib/oomtop-exporter.service', 'contrib/prometheus/oomtop-alerts.yml', 'contrib/grafana/oomtop.json', 'contrib/kubernetes/oomtop-exporter.yaml', 'README.md', 'package.json']) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('node_modules/'))).toBe(false);
  });

  it('declares the bin, engines and runtime dependencies only', () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ oomtop: 'bin/oomtop.js' });
    expect(pkg.engines.node).toBe('>=20.19');
    expect(readFileSync(resolve(root, 'bin/oomtop.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env -S node( --[a-z0-9-]+(=\d+)?)*\n/);
    for (const dev of ['vitest', 'typescript', 'ink-testing-library', 'fast-check', 'esbuild']) expect(pkg.dependencies[dev]).toBeUndefined();
  });
});
