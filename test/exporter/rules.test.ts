import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { promtool, promtoolSkipReason } from '../helpers/prometheus.js';

const dir = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'contrib/prometheus');

describe.skipIf(promtoolSkipReason !== null)(`contrib/prometheus alerts with promtool${promtoolSkipReason ? ` (skipped: ${promtoolSkipReason})` : ''}`, () => {
  it('promtool check rules accepts oomtop-alerts.yml', () => {
    const r = promtool(['check', 'rules', 'oomtop-alerts.yml'], undefined, dir);
    expect(r.out).toContain('SUCCESS: 7 rules found');
    expect(r.status).toBe(0);
  });

  it('promtool test rules: every alert of the file has a passing unit test', () => {
    const r = promtool(['test', 'rules', 'oomtop-alerts.test.yml'], undefined, dir);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
    // Each alert is tested firing (a case with exp_alerts that are not empty).
    const alerts = [...readFileSync(join(dir, 'oomtop-alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    const tests = readFileSync(join(dir, 'oomtop-alerts.test.yml'), 'utf8');
    const firing = new Set([...tests.matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels/g)].map((m) => m[1]!));
    expect(alerts.length).toBe(7);
    expect(alerts.filter((a) => !firing.has(a))).toEqual([]);
  });
});
