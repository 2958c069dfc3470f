/**
 * oomtop --rules PATH in a real terminal (tmux): a process started after the monitor gets
 * the rule's adj within a refresh, and its row shows the badge R.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adjOf } from '../helpers/children.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import { until } from '../helpers/wait.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const base = mkdtempSync(join(tmpdir(), 'oomtop-rules-e2e-'));
const children: ChildProcess[] = [];
const sessions: TmuxSession[] = [];
afterAll(() => {
  sessions.forEach((s) => s.kill());
  for (const c of children) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!hasTmux || !built)('oomtop --rules in tmux', () => {
  it('a new process gets the rule within a refresh; its row is marked R', async () => {
    const rules = join(base, 'rules.toml');
    writeFileSync(rules, '[[rule]]\nname = "batch jobs go first"\ncomm = "^bar_rule_target$"\nadj = 1\n');
    copyFileSync('/bin/sleep', join(base, 'bar_rule_target'));
    const s = new TmuxSession(`node ${bin} --interval 0.5 --rules ${rules} --filter bar_rule_target`, 160, 60);
    sessions.push(s);
    await s.waitFor((t) => /OOM kills\b/.test(t), 15_000, 'the first frame');
    const child = spawn(join(base, 'bar_rule_target'), ['300'], { stdio: 'ignore' });
    children.push(child);
    await until(() => adjOf(child.pid!) === 1, 10_000, 'the rule applied');
    // adj 1: not the next victim (V would take the badge's place).
    const screen = await s.waitFor((t) => new RegExp(`^\\s*R\\s+${child.pid}\\b.*\\s1\\s.*bar_rule_target`, 'm').test(t), 10_000, 'the R row');
    expect(screen).toMatch(new RegExp(`\\b${child.pid}\\b`));
    // The event log says which rule did it (read across a wrapped line; it may come a frame
    // later). On the events screen, at its end: on a box where other tests made OOM kills,
    // the main screen's few log lines fill with those kills, replayed from the kernel log.
    const flat = (t: string) => t.split('\n').map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');
    const line = `rule "batch jobs go first": PID ${child.pid} (bar_rule_target) oom_score_adj 0 -> 1`;
    await s.waitFor((t) => flat(t).includes(line), 10_000, 'the rule in the event log').catch(async () => {
      await s.keys('e');
      await s.keys('End');
      await s.waitFor((t) => flat(t).includes(line), 10_000, 'the rule on the events screen');
    });
  }, 40_000);
});
