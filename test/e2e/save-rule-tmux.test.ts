/**
 * The TUI's R in a real terminal (tmux, 80×24): a child the test started gets an adj from
 * `]`, R shows the rule, y appends it to the --rules file (its comments kept), `oomtop
 * rules check` accepts the file, the row shows R and the detail pane names the rule. With
 * two running processes of one comm, the rule matches the selected one's command line.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adjOf } from '../helpers/children.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import { until } from '../helpers/wait.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const base = mkdtempSync(join(tmpdir(), 'oomtop-save-rule-'));
const children: ChildProcess[] = [];
const sessions: TmuxSession[] = [];
afterAll(() => {
  sessions.forEach((s) => s.kill());
  for (const c of children) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

const OLD = `# my rules: keep this comment
[[rule]]
name = "unrelated"
comm = "^no_such_comm_x$"   # an inline comment
adj = 5
# a comment at the end, no newline after it`;

/** The screen as one line: rows joined, runs of spaces as one (a wrapped line reads on). */
const flat = (t: string) => t.split('\n').map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');

function start(exe: string, ...args: string[]): ChildProcess {
  const c = spawn(exe, args, { stdio: 'ignore' });
  children.push(c);
  return c;
}

async function saveFrom(rules: string, pid: number): Promise<TmuxSession> {
  const s = new TmuxSession(`node ${bin} --interval 0.5 --rules ${rules} --filter pid:${pid}`, 80, 24);
  sessions.push(s);
  await s.waitFor((t) => new RegExp(`^\\s*\\S*\\s+${pid}\\s+\\d+\\s+0\\s`, 'm').test(t), 20_000, `the row of PID ${pid} at adj 0`);
  await s.keys(']');
  await until(() => adjOf(pid) === 100, 10_000, 'adj 100 from ]');
  await s.waitFor((t) => flat(t).includes(`oom_score_adj 0 → 100`), 10_000, 'the adj in the status line');
  await s.keys('R');
  await s.waitFor((t) => t.includes('as a rule?') && /y \/ Enter: append the rule/.test(t), 10_000, 'the save-rule dialog');
  return s;
}

describe.skipIf(!hasTmux || !built)('R saves a rule (tmux 80×24)', () => {
  it('appends a comm rule to the file, keeps its comments, puts it in force: badge R, the rule in the details', async () => {
    const comm = `rsave_${randomBytes(4).toString('hex')}`;
    copyFileSync('/bin/sleep', join(base, comm));
    const rules = join(base, 'rules.toml');
    writeFileSync(rules, OLD);
    const child = start(join(base, comm), '300');
    const s = await saveFrom(rules, child.pid!);
    const dialog = s.capture();
    expect(dialog).toContain(`comm = "^${comm}$"`);
    expect(dialog).toContain('adj = 100');
    // This host's PID 1 is not systemd: the dialog says why it offers no drop-in.
    if (!existsSync('/run/systemd/system')) expect(flat(dialog)).toContain('systemd drop-in: not offered, systemd is not PID 1 here');
    await s.keys('y');
    await s.waitFor((t) => flat(t).includes(`rule "${comm} adj 100" appended to`), 10_000, 'the saved status');

    const text = readFileSync(rules, 'utf8');
    expect(text.startsWith(`${OLD}\n\n# Saved by the oomtop TUI on `)).toBe(true);
    expect(text.endsWith(`[[rule]]\nname = "${comm} adj 100"\ncomm = "^${comm}$"\nadj = 100\n`)).toBe(true);
    const check = spawnSync('node', [bin, 'rules', 'check', rules], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain(`2. "${comm} adj 100" (line 9): comm ~ /^${comm}$/ -> adj 100`);
    expect(check.stdout).toContain(`PID ${child.pid} (${comm}) adj 100 (already)`);

    // In force at once: the row's badge (V may come first: it can be the next victim) and the detail pane.
    await s.waitFor((t) => new RegExp(`^\\s*V?R\\s+${child.pid}\\s+\\d+\\s+100\\s`, 'm').test(t), 10_000, 'the R badge');
    await s.keys('Enter');
    await s.waitFor((t) => flat(t).includes(`oom_score_adj 100 set by rule "${comm} adj 100"`), 10_000, 'the rule in the detail pane');
  }, 90_000);

  it('with two processes of one comm, the rule matches the selected one by its command line', async () => {
    const comm = `rtwin_${randomBytes(4).toString('hex')}`;
    copyFileSync('/bin/sleep', join(base, comm));
    const rules = join(base, 'twins.toml');
    writeFileSync(rules, '');
    const a = start(join(base, comm), '301');
    const b = start(join(base, comm), '302');
    await until(() => existsSync(`/proc/${b.pid}`), 5000, 'the second twin');
    const s = await saveFrom(rules, a.pid!);
    const cmd = `^${join(base, comm).replace(/[.]/g, '\\\\.')} 301$`;
    await s.waitFor((t) => flat(t).includes(`cmdline = "${cmd}"`), 5000, 'a cmdline rule');
    expect(flat(s.capture())).toContain('(empty: a header comment first)');
    await s.keys('y');
    await s.waitFor((t) => flat(t).includes('appended to'), 10_000, 'the saved status');
    const text = readFileSync(rules, 'utf8');
    expect(text.startsWith('# oomtop rules:')).toBe(true);
    const check = execFileSync('node', [bin, 'rules', 'check', rules], { encoding: 'utf8' });
    expect(check).toContain(`PID ${a.pid} (${comm}) adj 100 (already)`);
    expect(check).not.toContain(`PID ${b.pid} `);
    expect(adjOf(b.pid!)).toBe(0);
  }, 90_000);
});
