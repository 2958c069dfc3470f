import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { parseRunArgs, splitCommand } from '../../src/cli/run-args.js';

describe('oomtop run arguments', () => {
  it('goes through the one option parser: a 26,000-character option is a usage error at once (npm run fuzz: 2 s in node parseArgs)', () => {
    const t0 = performance.now();
    expect(() => parseRunArgs(['--json', `-${')'.repeat(26_000)}--swap`, '--memory', '1G', '--', 'true'])).toThrow(/an argument of 26007 characters \(at most 4096\)/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('splits at -- or at the first word that is not an option', () => {
    expect(splitCommand(['--memory', '1G', '--', 'make', '-j4'])).toEqual({ own: ['--memory', '1G'], command: ['make', '-j4'] });
    expect(splitCommand(['--memory', '1G', 'make', '-j4'])).toEqual({ own: ['--memory', '1G'], command: ['make', '-j4'] });
    expect(splitCommand(['--memory=1G', '--json', 'ls', '--', 'x'])).toEqual({ own: ['--memory=1G', '--json'], command: ['ls', '--', 'x'] });
    expect(splitCommand(['--memory', '1G', '--', '--weird'])).toEqual({ own: ['--memory', '1G'], command: ['--weird'] });
  });
  it('parses the budget, flags and command', () => {
    const a = parseRunArgs(['--memory', '512M', '--high', '400M', '--swap', '0', '--name', 'nightly', '--json', '--', 'sh', '-c', 'exit 3']);
    expect(a).toMatchObject({
      memory: { kind: 'bytes', bytes: 512 * 2 ** 20 },
      high: { kind: 'bytes', bytes: 400 * 2 ** 20 },
      swap: { kind: 'bytes', bytes: 0 },
      name: 'nightly',
      json: true,
      guard: false,
      status: true,
      command: ['sh', '-c', 'exit 3'],
    });
    expect(parseRunArgs(['--memory', '50%', '--guard-opts=--mem-term 20', 'true'])).toMatchObject({ memory: { kind: 'percent', pct: 50 }, guard: true, guardOpts: ['--mem-term', '20'] });
    expect(parseRunArgs(['--memory', '1G', '--swap', 'infinity', 'true']).swap).toBeNull();
    // The value after a blank, as --help writes it (node's parseArgs alone calls it ambiguous).
    expect(parseRunArgs(['--memory', '1G', '--guard-opts', '--mem-term 20', '--', 'true'])).toMatchObject({ guardOpts: ['--mem-term', '20'], command: ['true'] });
    // Split as a shell splits words: a handler command keeps its blanks.
    expect(parseRunArgs(['--memory', '1G', `--guard-opts=--mem-term 20 --on-level 'high=kill -USR1 "$PPID"'`, 'true']).guardOpts).toEqual(['--mem-term', '20', '--on-level', 'high=kill -USR1 "$PPID"']);
    expect(parseRunArgs(['--help']).help).toBe(true);
  });
  it('refuses what cannot be run, with one clear line', () => {
    const bad: [string[], RegExp][] = [
      [['--', 'true'], /--memory SIZE is required/],
      [['--memory', 'lots', '--', 'true'], /--memory: "lots" is not a size/],
      [['--memory', 'infinity', '--', 'true'], /--memory: infinity is no budget/],
      [['--memory', '1G'], /no command/],
      [['--memory', '1G', '--', ''], /empty string/],
      [['--memory', '1G', '--name', '../x', '--', 'true'], /--name: "..\/x" is not a usable name/],
      [['--memory', '1G', '--guard-opts=--cgroup /x', '--', 'true'], /--guard-opts: --cgroup is not allowed here/],
      [['--memory', '1G', '--guard-opts=--listen 127.0.0.1:10173', '--', 'true'], /--guard-opts: --listen is for oomtop guard and oomtop exporter/],
      [['--memory', '1G', '--bogus', '--', 'true'], /Unknown option '--bogus'/],
      [['--memory', '1G', `--guard-opts=--on-level 'high=x`, '--', 'true'], /--guard-opts: a ' is not closed/],
      [['--memory', '1G', '--high', '2X', '--', 'true'], /--high: "2X" is not a size/],
    ];
    for (const [argv, msg] of bad) {
      expect(() => parseRunArgs(argv), argv.join(' ')).toThrow(UsageError);
      expect(() => parseRunArgs(argv)).toThrow(msg);
    }
  });
});

describe.skipIf(!existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js')))('oomtop run on the command line', () => {
  const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
  const run = (args: string[]) => spawnSync(process.execPath, [bin, 'run', ...args], { encoding: 'utf8', timeout: 20_000 });
  it('prints its help', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const w of ['--memory SIZE', '--high SIZE', '--swap SIZE', '--name NAME', '--json', '--guard', '128+signal']) expect(r.stdout).toContain(w);
  });
  it('exits 2 with one line on bad options, before making any cgroup', () => {
    for (const args of [['--', 'true'], ['--memory', 'x', '--', 'true'], ['--memory', '1G'], ['--memory', '1G', '--what', '--', 'true']]) {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^oomtop run: /);
    }
  });
});
