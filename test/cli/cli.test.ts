import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration, parseMonitorArgs } from '../../src/cli/args.js';
import { parseGuardArgs } from '../../src/cli/guard-args.js';
import { UsageError } from '../../src/cli/errors.js';
import { killStarted, startHog } from '../helpers/children.js';
import { makeFakeProc, removeFakeProc } from '../helpers/fakeproc.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, timeout: 20_000 });
afterAll(killStarted);

describe('argument parsing', () => {
  it('an argument longer than PATH_MAX is a usage error at once (node parseArgs was quadratic on a 55,000-character "-999...")', () => {
    const t0 = performance.now();
    expect(() => parseMonitorArgs(['--adj-step', `-${'9'.repeat(55_000)}1G`], {})).toThrow(/an argument of 55003 characters \(at most 4096\): -9999/);
    expect(() => parseMonitorArgs(['--filter', 'x'.repeat(4096)], {})).not.toThrow(/at most/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a usage error quoting what was typed is one sanitized line (npm run fuzz found a raw ESC)', () => {
    let err: unknown;
    try {
      parseMonitorArgs(['--interval', '\u001b[2J\nx'], {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('--interval: "\\x1b[2J\\nx" is not a duration (examples: 1, 0.5, 250ms)');
  });

  it('parses durations and bounds them', () => {
    expect(parseDuration('--interval', '1', 100, 60_000)).toBe(1000);
    expect(parseDuration('--interval', '0.5', 100, 60_000)).toBe(500);
    expect(parseDuration('--interval', '250ms', 100, 60_000)).toBe(250);
    expect(() => parseDuration('--interval', '10ms', 100, 60_000)).toThrow(UsageError);
    expect(() => parseDuration('--interval', 'soon', 100, 60_000)).toThrow(/not a duration/);
  });
  it('rejects bad values with a one-line message', () => {
    expect(() => parseMonitorArgs(['--sort', 'size'])).toThrow(/--sort: "size" is not one of risk, rss/);
    expect(() => parseMonitorArgs(['--protect-adj=-2000'])).toThrow(/out of range/);
    expect(() => parseMonitorArgs(['--protect-adj', '-2000'])).toThrow('--protect-adj: -2000 is out of range (-1000..1000)');
    expect(() => parseMonitorArgs(['--kill-escalation', 'maybe'])).toThrow(/ask, auto, never/);
    expect(() => parseMonitorArgs(['--what'])).toThrow(UsageError);
  });
  it('takes a negative number as the value of an option that takes a number (not "ambiguous")', () => {
    expect(parseMonitorArgs(['--protect-adj', '-300']).config.protectAdj).toBe(-300);
    expect(parseMonitorArgs(['--expendable-adj', '-1']).config.expendableAdj).toBe(-1);
    expect(() => parseMonitorArgs(['--kill-grace', '-5'])).toThrow('--kill-grace: -5 is out of range (0 ms to 600 s)');
    expect(() => parseMonitorArgs(['--interval', '-1'])).toThrow('--interval: -1 is out of range (50 ms to 3600 s)');
    expect(() => parseMonitorArgs(['-d', '-1'])).toThrow('--interval: -1 is out of range (50 ms to 3600 s)');
    expect(() => parseMonitorArgs(['--adj-step', '-100'])).toThrow('--adj-step: -100 is out of range (1..2000)');
    expect(() => parseMonitorArgs(['--top', '-3'])).toThrow('--top: -3 is out of range (1..1000000)');
    // An option that takes text keeps node's hint: the value may really be a forgotten argument.
    expect(() => parseMonitorArgs(['--filter', '-x'])).toThrow(/ambiguous.*--filter=-XYZ/);
    // And a negative number never swallows an option that takes no value.
    expect(() => parseMonitorArgs(['--once', '-1'])).toThrow(UsageError);
  });
  it('honours NO_COLOR and --no-color', () => {
    expect(parseMonitorArgs([], { NO_COLOR: '1' }).config.color).toBe(false);
    expect(parseMonitorArgs(['--no-color'], {}).config.color).toBe(false);
    expect(parseMonitorArgs([], {}).config.color).toBe(true);
  });
});

describe.skipIf(!built)('the oomtop command', () => {
  it('prints --version from package.json and --help with every subcommand', () => {
    expect(run(['--version']).stdout).toMatch(/^oomtop \d+\.\d+\.\d+\n$/);
    const help = run(['--help']).stdout;
    for (const word of ['analyze', 'guard', 'oomtop run --memory SIZE -- CMD', '--once', '--json', '--interval', '--read-only', 'Exit codes']) expect(help).toContain(word);
  });

  it('exits 2 with one line on bad flags, values or commands', () => {
    for (const args of [['--bogus'], ['--interval', 'x'], ['--top', '0'], ['frobnicate']]) {
      const r = run(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^oomtop: /);
    }
  });

  it('--once --json has the documented shape, sorted by risk, with a real child in it', async () => {
    const hog = await startHog(48);
    execFileSync('sh', ['-c', `echo 900 > /proc/${hog.pid}/oom_score_adj`]);
    const r = run(['--once', '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['time', 'kernel', 'memory', 'pressure', 'settings', 'processes']));
    expect(Object.keys(doc.memory)).toEqual(expect.arrayContaining(['totalKiB', 'availableKiB', 'swapTotalKiB', 'swapFreeKiB', 'committedKiB', 'commitLimitKiB']));
    expect(doc.pressure === null || typeof doc.pressure.some.avg10 === 'number').toBe(true);
    const keys = ['pid', 'name', 'cmdline', 'user', 'oomScore', 'oomScoreAdj', 'risk', 'rssKiB', 'anonKiB', 'fileKiB', 'shmemKiB', 'swapKiB', 'cgroup', 'nextVictim'];
    for (const p of doc.processes) expect(Object.keys(p)).toEqual(expect.arrayContaining(keys));
    // The risk order as documented: combined danger (which counts cgroup headroom, so a
    // process in a nearly full cgroup can rank above a higher score), then the kernel's score.
    type P = { pid: number; danger: number; oomScore: number; rssKiB: number; nextVictim: boolean };
    const ps: P[] = doc.processes;
    for (let i = 1; i < ps.length; i++) {
      const a = ps[i - 1]!;
      const b = ps[i]!;
      expect(a.danger, `${a.pid} before ${b.pid}`).toBeGreaterThanOrEqual(b.danger);
    }
    // adj 900 makes the child the kernel's next victim, first among everything outside a limited cgroup.
    const hogRow = ps.find((p) => p.pid === hog.pid)!;
    expect(hogRow).toMatchObject({ oomScoreAdj: 900, nextVictim: true });
    expect(hogRow.rssKiB).toBeGreaterThan(48 * 1024);
    expect(ps.filter((p) => p.nextVictim).map((p) => p.pid)).toEqual([hog.pid]);
    const outside = doc.processes.filter((p: { cgroup: string | null }) => !doc.cgroups.some((c: { path: string; effectiveLimitKiB: number | null }) => c.path === p.cgroup && c.effectiveLimitKiB !== null));
    expect(outside[0]?.pid).toBe(hog.pid);
  });

  it('--top, --sort and --filter apply to --once', () => {
    const doc = JSON.parse(run(['--once', '--json', '--top', '3', '--sort', 'pid']).stdout);
    expect(doc.processes).toHaveLength(3);
    const pids = doc.processes.map((p: { pid: number }) => p.pid);
    expect(pids).toEqual([...pids].sort((a, b) => a - b));
    const one = JSON.parse(run(['--once', '--json', '--filter', 'pid:1']).stdout);
    expect(one.processes.map((p: { pid: number }) => p.pid)).toEqual([1]);
  });

  it('without a TTY prints a plain table (no escape sequences) and exits', () => {
    const r = run([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PID USER\s+SCORE\s+ADJ\s+RISK/);
    expect(r.stdout).not.toMatch(/\u001b/);
  });

  it('reads a fixture /proc given with --proc-root, hostile names escaped', () => {
    const root = makeFakeProc({ processes: [{ pid: 4242, comm: 'evil\u001b[2J', cmdline: 'evil\u001b[2J --x', rssPages: 100_000 }] });
    try {
      const r = run(['--once', '--proc-root', root]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('evil\\x1b[2J --x');
      expect(r.stdout).not.toMatch(/\u001b/);
    } finally {
      removeFakeProc(root);
    }
  });
});

describe('--guard-opts "..." is split into words as a shell would, without running one', () => {
  // `--guard-opts "..."` as --help writes it: the value starts with a dash and is still the value.
  const words = (s: string) => parseMonitorArgs(['--guard-opts', s], {}).guardArgs;

  it('takes the next argument as the value, although it starts with "-"; the = form is the same', () => {
    expect(parseMonitorArgs(['--guard-opts', '--mem-term 15', '--once'], {})).toMatchObject({ guardArgs: ['--mem-term', '15'], once: true });
    expect(parseMonitorArgs(['--guard-opts=--mem-term 15'], {}).guardArgs).toEqual(['--mem-term', '15']);
  });

  it('keeps a quoted handler command with its blanks and its $OOMTOP_ variables as one word', () => {
    expect(words(`--cgroup /app --on-level 'high=logger -t oomtop "$OOMTOP_SCOPE: $OOMTOP_AVAILABLE_PCT%"' --on-level "normal=echo \\$OOMTOP_LEVEL \\"ok\\"" --notify`)).toEqual([
      '--cgroup', '/app',
      '--on-level', 'high=logger -t oomtop "$OOMTOP_SCOPE: $OOMTOP_AVAILABLE_PCT%"',
      '--on-level', 'normal=echo $OOMTOP_LEVEL "ok"',
      '--notify',
    ]);
    // As the guard takes them: two handlers, each command verbatim.
    const g = parseGuardArgs(words(`--on-level 'high=systemctl kill --signal=SIGUSR1 app.service' --on-level=normal='logger "back"'`));
    if (g.help) throw new Error('help');
    expect(g.policy.onLevel).toEqual([
      { level: 'high', cmd: 'systemctl kill --signal=SIGUSR1 app.service' },
      { level: 'normal', cmd: 'logger "back"' },
    ]);
  });

  it('unquoted words are split on blanks as before; a backslash before an ordinary character is kept', () => {
    expect(words('  --mem-term 15\t--term-timeout   10\n')).toEqual(['--mem-term', '15', '--term-timeout', '10']);
    expect(words('--prefer ^chrome\\.exe$ --avoid a\\ b')).toEqual(['--prefer', '^chrome\\.exe$', '--avoid', 'a b']);
    expect(words(`--prefer ''`)).toEqual(['--prefer', '']);
    expect(words('')).toEqual([]);
  });

  it('an unclosed quote is a one-line usage error', () => {
    expect(() => words(`--on-level 'high=echo x`)).toThrow(UsageError);
    expect(() => words(`--on-level 'high=echo x`)).toThrow("--guard-opts: a ' is not closed");
    expect(() => words('--on-level "high=echo x')).toThrow('--guard-opts: a " is not closed');
  });

  it('splits as the real /bin/sh does, where no expansion is involved', () => {
    const cases = [
      `a 'b c' "d e" f\\ g`,
      `--on-level 'high=printf "%s\\n" x; echo "y z"' --x`,
      `"a\\"b" 'c"d' e"f g"h 'i'j`,
      `x\\'y "\\\\" '\\\\'`,
    ];
    for (const c of cases) {
      const sh = execFileSync('/bin/sh', ['-fc', `for w in ${c}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' });
      expect(words(c), c).toEqual(sh.split('\0').slice(0, -1));
    }
  });
});
