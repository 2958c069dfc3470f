/**
 * The monitor with --rules: the sampler host applies the rules to running and new
 * processes before each snapshot reaches the store, and rows a rule set carry its name and
 * the badge R. Real children (a copy of sleep named as the rule wants), the real store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RuleApplier } from '../../src/rules/applier.js';
import { parseRules } from '../../src/rules/parse.js';
import { UserNames } from '../../src/proc/users.js';
import { createOomtopStore } from '../../src/store/store.js';
import { badge } from '../../src/text/cells.js';
import { SamplerHost } from '../../src/tui/host.js';
import { adjOf } from '../helpers/children.js';
import { until } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'oomtop-rules-tui-'));
const target = join(dir, 'bar_rule_target');
copyFileSync('/bin/sleep', target);
const children: ChildProcess[] = [];
const hosts: SamplerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(exe = target): Promise<ChildProcess> {
  const c = spawn(exe, ['60'], { stdio: 'ignore' });
  children.push(c);
  await until(() => readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim() === exe.slice(exe.lastIndexOf('/') + 1));
  return c;
}
const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
const hasSysResource = ((capEff >> 24n) & 1n) === 1n;

describe('SamplerHost with --rules', () => {
  it('sets the adj of an existing and a new process, marks their rows R, logs each change once', async () => {
    const parsed = parseRules('[[rule]]\nname = "batch jobs go first"\ncomm = "^bar_rule_target$"\nadj = 700\n');
    if (!parsed.ok) throw new Error('bad rules');
    const store = createOomtopStore();
    const host = new SamplerHost(store, { procRoot: '/proc' }, 60_000, undefined, new RuleApplier(parsed.rules, { procRoot: '/proc', hierarchy: null, users: new UserNames() }));
    hosts.push(host);
    const a = await start();
    host.sampleNow();
    const rowOf = (pid: number) => store.getState().rows.find((r) => r.pid === pid);
    expect(rowOf(a.pid!)).toMatchObject({ rule: 'batch jobs go first', oomScoreAdj: 700 });
    expect(badge(rowOf(a.pid!)!)).toBe('R');
    expect(adjOf(a.pid!)).toBe(700);
    const b = await start();
    host.sampleNow();
    expect(rowOf(b.pid!)).toMatchObject({ rule: 'batch jobs go first', oomScoreAdj: 700 });
    host.sampleNow();
    const logged = store.getState().events.filter((e) => e.text.startsWith('rule '));
    expect(logged.map((e) => e.text)).toEqual([
      `rule "batch jobs go first": PID ${a.pid} (bar_rule_target) oom_score_adj 0 -> 700`,
      `rule "batch jobs go first": PID ${b.pid} (bar_rule_target) oom_score_adj 0 -> 700`,
    ]);
    // Someone changes it by hand: oomtop does not fight it, and the row is no longer R.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`/proc/${a.pid}/oom_score_adj`, '800');
    host.sampleNow();
    expect(rowOf(a.pid!)).toMatchObject({ rule: null, oomScoreAdj: 800 });
    expect(badge(rowOf(a.pid!)!)).not.toBe('R');
  });

  it.skipIf(hasSysResource)('a rule below the floor: one warning in the event log with the CAP_SYS_RESOURCE reason, not one per refresh; no R', async () => {
    const parsed = parseRules('[[rule]]\nname = "keep it"\ncomm = "^bar_rule_lowtui$"\nadj = -300\n');
    if (!parsed.ok) throw new Error('bad rules');
    const low = join(dir, 'bar_rule_lowtui');
    copyFileSync('/bin/sleep', low);
    const store = createOomtopStore();
    const host = new SamplerHost(store, { procRoot: '/proc' }, 60_000, undefined, new RuleApplier(parsed.rules, { procRoot: '/proc', hierarchy: null, users: new UserNames() }));
    hosts.push(host);
    host.sampleNow();
    const c = await start(low);
    for (let i = 0; i < 4; i++) host.sampleNow();
    const logged = store.getState().events.filter((e) => e.text.startsWith('rule "keep it"'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.severity).toBe('warn');
    expect(logged[0]!.text).toMatch(new RegExp(`^rule "keep it": PID ${c.pid} \\(bar_rule_lowtui\\): lowering oom_score_adj from 0 to -300 needs CAP_SYS_RESOURCE, which oomtop \\(root\\) lacks .*OOMScoreAdjust=.*\\(not retried\\)$`));
    expect(store.getState().rows.find((r) => r.pid === c.pid)).toMatchObject({ rule: null, oomScoreAdj: 0 });
    expect(adjOf(c.pid!)).toBe(0);
  });
});
