import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openForWrite } from '../../src/history/db.js';
import { killStarted, startSleeper, startTimeOf } from '../helpers/children.js';
import { canMakeMemcg, TestMemcg } from '../helpers/memcg.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import { until } from '../helpers/wait.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  killStarted();
});

describe.skipIf(!hasTmux || !built || !canMakeMemcg)('the live forecast in tmux at 80x24', () => {
  it('a process growing 2 MiB/s in a 256 MiB cgroup gets the L badge, the cgroup an ETA in the cgroup view, and the event log a warning', async () => {
    const cg = new TestMemcg(256);
    cleanup.push(() => cg.remove());
    const code = `const keep = []; const t0 = Date.now(); let n = 0; setInterval(() => { const want = Math.floor(((Date.now() - t0) / 1000) * 2); while (n < want) { const b = Buffer.alloc(1 << 20); b.fill(n & 255); keep.push(b); n++; } }, 50);`;
    const leaker: ChildProcess = spawn('sh', ['-c', `echo $$ > '${cg.dir}/cgroup.procs' && exec "${process.execPath}" -e "$0"`, code], { stdio: 'ignore' });
    cleanup.push(() => leaker.exitCode === null && leaker.signalCode === null && leaker.kill('SIGKILL'));
    await until(() => existsSync(`/proc/${leaker.pid}/status`), 10_000, 'the leaker');
    const pid = leaker.pid!;
    const s = new TmuxSession(`node ${bin} --filter pid:${pid} --interval 0.5 --read-only; echo "EXITED:$?"; sleep 60`, 80, 24);
    cleanup.push(() => s.kill());
    // The badge column: C (its cgroup's next victim) and L, before the PID.
    const screen = await s.waitFor((t) => new RegExp(`\\bC?L[RNPE]?\\s+${pid}\\b`).test(t), 40_000, 'the L badge on the leaker');
    for (const line of screen.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    // The slope on the leaking row at 80 columns: GROW/s is kept while a leak suspect is listed.
    const row = await s.waitFor((t) => t.includes('GROW/s') && new RegExp(`\\b${pid}\\b.*\\+[0-9.]+M\\s`).test(t), 20_000, "the leaker's slope on its row");
    const growth = Number(new RegExp(`\\b${pid}\\b.*?\\+([0-9.]+)M\\s`).exec(row)![1]);
    expect(growth).toBeGreaterThan(1);
    expect(growth).toBeLessThan(3.5);
    await s.waitFor((t) => new RegExp(`cgroup ${cg.path}: OOM in ~\\d+ (s|min)`).test(t), 20_000, 'the ETA warning in the event log');
    await s.keys('c');
    const view = await s.waitFor((t) => t.includes('Memory cgroups') && new RegExp(`${cg.path}.*~\\d+ (s|min)`).test(t), 15_000, 'the ETA in the cgroup view');
    expect(view).toMatch(/\bETA\b/);
    await s.keys('Escape');
    await s.keys('q');
    await s.waitFor((t) => t.includes('EXITED:0'), 10_000, 'the exit');
  }, 120_000);

  it('--history records while the monitor runs, even into a path that held a corrupt file (moved aside); oomtop report reads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-tui-history-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'h.db');
    writeFileSync(path, 'SQLite format 3\u0000'.padEnd(8192, 'x'));
    const s = new TmuxSession(`node ${bin} --interval 0.25 --read-only --history ${path}; echo "EXITED:$?"; sleep 60`, 80, 24);
    cleanup.push(() => s.kill());
    // The database file is the witness that it records (the notice in the event log can be
    // pushed off the few log lines at 80x24 by the kills other tests left in the kernel log).
    await s.waitFor((t) => t.includes('Mem ['), 20_000, 'the first frame');
    await until(() => existsSync(path), 20_000, 'the history file');
    await new Promise((r) => setTimeout(r, 2500));
    await s.keys('q');
    await s.waitFor((t) => t.includes('EXITED:0'), 10_000, 'the exit');
    const r = spawnSync(process.execPath, [bin, 'report', '--history', path, '--json'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as { from: string; to: string; scopes: { scope: string }[] };
    expect(rep.scopes[0]!.scope).toBe('system');
    expect(Date.parse(rep.to) - Date.parse(rep.from)).toBeGreaterThan(1000);
    // The corrupt file is kept beside it, as it was.
    expect(readdirSync(dir).filter((n) => n.startsWith('h.db.bad-'))).toHaveLength(1);
  }, 60_000);
});

describe.skipIf(!hasTmux || !built)('the process pane of a recording monitor, in tmux at 80x24', () => {
  it('shows the long history that the file holds for that process (PID and start time) as a sparkline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-tui-recorded-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'h.db');
    const child = startSleeper(120);
    const pid = child.pid!;
    const key = `${pid}:${startTimeOf(pid)}`;
    // Three hours of this process's RSS recorded before the monitor starts (a point a minute,
    // 10 MiB rising to 70 MiB), as an earlier oomtop record would have left them.
    const { db } = await openForWrite(path);
    const end = Date.now() - 60_000;
    for (let i = 0; i <= 180; i++) db.writeTick(end - (180 - i) * 60_000, [{ id: { kind: 'proc', key, metric: 'rss', label: 'sleep', cgroup: null }, value: 10_240 + (61_440 * i) / 180 }]);
    db.close();
    const s = new TmuxSession(`node ${bin} --filter pid:${pid} --interval 0.5 --read-only --history ${path}; echo "EXITED:$?"; sleep 60`, 80, 24);
    cleanup.push(() => s.kill());
    await s.waitFor((t) => new RegExp(`\\b${pid}\\b.*sleep`).test(t), 20_000, 'the sleeper listed');
    await s.keys('Enter');
    await s.waitFor((t) => t.includes('Process details'), 10_000, 'the process pane');
    // The section is the pane's last: scrolled to (PgDn again until it shows, lines may still come in).
    const seen = (t: string) => /Recorded history \(--history\): 3\.\d h, \d+ points/.test(t) && /RSS ▁\S*█\S*\s+\S+ … 70M, now \S+/.test(t);
    for (let i = 0; i < 8 && !seen(s.capture()); i++) {
      await s.keys('PgDn');
      await new Promise((r) => setTimeout(r, 500));
    }
    // The sparkline from 10 MiB up to 70 MiB (the recorded range), oldest left.
    const pane = await s.waitFor(seen, 10_000, 'the recorded history in the pane');
    for (const line of pane.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    await s.keys('Escape');
    await s.keys('q');
    await s.waitFor((t) => t.includes('EXITED:0'), 10_000, 'the exit');
  }, 60_000);
});
