import { describe, expect, it } from 'vitest';
import { parseGuardArgs } from '../../src/cli/guard-args.js';
import { UsageError } from '../../src/cli/errors.js';
import { describeThresholds } from '../../src/guard/policy.js';

function err(argv: string[]): string {
  try {
    parseGuardArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseGuardArgs', () => {
  it('history: none by default and with --no-history; --history PATH with its cap; --no-history beside --history refused', () => {
    for (const argv of [[], ['--no-history']]) {
      const r = parseGuardArgs(argv);
      if (r.help) throw new Error('help');
      expect(r.history, argv.join(' ')).toBeNull();
    }
    const r = parseGuardArgs(['--history', '/tmp/g.db', '--history-max-mib', '8']);
    if (r.help) throw new Error('help');
    expect(r.history).toEqual({ path: '/tmp/g.db', maxBytes: 8 * 1024 * 1024 });
    expect(err(['--history', '/tmp/g.db', '--no-history'])).toMatch(/contradict/);
  });

  it('defaults: system scope, earlyoom thresholds 10/5, term timeout 5 s, intercept on', () => {
    const r = parseGuardArgs([]);
    if (r.help) throw new Error('help');
    expect(r.policy.scopes).toEqual([{ kind: 'system' }]);
    expect(r.policy.memTerm).toEqual({ pct: 10, kib: null });
    expect(r.policy.memKill).toEqual({ pct: 5, kib: null });
    expect(r.policy.swapKill).toEqual({ pct: 5, kib: null });
    expect(r.policy.termTimeoutMs).toBe(5000);
    expect(r.policy.intercept).toBe(true);
    expect(r.policy.dryRun).toBe(false);
  });

  it('--cgroup is repeatable and replaces the system scope unless --scope system is given', () => {
    const a = parseGuardArgs(['--cgroup', '/a', '--cgroup', '/b']);
    expect(!a.help && a.policy.scopes).toEqual([
      { kind: 'cgroup', path: '/a' },
      { kind: 'cgroup', path: '/b' },
    ]);
    const b = parseGuardArgs(['--scope', 'system', '--cgroup', '/a']);
    expect(!b.help && b.policy.scopes.map((s) => s.kind)).toEqual(['system', 'cgroup']);
    const c = parseGuardArgs(['--all-cgroups']);
    expect(!c.help && c.policy.scopes).toEqual([]);
  });

  it('KILL defaults to half of TERM; sizes alone replace percentages', () => {
    const r = parseGuardArgs(['--mem-term', '20', '--swap-term-mib', '100']);
    if (r.help) throw new Error('help');
    expect(r.policy.memKill).toEqual({ pct: 10, kib: null });
    expect(r.policy.swapTerm).toEqual({ pct: null, kib: 100 * 1024 });
    expect(r.policy.swapKill).toEqual({ pct: null, kib: 50 * 1024 });
    expect(describeThresholds(r.policy)).toBe('mem 20%/10% swap 100MiB/50MiB');
  });

  it.each([
    [['--mem-term', '101'], /out of range/],
    [['--mem-kill=-1'], /out of range/],
    [['--mem-term', 'ten'], /not a number/],
    [['--mem-term', '5', '--mem-kill', '10'], /below --mem-kill/],
    [['--swap-term', '2', '--swap-kill', '3'], /below --swap-kill/],
    [['--mem-term-mib', '10', '--mem-kill-mib', '20'], /below --mem-kill-mib/],
    [['--prefer', '(unclosed'], /--prefer: invalid regular expression/],
    [['--ignore', '['], /--ignore: invalid regular expression/],
    [['--scope', 'pod'], /not a scope/],
    [['--psi-duration', '3'], /needs --psi-full/],
    [['--term-timeout', '0'], /out of range/],
    [['--min-interval', '500', '--max-interval', '100'], /above --max-interval/],
    [['--bogus'], /Unknown option/],
    [['--cgroup', ''], /empty path/],
  ])('rejects %j with one line', (argv, re) => {
    const m = err(argv);
    expect(m).toMatch(re);
    expect(m).not.toContain('\n');
  });

  it('asks for help with -h', () => {
    expect(parseGuardArgs(['-h'])).toEqual({ help: true });
  });

  it('takes a negative number as the value of an option that takes one, and says when it is out of range', () => {
    expect(err(['--mem-kill', '-1'])).toBe('--mem-kill: -1 is out of range (0..100)');
    expect(err(['--term-timeout', '-5'])).toBe('--term-timeout: -5 is out of range (0.01..3600)');
    expect(err(['--assume-rate', '-0.5'])).toMatch(/^--assume-rate: -0.5 is out of range/);
    // Only options that take a number: a dash after --prefer is still an option (node's hint kept).
    expect(err(['--prefer', '-1'])).toMatch(/argument is ambiguous.*--prefer=-XYZ/);
  });
});

describe('parseGuardArgs: --rules', () => {
  it('takes a path and an interval', () => {
    const r = parseGuardArgs(['--rules', '/etc/oomtop/rules.toml', '--rules-interval', '0.5']);
    expect(r.help === false && r.rules).toEqual({ path: '/etc/oomtop/rules.toml', intervalMs: 500 });
    const none = parseGuardArgs([]);
    expect(none.help === false && none.rules).toBeNull();
  });
  it('rejects an interval without rules, an empty path, an interval out of range', () => {
    expect(err(['--rules-interval', '1'])).toBe('--rules-interval needs --rules');
    expect(err(['--rules', ' '])).toBe('--rules: empty path');
    expect(err(['--rules', 'x', '--rules-interval', '0'])).toBe('--rules-interval: 0 is out of range (0.05..3600)');
  });
});
