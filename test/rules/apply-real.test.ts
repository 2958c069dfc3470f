/**
 * The rules against real processes this test starts: copies of sleep under the names the
 * rules look for (comm is the executable's name), and the CLI as a user runs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RuleApplier } from '../../src/rules/applier.js';
import { parseRules, type Rule } from '../../src/rules/parse.js';
import { adjOf, startTimeOf } from '../helpers/children.js';
import { sleep, until, waitFor } from '../helpers/wait.js';
import { UserNames } from '../../src/proc/users.js';
import { detectMemoryHierarchy } from '../../src/cgroup/mountinfo.js';
import { canMakeMemcg, V1_MEMORY } from '../helpers/memcg.js';
import { mkdirSync, rmdirSync } from 'node:fs';

const repo = resolve(import.meta.dirname, '../..');
const bin = resolve(repo, 'bin/oomtop.js');
const built = existsSync(resolve(repo, 'dist/cli/main.js'));
const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
const hasSysResource = ((capEff >> 24n) & 1n) === 1n;
const HOSTILE = 'ev)l\x1b[2J\nx';

let dir: string;
const children: ChildProcess[] = [];

function named(name: string): string {
  const p = join(dir, name);
  if (!existsSync(p)) copyFileSync('/bin/sleep', p);
  return p;
}
function start(name: string, seconds = 60): ChildProcess {
  const c = spawn(named(name), [String(seconds)], { stdio: 'ignore' });
  children.push(c);
  return c;
}
function rules(text: string): Rule[] {
  const r = parseRules(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.rules;
}
const commOf = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const ctx = { procRoot: '/proc', hierarchy: null, users: new UserNames() };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oomtop-rules-'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RuleApplier on real processes', () => {
  const R = rules('[[rule]]\nname = "batch jobs go first"\ncomm = "^bar_rule_target$"\nadj = 700\n');

  it('raises an existing process, then a new one, reading only the new PID on the next pass', async () => {
    const a = start('bar_rule_target');
    await until(() => commOf(a.pid!) === 'bar_rule_target');
    const applier = new RuleApplier(R, { ...ctx, youngMs: 0, sweepMs: 1e12 });
    const first = applier.pass();
    expect(first.changes).toContainEqual({ kind: 'set', pid: a.pid, startTimeTicks: startTimeOf(a.pid!), comm: 'bar_rule_target', rule: 'batch jobs go first', before: 0, after: 700 });
    expect(adjOf(a.pid!)).toBe(700);
    expect(applier.ruleOf(a.pid!, startTimeOf(a.pid!))).toEqual({ name: 'batch jobs go first', adj: 700 });
    expect(applier.ruleOf(a.pid!, startTimeOf(a.pid!) + 1)).toBeNull();
    const b = start('bar_rule_target');
    await until(() => commOf(b.pid!) === 'bar_rule_target');
    const second = applier.pass();
    expect(second.changes.map((c) => c.pid)).toEqual([b.pid]);
    expect(adjOf(b.pid!)).toBe(700);
    // Only PIDs new since the last pass were read (b, and whatever else started meanwhile).
    expect(second.examined).toBeLessThan(first.examined);
    expect(second.examined).toBeGreaterThanOrEqual(1);
  });

  it('with the default young window, processes already running at the first pass are not re-read', async () => {
    const applier = new RuleApplier(R, { ...ctx, sweepMs: 1e12 });
    const first = applier.pass();
    const b = start('bar_rule_target');
    await until(() => commOf(b.pid!) === 'bar_rule_target');
    const second = applier.pass();
    expect(second.changes.map((c) => c.pid)).toEqual([b.pid]);
    // b (and what else started meanwhile, young for 5 s), never the hundreds already there.
    expect(second.examined).toBeLessThan(Math.max(10, first.examined / 4));
  });

  it('applies after exec changed the comm of a young process', async () => {
    const target = named('bar_rule_target');
    const applier = new RuleApplier(R, { ...ctx, youngMs: 60_000, sweepMs: 1e12 });
    applier.pass();
    const sh = spawn('sh', ['-c', `read x; exec '${target}' 60`], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(sh);
    await until(() => commOf(sh.pid!) === 'sh');
    expect(applier.pass().changes.filter((c) => c.pid === sh.pid)).toEqual([]);
    sh.stdin!.write('\n');
    await until(() => commOf(sh.pid!) === 'bar_rule_target');
    expect(applier.pass().changes.filter((c) => c.pid === sh.pid).map((c) => c.kind)).toEqual(['set']);
    expect(adjOf(sh.pid!)).toBe(700);
  });

  it.skipIf(hasSysResource)('a rule below the floor: refused once with the CAP_SYS_RESOURCE explanation, never retried', async () => {
    const low = rules('[[rule]]\nname = "keep"\ncomm = "^bar_rule_low$"\nadj = -100\n');
    const c = start('bar_rule_low');
    await until(() => commOf(c.pid!) === 'bar_rule_low');
    const applier = new RuleApplier(low, { ...ctx, youngMs: 60_000, sweepMs: 0 });
    const [ch] = applier.pass().changes.filter((x) => x.pid === c.pid);
    expect(ch?.kind).toBe('failed');
    if (ch?.kind !== 'failed') return;
    expect(ch.error.code).toBe('EACCES');
    expect(ch.error.message).toMatch(/lowering oom_score_adj from 0 to -100 needs CAP_SYS_RESOURCE/);
    expect(ch.error.hint).toMatch(/OOMScoreAdjust=/);
    for (let i = 0; i < 3; i++) expect(applier.pass().changes.filter((x) => x.pid === c.pid)).toEqual([]);
    expect(adjOf(c.pid!)).toBe(0);
  });

  it.skipIf(hasSysResource)('a refused process that execs another program is looked at afresh: the job gets its rule', async () => {
    const R2 = rules('[[rule]]\nname = "low shell"\ncomm = "^bar_rule_lowsh$"\nadj = -100\n\n[[rule]]\nname = "batch jobs go first"\ncomm = "^bar_rule_target$"\nadj = 700\n');
    const shell = join(dir, 'bar_rule_lowsh');
    if (!existsSync(shell)) copyFileSync('/bin/sh', shell);
    const target = named('bar_rule_target');
    const applier = new RuleApplier(R2, { ...ctx, youngMs: 60_000, sweepMs: 1e12 });
    applier.pass();
    const sh = spawn(shell, ['-c', `read x; exec '${target}' 60`], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(sh);
    await until(() => commOf(sh.pid!) === 'bar_rule_lowsh');
    const refused = applier.pass().changes.filter((c) => c.pid === sh.pid);
    expect(refused.map((c) => [c.kind, c.rule])).toEqual([['failed', 'low shell']]);
    expect(applier.pass().changes.filter((c) => c.pid === sh.pid)).toEqual([]); // not retried
    sh.stdin!.write('\n');
    await until(() => commOf(sh.pid!) === 'bar_rule_target');
    expect(applier.pass().changes.filter((c) => c.pid === sh.pid).map((c) => [c.kind, c.rule])).toEqual([['set', 'batch jobs go first']]);
    expect(adjOf(sh.pid!)).toBe(700);
    expect(applier.pass().changes.filter((c) => c.pid === sh.pid)).toEqual([]);
  });

  it('a hostile name is matched as the kernel gives it', async () => {
    const h = rules(`[[rule]]\nname = "hostile"\ncomm = ${JSON.stringify(`^${HOSTILE.replace(/[()[\]]/g, '\\$&')}$`)}\nadj = 300\n`);
    const c = start(HOSTILE);
    await until(() => readFileSync(`/proc/${c.pid}/stat`, 'utf8').includes('ev)l'));
    const changes = new RuleApplier(h, { ...ctx }).pass().changes;
    expect(changes.map((x) => [x.pid, x.comm])).toEqual([[c.pid, HOSTILE]]);
    expect(adjOf(c.pid!)).toBe(300);
  });
});

describe.skipIf(!built)('oomtop rules (the CLI, real processes)', () => {
  const example = () => {
    const p = join(dir, 'issue14.toml');
    // The example of issue 14, as written.
    writeFileSync(p, '[[rule]]\nname = "batch jobs go first"\ncomm = "^bar_rule_target$"\nadj = 700\n\n[[rule]]\nname = "keep the database"\ncmdline = "postgres: .*checkpointer"\nadj = -900\n');
    return p;
  };

  it('rules check: a bad file gets PATH:LINE messages and exit 2', () => {
    const p = join(dir, 'bad.toml');
    writeFileSync(p, '[[rule]]\nname = "x"\ncomm = "["\nadj = -1001\nwho = 1\n');
    const r = spawnSync(process.execPath, [bin, 'rules', 'check', p], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^${p}:3: rule "x": comm is not a valid regular expression`)),
      `${p}:4: rule "x": adj -1001 is out of range (-1000..1000)`,
      `${p}:5: rule "x": unknown key "who" (known: name, comm, cmdline, exe, user, cgroup, unit, container, adj)`,
    ]);
  });

  it('rules check: the example lists the rules and the running process each matches', async () => {
    const c = start('bar_rule_target');
    await until(() => commOf(c.pid!) === 'bar_rule_target');
    const r = spawnSync(process.execPath, [bin, 'rules', 'check', example()], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1. "batch jobs go first" (line 1): comm ~ /^bar_rule_target$/ -> adj 700\n');
    expect(r.stdout).toContain(`     PID ${c.pid} (bar_rule_target) adj 0\n`);
    expect(r.stdout).toContain('2. "keep the database" (line 6): cmdline ~ /postgres: .*checkpointer/ -> adj -900\n     matches no running process\n');
    expect(adjOf(c.pid!)).toBe(0); // check changes nothing
  });

  it('rules apply: once, prints what changed', async () => {
    const c = start('bar_rule_target');
    await until(() => commOf(c.pid!) === 'bar_rule_target');
    const r = spawnSync(process.execPath, [bin, 'rules', 'apply', example()], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Z PID ${c.pid} \\(bar_rule_target\\): oom_score_adj 0 -> 700 \\(rule "batch jobs go first"\\)\n`));
    expect(r.stdout).toMatch(/2 rules: \d+ processes matched, \d+ changed/);
    expect(adjOf(c.pid!)).toBe(700);
  });

  it('rules apply --watch: a new process within the interval, a refusal once, as JSON lines', async () => {
    const p = join(dir, 'watch.toml');
    writeFileSync(p, readFileSync(example(), 'utf8') + '\n[[rule]]\nname = "low"\ncomm = "^bar_rule_low$"\nadj = -50\n');
    const w = spawn(process.execPath, [bin, 'rules', 'apply', p, '--watch', '--interval', '0.2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(w);
    let out = '';
    w.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    await until(() => lines().some((l) => l['event'] === 'notice'), 10_000, 'the start notice');
    const c = start('bar_rule_target');
    const hit = await waitFor(() => lines().find((l) => l['pid'] === c.pid), 10_000, 'the new process set');
    expect(hit).toMatchObject({ event: 'adj-set', comm: 'bar_rule_target', rule: 'batch jobs go first', before: 0, after: 700 });
    expect(adjOf(c.pid!)).toBe(700);
    if (!hasSysResource) {
      const low = start('bar_rule_low');
      const refused = await waitFor(() => lines().find((l) => l['pid'] === low.pid), 10_000, 'the refusal');
      expect(refused).toMatchObject({ event: 'adj-refused', code: 'EACCES', target: -50 });
      expect(String(refused['message'])).toMatch(/needs CAP_SYS_RESOURCE/);
      // Several intervals later, still one line for it.
      await sleep(1000); // five intervals
      expect(lines().filter((l) => l['pid'] === low.pid)).toHaveLength(1);
    }
    w.kill('SIGTERM');
    await new Promise((r) => w.once('exit', r));
    expect(lines().at(-1)).toMatchObject({ event: 'notice', message: 'stopped' });
  });
});

describe.skipIf(!built)('oomtop guard --rules (real processes)', () => {
  it('a bad file stops the guard at start with PATH:LINE, exit 2', () => {
    const p = join(dir, 'guard-bad.toml');
    writeFileSync(p, '[[rule]]\nname = "x"\nadj = 1\n');
    const r = spawnSync(process.execPath, [bin, 'guard', '--rules', p, '--dry-run'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`oomtop guard: ${p}:1: rule "x": has no matcher (comm, cmdline, exe, user, cgroup, unit, container): it would match every process\n`);
  });

  it('applies the rules to an existing and a new process, logged as guard notices', async () => {
    const p = join(dir, 'guard.toml');
    writeFileSync(p, '[[rule]]\nname = "batch jobs go first"\ncomm = "^bar_rule_target$"\nadj = 700\n');
    const before = start('bar_rule_target');
    await until(() => commOf(before.pid!) === 'bar_rule_target');
    // Thresholds at 0: the guard never acts; --dry-run besides.
    const g = spawn(process.execPath, [bin, 'guard', '--mem-term', '0', '--swap-term', '0', '--dry-run', '--json', '--rules', p, '--rules-interval', '0.2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(g);
    let out = '';
    g.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = await waitFor(() => lines().find((l) => l['scope'] === 'rules' && l['pid'] === before.pid), 30_000, 'the existing process');
    expect(first).toMatchObject({ event: 'notice', name: 'bar_rule_target', message: 'oom_score_adj 0 -> 700 (rule "batch jobs go first")' });
    const after = start('bar_rule_target');
    await waitFor(() => lines().find((l) => l['scope'] === 'rules' && l['pid'] === after.pid), 30_000, 'the new process');
    expect([adjOf(before.pid!), adjOf(after.pid!)]).toEqual([700, 700]);
    expect(lines().some((l) => l['event'] === 'notice' && String(l['message']).startsWith('applying 1 rules from'))).toBe(true);
    g.kill('SIGTERM');
    await new Promise((r) => g.once('exit', r));
    expect(lines().at(-1)).toMatchObject({ event: 'stop' });
  }, 90_000);
});

describe.skipIf(!canMakeMemcg)('unit, cgroup, user and exe matchers on a real cgroup', () => {
  it('a process in a real memory cgroup named like a service unit', async () => {
    const slice = join(V1_MEMORY, `oomtop-rules-${process.pid}.slice`);
    const unit = `demo-${process.pid}.service`;
    mkdirSync(join(slice, unit), { recursive: true });
    try {
      const exe = named('bar_rule_unit');
      const c = spawn('sh', ['-c', `echo $$ > '${join(slice, unit, 'cgroup.procs')}' && exec '${exe}' 60`], { stdio: 'ignore' });
      children.push(c);
      await until(() => commOf(c.pid!) === 'bar_rule_unit');
      const R = rules(`[[rule]]
name = "wrong user"
unit = "demo-${process.pid}"
user = "nobody"
adj = 100

[[rule]]
name = "the unit"
unit = "demo-${process.pid}"
cgroup = "^/oomtop-rules-${process.pid}[.]slice/"
user = "root"
exe = "${dir}/bar_rule_*"
adj = 200
`);
      const applier = new RuleApplier(R, { ...ctx, hierarchy: detectMemoryHierarchy('/proc') });
      const mine = applier.pass().changes.filter((x) => x.pid === c.pid);
      expect(mine).toMatchObject([{ kind: 'set', rule: 'the unit', after: 200 }]);
      expect(adjOf(c.pid!)).toBe(200);
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    } finally {
      for (const d of [join(slice, unit), slice]) await until(() => { try { rmdirSync(d); return true; } catch { return false; } }, 5000, `rmdir ${d}`);
    }
  });
});
