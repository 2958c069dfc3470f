import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canMakeMemcg, memcgSkipReason, TestMemcg } from '../helpers/memcg.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
if (!canMakeMemcg) console.warn(`skipping the real OOM-kill TUI tests: ${memcgSkipReason}`);

describe.skipIf(!hasTmux || !built || !canMakeMemcg)('a real kernel OOM kill in the TUI', () => {
  it('shows the kill of a hog in a 32 MiB cgroup in the event log, with its pid, name and cgroup', async () => {
    const cg = new TestMemcg(32);
    cleanups.push(() => cg.remove());
    // The filter keeps the table on nothing actionable: this test only watches.
    const s = new TmuxSession(`node ${bin} --filter no-such-process-${cg.name}; sleep 60`, 160, 40);
    cleanups.push(() => s.kill());
    await s.waitFor((t) => t.includes('klog: kmsg'), 10_000, 'the kernel log follower');
    const before = cg.oomKills();
    const hog = cg.spawn('tail /dev/zero');
    const pid = hog.pid!;
    // sh execs tail: same pid. The kernel kills it when the cgroup fills.
    await new Promise<void>((r) => hog.once('exit', () => r()));
    expect(hog.signalCode).toBe('SIGKILL');
    expect(cg.oomKills()).toBe(before + 1);
    const screen = await s.waitFor((t) => t.includes(`OOM kill: PID ${pid} (tail)`), 5000, 'the kill in the event log');
    const line = screen.split('\n').find((l) => l.includes(`OOM kill: PID ${pid} (tail)`))!;
    expect(line).toContain(`in cgroup /${cg.name}`);
    expect(line).toContain('limit 32M');
    expect(line).not.toContain('before oomtop started');
    expect(screen).toMatch(/last: \d+s ago — tail/);

    // The same kill, after the fact, from the kernel's buffer.
    const r = spawnSync(process.execPath, [bin, 'analyze', '--json'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
    expect(r.status).toBe(0);
    const kill = JSON.parse(r.stdout).events.find((e: { victim?: { pid: number } }) => e.victim?.pid === pid);
    expect(kill).toMatchObject({ constraint: 'MEMCG', victim: { pid, comm: 'tail' } });
    expect(kill.victim.anonRssKiB).toBeGreaterThan(20_000);
  });

  it('shows the cgroup in the cgroup view with its limit and next victim, and Enter lists its processes', async () => {
    const cg = new TestMemcg(200);
    cleanups.push(() => cg.remove());
    const sleeper = cg.spawn('sleep 120');
    const s = new TmuxSession(`node ${bin} --interval 0.5; sleep 60`, 160, 40);
    cleanups.push(() => s.kill());
    await s.waitFor((t) => t.includes('Mem ['), 10_000, 'the first frame');
    await s.keys('c');
    // The view's own row: the process table's CGROUP column shows the path too.
    const view = await s.waitFor((t) => t.includes('HEADROOM') && t.includes(`/${cg.name}`), 5000, 'the cgroup row');
    const row = view.split('\n').find((l) => l.includes(`/${cg.name}`))!;
    expect(row).toMatch(/200M/);
    expect(row).toContain(`${sleeper.pid} sleep`);
    // Other tests' cgroups may sort above ours and move: step down until the highlighted
    // (inverse) row is ours, then Enter: only its processes remain.
    const inverse = /\u001b\[(?:\d+;)*7m/;
    const selectedIsOurs = () => s.capture(true).split('\n').some((l) => inverse.test(l) && l.includes(`/${cg.name}`));
    // (A busy box, CI with its containers and soak, can have a hundred of them.)
    for (let i = 0; i < 150 && !selectedIsOurs(); i++) await s.keys('Down');
    expect(selectedIsOurs()).toBe(true);
    await s.keys('Enter');
    const table = await s.waitFor((t) => t.includes(`showing the processes of /${cg.name}`), 5000, 'the cgroup filter');
    const pids = table.split('\n').map((l) => /^\s*\*?[VCRNPE]*\s+(\d+) /.exec(l)?.[1]).filter(Boolean);
    expect(pids).toEqual([String(sleeper.pid)]);
  }, 60_000);
});
