/**
 * oomtop protect, oomtop rules and contrib/oomtop-rules.service under a real systemd (PID 1,
 * cgroup v2), in the guest of the VM tier (npm run vm -- --systemd):
 * test/vm/guest/protect.mjs runs there and writes what it saw; the assertions are here. Skips where the VM cannot run (or, in a checkout
 * without scripts/vm, where there is no VM tier). Needs the built CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
const DRIVER = join(PROJECT, 'scripts/vm/vm.mjs');

function skipReason(): string | null {
  if (!existsSync(DRIVER)) return 'no scripts/vm/vm.mjs in this checkout';
  if (!existsSync(join(PROJECT, 'dist/cli/main.js'))) return 'not built';
  const r = spawnSync(process.execPath, [DRIVER, '--prepare', '--systemd'], { encoding: 'utf8', timeout: 600_000 });
  return r.status === 0 ? null : (r.stderr.trim().split('\n').pop() ?? `vm --prepare exited ${r.status}`);
}
const skip = skipReason();
if (skip) console.log(`systemd guest tests of protect/rules skipped: ${skip}`);

describe.skipIf(skip !== null)('oomtop protect and rules under a real systemd (guest)', () => {
  const out = mkdtempSync(join(tmpdir(), 'oomtop-vmtest-'));
  let stderr = '';
  beforeAll(async () => {
    const child = spawn(process.execPath, [DRIVER, '--systemd', '--timeout', '600', '--out', out, 'node test/vm/guest/protect.mjs protect rules tuidropin managed rulesservice'], { cwd: PROJECT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((r) => child.on('close', r));
  }, 900_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const scenario = (name: string): Json => {
    let j: Json;
    try {
      j = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
    } catch {
      throw new Error(`scenario ${name} left no result:\n${stderr.slice(-3000)}`);
    }
    if (!j.ok) throw new Error(`scenario ${name} failed in the guest: ${j.error}`);
    return j;
  };

  it('protect --unit: the drop-in, daemon-reload, the running process at once, systemd sets it after a restart; --unprotect undoes it', () => {
    const s = scenario('protect');
    expect(s.before).toBe('0');
    expect(s.protect.status).toBe(0);
    expect(s.protect.json).toMatchObject({
      ok: true,
      unit: 'oomtop-protect-demo.service',
      path: '/etc/systemd/system/oomtop-protect-demo.service.d/50-oomtop.conf',
      written: true,
      reloaded: true,
      processes: [{ pid: s.pid0, comm: 'sleep', before: 0, after: -600 }],
    });
    expect(s.dropIn).toBe('# Written by oomtop protect; remove with: oomtop protect --unit oomtop-protect-demo.service --unprotect\n[Service]\nOOMScoreAdjust=-600\nOOMPolicy=continue\nManagedOOMPreference=avoid\n');
    expect(s.running).toBe('-600');
    expect(s.props).toEqual({ OOMScoreAdjust: '-600', OOMPolicy: 'continue', ManagedOOMPreference: 'avoid' });
    // After a restart the adj comes from systemd itself (a new process, not one oomtop wrote).
    expect(s.restarted.pid).not.toBe(s.pid0);
    expect(s.restarted.adj).toBe('-600');
    expect(s.unprotect.status).toBe(0);
    expect(s.unprotect.stdout).toMatch(/^removed .*50-oomtop\.conf\nsystemctl daemon-reload: done\n/);
    expect(s.unprotected).toMatchObject({ adj: '0', OOMScoreAdjust: '0' });
  });

  it("the TUI's R on a service's process: the dialog offers the drop-in, b writes it and the rule; systemd sets the adj after a restart", () => {
    const t = scenario('tuidropin');
    expect(t.dialog).toContain('oomtop-protect-demo.service: d writes the drop-in');
    // Read across wrapped lines: the status line wraps at 80 columns.
    expect(t.done.split('\n').map((l: string) => l.trim()).join(' ').replace(/\s+/g, ' ')).toContain('oomtop-protect-demo.service: its next start gets OOMScoreAdjust=100 from systemd itself');
    expect(t.dropIn).toBe('# Written by oomtop protect; remove with: oomtop protect --unit oomtop-protect-demo.service --unprotect\n[Service]\nOOMScoreAdjust=100\n');
    expect(t.OOMScoreAdjust).toBe('100');
    expect(t.restarted.pid).not.toBe(t.pid);
    expect(t.restarted.adj).toBe('100');
    expect(t.rules.startsWith('# kept\n\n# Saved by the oomtop TUI')).toBe(true);
    expect(t.check.status).toBe(0);
  });

  it('protect --managed-oom kill --managed-oom-limit 60 --managed-oom-preference omit: systemd reads each setting; --unprotect takes them away', () => {
    const m = scenario('managed');
    expect(m.protect.status).toBe(0);
    expect(m.dropIn).toBe('# Written by oomtop protect; remove with: oomtop protect --unit oomtop-protect-demo.service --unprotect\n[Service]\nOOMScoreAdjust=250\nManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=60%\nManagedOOMPreference=omit\n');
    expect(m.before).toEqual({ OOMScoreAdjust: '0', ManagedOOMMemoryPressure: 'auto', ManagedOOMMemoryPressureLimit: '0', ManagedOOMPreference: 'none' });
    // systemd 252 shows the limit as a fraction of 2^32 (its UINT32_SCALE): 60 % is 2576980377.
    expect(m.during).toMatchObject({ OOMScoreAdjust: '250', ManagedOOMMemoryPressure: 'kill', ManagedOOMPreference: 'omit' });
    expect(Number(m.during.ManagedOOMMemoryPressureLimit) / 2 ** 32).toBeCloseTo(0.6, 6);
    expect(m.unprotect.status).toBe(0);
    expect(m.after).toEqual(m.before);
  });

  it('contrib/oomtop-rules.service with the example of issue 14: running, new and exec\'d processes set, reload, a refused reload, a clean stop; a broken file fails the unit once', () => {
    const r = scenario('rulesservice');
    console.log(`rules service in the guest: a new process set ${r.newMs} ms after its start, an exec'd one ${r.execMs} ms after its exec (interval 1 s, TCG)`);
    expect(r.service).toMatchObject({ active: 'active', adj: '-900' });
    expect(r.service.cmdline.slice(-6)).toEqual(['rules', 'apply', '/etc/oomtop/rules.toml', '--watch', '--interval', '1']);
    const j: string = r.journal;
    expect(j).toContain('watching /etc/oomtop/rules.toml: 2 rules, every 1 s');
    for (const pid of [r.pids.early, r.pids.late, r.pids.exec]) expect(j).toContain(`PID ${pid} (bar_rule_target): oom_score_adj 0 -> 700 (rule "batch jobs go first")`);
    // Lowering works under the unit: root with CAP_SYS_RESOURCE in its bounding set.
    expect(j).toContain(`PID ${r.pids.db} (sleep): oom_score_adj 0 -> -900 (rule "keep the database")`);
    // Within the interval plus the guest's slowness (JavaScript ~8x slower under TCG).
    expect(r.newMs).toBeLessThan(5000);
    expect(r.execMs).toBeLessThan(5000);
    expect(j).toContain('reloaded /etc/oomtop/rules.toml: 3 rules');
    expect(j).toContain(`PID ${r.pids.reloaded} (bar_rule_late): oom_score_adj 0 -> 500 (rule "late")`);
    expect(j).toContain('reload refused, the rules in force stay: /etc/oomtop/rules.toml:3: rule "x": comm is not a valid regular expression');
    expect(j).toContain(`PID ${r.pids.kept} (bar_rule_late): oom_score_adj 0 -> 500 (rule "late")`);
    expect(r.afterBadReload).toBe('active');
    expect(r.stopped).toEqual({ active: 'inactive', result: 'success' });
    // Each change once: no process logged twice.
    for (const pid of Object.values(r.pids)) expect(j.split('\n').filter((l) => l.includes(`PID ${pid} (`))).toHaveLength(1);
    expect(r.failed).toEqual({ status: 0, active: 'failed', result: 'exit-code', exitStatus: '2', restarts: '0' });
  });

  it('rules: the unit matcher on a real v2 service cgroup, in check and apply', () => {
    const r = scenario('rules');
    expect(r.cgroup).toBe('/system.slice/oomtop-protect-demo.service');
    expect(r.check.status).toBe(0);
    expect(r.check.stdout).toContain(`PID ${r.pid} (sleep) adj 0\n`);
    expect(r.apply.status).toBe(0);
    expect(r.apply.lines[0]).toMatchObject({ event: 'adj-set', pid: r.pid, rule: 'the demo unit', before: 0, after: 300 });
    expect(r.adj).toBe('300');
  });
});
