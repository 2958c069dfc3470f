/**
 * The R key's file side (src/tui/save-rule.ts) on real files: create, append, refuse a file
 * changed meanwhile; and the offer for a real child (a copy of sleep with its own comm).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { proposeRule, appendRuleText, RULES_HEADER } from '../../src/rules/save.js';
import type { SaveRuleOffer } from '../../src/store/store.js';
import { createOomtopStore } from '../../src/store/store.js';
import { SamplerHost } from '../../src/tui/host.js';
import { offerFor, saveDropIn, saveRule } from '../../src/tui/save-rule.js';
import { until } from '../helpers/wait.js';

const base = mkdtempSync(join(tmpdir(), 'oomtop-save-rule-unit-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function offer(path: string, before: string | null): SaveRuleOffer {
  const p = proposeRule({ pid: 99, comm: 'job', cmdline: 'job', adj: 200 }, ['job'], [], new Date(0));
  return { target: { pid: 99, startTimeTicks: 1, name: 'job', oomScoreAdj: 200 }, path, before, after: appendRuleText(before, p.text), name: p.name, block: p.text, notes: [], dropIn: null };
}

describe('saveRule', () => {
  it('creates a missing file (and its directory) with the header, and loads it back', () => {
    const path = join(base, 'etc/oomtop/rules.toml');
    const r = saveRule(offer(path, null));
    expect(r).toMatchObject({ ok: true, text: `rule "job adj 200" appended to ${path}` });
    if (r.ok) expect(r.rules.map((x) => [x.name, x.adj])).toEqual([['job adj 200', 200]]);
    expect(readFileSync(path, 'utf8').startsWith(RULES_HEADER)).toBe(true);
  });

  it('appends to an existing file without touching its text', () => {
    const path = join(base, 'keep.toml');
    const old = '# c\n[[rule]]\nname = "a"\ncomm = "^a$"\nadj = 1\n';
    writeFileSync(path, old);
    expect(saveRule(offer(path, old)).ok).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(`${old}\n# Saved by the oomtop TUI`)).toBe(true);
  });

  it('writes nothing when the file changed since the dialog showed the rule', () => {
    const path = join(base, 'changed.toml');
    writeFileSync(path, '# v1\n');
    const o = offer(path, '# v1\n');
    writeFileSync(path, '# v2\n');
    expect(saveRule(o)).toEqual({ ok: false, text: `${path} changed since the rule was shown: nothing written`, hint: 'press R again' });
    expect(readFileSync(path, 'utf8')).toBe('# v2\n');
    // Created meanwhile: the same.
    expect(saveRule(offer(join(base, 'changed.toml'), null)).ok).toBe(false);
  });

  it('says why a file cannot be written (a directory in its place)', () => {
    const r = saveRule(offer(base, null));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.text).toMatch(/cannot read: EISDIR|cannot write/);
  });

  it('offers no drop-in: nothing to write', () => {
    expect(saveDropIn(offer(join(base, 'x.toml'), null))).toEqual([]);
  });
});

describe('offerFor (a real process, sampled)', () => {
  it('says when a rule above already matches the process, and refuses adj 0 and a broken file', async () => {
    const comm = `roffer_${process.pid % 100000}`;
    copyFileSync('/bin/sleep', join(base, comm));
    const child = spawn(join(base, comm), ['60'], { stdio: 'ignore' });
    const store = createOomtopStore();
    const host = new SamplerHost(store, { procRoot: '/proc' }, 60_000);
    try {
      await until(() => readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === comm, 5000, 'the child');
      host.sampleNow();
      const row = store.getState().snapshot!.processes.find((p) => p.pid === child.pid)!;
      const path = join(base, 'broad.toml');
      writeFileSync(path, '[[rule]]\nname = "everything roffer"\ncomm = "^roffer_"\nadj = 5\n');
      const ctx = { procRoot: '/proc', path, runningComms: [comm], systemdRoot: join(base, 'no-systemd') };
      expect(offerFor({ ...row, oomScoreAdj: 0 }, ctx)).toMatchObject({ ok: false, text: `PID ${child.pid} (${comm}) has oom_score_adj 0, the default: nothing to save` });
      const r = offerFor({ ...row, oomScoreAdj: 300 }, ctx);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.offer.notes).toContain('rule "everything roffer" (line 1) matches it first and wins: move the new rule above it to take effect');
        expect(r.offer.notes).toContain('systemd drop-in: not offered, systemd is not PID 1 here (no /run/systemd/system)');
        expect(r.offer.dropIn).toBeNull();
      }
      writeFileSync(path, '[[rule]]\nname = "x"\nadj = 5000\ncomm = "a"\n');
      expect(offerFor({ ...row, oomScoreAdj: 300 }, ctx)).toMatchObject({ ok: false, text: `${path}:3: rule "x": adj 5000 is out of range (-1000..1000): the rules file has problems, nothing appended`, hint: `oomtop rules check ${path}` });
    } finally {
      host.stop();
      child.kill('SIGKILL');
    }
  });
});
