/** The R key's file side (src/tui/save-rule.ts) on real files: create, append, refuse a file changed meanwhile. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { proposeRule, appendRuleText, RULES_HEADER } from '../../src/rules/save.js';
import type { SaveRuleOffer } from '../../src/store/store.js';
import { saveDropIn, saveRule } from '../../src/tui/save-rule.js';

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
