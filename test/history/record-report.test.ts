import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canMakeMemcg, memcgSkipReason, TestMemcg } from '../helpers/memcg.js';
import { killStarted, startHog } from '../helpers/children.js';
import { sleep, until } from '../helpers/wait.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const dir = mkdtempSync(join(tmpdir(), 'oomtop-record-'));
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
const RATE_MIB = 4;

/** A node child that grows RATE_MIB MiB/s by the wall clock (so a starved event loop catches up), touching every page. */
function startLeaker(cgroupDir: string): ChildProcess {
  const code = `
    const keep = []; const t0 = Date.now(); let n = 0;
    setInterval(() => { const want = Math.floor(((Date.now() - t0) / 1000) * ${RATE_MIB}); while (n < want) { const b = Buffer.alloc(1 << 20); b.fill(n & 255); keep.push(b); n++; } }, 50);
  `;
  return spawn('sh', ['-c', `echo $$ > '${cgroupDir}/cgroup.procs' && exec "${process.execPath}" -e "$0"`, code], { stdio: 'ignore' });
}

/** A GC-style sawtooth: 12 MiB over a second, all of it freed, again. */
function startSawtooth(): ChildProcess {
  const code = `
    let keep = []; let i = 0;
    setInterval(() => { if (++i % 10 === 0) { keep = []; globalThis.gc(); } else { const b = Buffer.alloc(4 << 20); b.fill(1); keep.push(b); } }, 100);
  `;
  return spawn(process.execPath, ['--expose-gc', '-e', code], { stdio: 'ignore' });
}

interface ReportJson {
  leaks: { pid: number; name: string; cgroup: string | null; slopeKiBPerS: number; rssKiB: number; windowS: number; confidence: number }[];
  scopes: { scope: string; usedKiB: number; limitKiB: number; headroomKiB: number; slopeKiBPerS: number; etaSeconds: number | null }[];
  capacity: { days: number; currentAvgPct: number; predictedAvgPct: number; predictedMaxPct: number; daysTo80Pct: number | null; daysTo90Pct: number | null; recommendation: string } | null;
}

const mine: ChildProcess[] = [];
afterAll(() => {
  for (const c of mine) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  killStarted();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canMakeMemcg)(`oomtop record + report on real processes${memcgSkipReason ? ` (${memcgSkipReason})` : ''}`, () => {
  it(
    'a process growing 4 MiB/s in a limited cgroup is a leak with its slope and the cgroup an ETA; an idle and a sawtooth process are not suspects',
    async () => {
      const cg = new TestMemcg(192);
      try {
        const idle = await startHog(24, { cgroupDir: cg.dir });
        const saw = startSawtooth();
        mine.push(saw);
        const leaker = startLeaker(cg.dir);
        mine.push(leaker);
        await until(() => existsSync(`/proc/${leaker.pid}/status`), 10_000, 'the leaker');
        await sleep(1000);
        const path = join(dir, 'leak.db');
        const rec = cli(['record', '--history', path, '--duration', '12', '-d', '0.5']);
        expect(rec.status, rec.stderr).toBe(0);
        const r = cli(['report', '--history', path, '--json']);
        expect(r.status, r.stderr).toBe(0);
        const rep = JSON.parse(r.stdout) as ReportJson;
        const leak = rep.leaks.find((l) => l.pid === leaker.pid);
        expect(leak, JSON.stringify(rep.leaks)).toBeDefined();
        expect(leak!.cgroup).toBe(cg.path);
        const rate = RATE_MIB * 1024;
        expect(Math.abs(leak!.slopeKiBPerS - rate) / rate).toBeLessThan(0.25);
        expect(leak!.windowS).toBeGreaterThanOrEqual(8);
        // Both were recorded (the cgroup's victim and a top grower), so "not a suspect" is a verdict.
        const db = new (createRequire(import.meta.url)('better-sqlite3'))(path, { readonly: true });
        const recorded = (pid: number) => (db.prepare("SELECT count(*) AS n FROM points JOIN series ON sid = id WHERE kind = 'proc' AND key LIKE ?").get(`${pid}:%`) as { n: number }).n;
        expect(recorded(idle.pid!)).toBeGreaterThan(10);
        expect(recorded(saw.pid!)).toBeGreaterThan(10);
        db.close();
        expect(rep.leaks.find((l) => l.pid === idle.pid)).toBeUndefined();
        expect(rep.leaks.find((l) => l.pid === saw.pid)).toBeUndefined();
        // The cgroup: limit − working set shrinking at the leaker's rate, so its ETA is the
        // headroom at the last sample over 4 MiB/s.
        const scope = rep.scopes.find((s) => s.scope === cg.path)!;
        expect(scope, JSON.stringify(rep.scopes.map((s) => s.scope))).toBeDefined();
        expect(scope.limitKiB).toBe(192 * 1024);
        expect(scope.etaSeconds).not.toBeNull();
        const truth = scope.headroomKiB / rate;
        expect(Math.abs(scope.etaSeconds! - truth) / truth).toBeLessThan(0.35);
        expect(rep.scopes[0]!.scope).toBe('system');
        expect(rep.capacity).not.toBeNull();
        // The text report: the leaker named, every line within 80 columns, a chart.
        const text = cli(['report', '--history', path]);
        expect(text.status, text.stderr).toBe(0);
        expect(text.stdout).toContain(`PID ${leaker.pid} node`);
        expect(text.stdout).toMatch(/RAM in use, %/);
        expect(text.stdout).toMatch(/[┤┼]/);
        for (const line of text.stdout.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
      } finally {
        await cg.remove();
      }
    },
    90_000,
  );

  it('a recorder killed with SIGKILL mid-write leaves a file that opens: recording resumes into it and the report runs', async () => {
    const path = join(dir, 'crash.db');
    for (let round = 0; round < 2; round++) {
      const rec = spawn(process.execPath, [bin, 'record', '--history', path, '-d', '0.1', '--top', '200'], { stdio: ['ignore', 'ignore', 'pipe'] });
      mine.push(rec);
      let stderr = '';
      rec.stderr!.on('data', (d) => (stderr += String(d)));
      await until(() => existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 64 * 1024, 20_000, 'the WAL to fill');
      await sleep(300 + round * 200);
      rec.kill('SIGKILL');
      await new Promise((r) => rec.once('exit', r));
      expect(stderr).not.toMatch(/moved aside/);
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('crash.db.bad-'))).toEqual([]);
    const again = cli(['record', '--history', path, '--duration', '1']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/moved aside/);
    const r = cli(['report', '--history', path, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as ReportJson & { from: string; to: string };
    expect(Date.parse(rep.to) - Date.parse(rep.from)).toBeGreaterThan(1000);
    expect(rep.scopes[0]!.scope).toBe('system');
  }, 90_000);
});

describe('one writer per history file', () => {
  it('a second recorder on the same file is refused, naming the first; the first keeps its file and goes on', async () => {
    const path = join(dir, 'shared.db');
    const first = spawn(process.execPath, [bin, 'record', '--history', path, '-d', '0.2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    mine.push(first);
    await until(() => existsSync(`${path}.lock`) && existsSync(`${path}-wal`), 20_000, 'the first recorder to start');
    const second = cli(['record', '--history', path, '--duration', '1']);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`history ${path} is being written by PID ${first.pid} (node)`);
    expect(second.stderr).toMatch(/--history PATH/);
    // Not moved aside: the first recorder's file is where it was, and still growing.
    expect(readdirSync(dir).filter((n) => n.startsWith('shared.db.bad-'))).toEqual([]);
    const before = cli(['report', '--history', path, '--json']);
    expect(before.status, before.stderr).toBe(0);
    await sleep(1000);
    const after = cli(['report', '--history', path, '--json']);
    expect(Date.parse((JSON.parse(after.stdout) as { to: string }).to)).toBeGreaterThan(Date.parse((JSON.parse(before.stdout) as { to: string }).to));
    // Stopped cleanly, it lets go of the file: the next recorder takes it.
    first.kill('SIGTERM');
    await new Promise((r) => first.once('exit', r));
    expect(existsSync(`${path}.lock`)).toBe(false);
    const next = cli(['record', '--history', path, '--duration', '1']);
    expect(next.status, next.stderr).toBe(0);
  }, 60_000);
});

describe('oomtop guard --history', () => {
  it('records beside the guard (dry run), the report reads it; --history-max-mib alone is refused', async () => {
    const path = join(dir, 'guard.db');
    const g = spawn(process.execPath, [bin, 'guard', '--dry-run', '--history', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    mine.push(g);
    let out = '';
    g.stdout!.on('data', (d) => (out += String(d)));
    await until(() => out.includes(`recording to ${path}`), 20_000, 'the guard recording');
    await until(() => existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0, 10_000, 'a tick written');
    await sleep(2500);
    g.kill('SIGTERM');
    await new Promise((r) => g.once('exit', r));
    expect(g.exitCode).toBe(0);
    const r = cli(['report', '--history', path, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as ReportJson & { from: string; to: string };
    expect(rep.scopes[0]!.scope).toBe('system');
    expect(Date.parse(rep.to) - Date.parse(rep.from)).toBeGreaterThan(1000);
    const bad = cli(['guard', '--history-max-mib', '8']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--history-max-mib needs --history PATH/);
  }, 60_000);
});

describe('oomtop exporter --history', () => {
  it('records every second beside the exporter, which still serves /metrics; the report reads it; a file another writer holds is told and the exporter goes on', async () => {
    const path = join(dir, 'exporter.db');
    const ex = spawn(process.execPath, [bin, 'exporter', '--listen', '127.0.0.1:0', '--no-kernel-log', '--history', path, '--history-max-mib', '8'], { stdio: ['ignore', 'ignore', 'pipe'] });
    mine.push(ex);
    let err = '';
    ex.stderr!.on('data', (d) => (err += String(d)));
    await until(() => /listening on (http:\S+)/.test(err) && err.includes(`recording to ${path} every 1 s`), 20_000, 'the exporter listening and recording');
    const url = /listening on (http:\S+)/.exec(err)![1]!;
    await until(() => existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0, 10_000, 'a tick written');
    await sleep(3000);
    const metrics = await fetch(url).then((r) => r.text());
    expect(metrics).toMatch(/^oomtop_memory_available_bytes \d+/m);
    // A second writer on the same file (the exporter holds it): refused, naming the exporter.
    const second = cli(['record', '--history', path, '--duration', '1']);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`is being written by PID ${ex.pid}`);
    ex.kill('SIGTERM');
    await new Promise((r) => ex.once('exit', r));
    expect(ex.exitCode, err).toBe(0);
    expect(existsSync(`${path}.lock`)).toBe(false);
    const r = cli(['report', '--history', path, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as ReportJson & { from: string; to: string };
    expect(rep.scopes[0]!.scope).toBe('system');
    // About a point a second: the 3 s wait and the start-up, at least 3 ticks apart.
    expect(Date.parse(rep.to) - Date.parse(rep.from)).toBeGreaterThanOrEqual(2000);
    const db = new (createRequire(import.meta.url)('better-sqlite3'))(path, { readonly: true });
    const procs = (db.prepare("SELECT count(DISTINCT sid) AS n FROM points JOIN series ON sid = id WHERE kind = 'proc'").get() as { n: number }).n;
    db.close();
    expect(procs).toBeGreaterThan(0);

    // A file it cannot take: the exporter says so and serves all the same.
    const held = join(dir, 'held.db');
    const holder = spawn(process.execPath, [bin, 'record', '--history', held, '-d', '0.5'], { stdio: 'ignore' });
    mine.push(holder);
    await until(() => existsSync(`${held}.lock`), 20_000, 'the holder recording');
    const ex2 = spawn(process.execPath, [bin, 'exporter', '--listen', '127.0.0.1:0', '--no-kernel-log', '--history', held], { stdio: ['ignore', 'ignore', 'pipe'] });
    mine.push(ex2);
    let err2 = '';
    ex2.stderr!.on('data', (d) => (err2 += String(d)));
    await until(() => /listening on (http:\S+)/.test(err2) && err2.includes('history: not recording'), 20_000, 'the second exporter serving without its history');
    expect(err2).toContain(`is being written by PID ${holder.pid}`);
    expect(await fetch(/listening on (http:\S+)/.exec(err2)![1]!).then((x) => x.status)).toBe(200);
    ex2.kill('SIGTERM');
    holder.kill('SIGTERM');
    await Promise.all([new Promise((r) => ex2.once('exit', r)), new Promise((r) => holder.once('exit', r))]);
    expect(ex2.exitCode).toBe(0);
  }, 90_000);
});

// nobody must be able to run this checkout (bin, dist, the SQLite binding): a clone under a
// private home is not, and the test skips there.
const nobodyRuns =
  process.getuid?.() === 0 &&
  /no history at/.test(spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, bin, 'report', '--history', '/nonexistent/oomtop-probe.db'], { encoding: 'utf8', timeout: 30_000 }).stderr ?? '');
if (!nobodyRuns) console.warn('default history paths: skipping the non-root case (needs root, runuser, and a checkout nobody can read)');
describe.skipIf(!nobodyRuns)('default history paths (root: /var/lib/oomtop, others: $XDG_STATE_HOME/oomtop)', () => {
  it('a user other than root records into and reports from $XDG_STATE_HOME/oomtop/history.db without --history', () => {
    const home = mkdtempSync(join(tmpdir(), 'oomtop-xdg-'));
    try {
      spawnSync('chmod', ['777', home]);
      const state = join(home, 'state');
      const asNobody = (args: string[]) =>
        spawnSync('runuser', ['-u', 'nobody', '--', 'env', '-i', 'PATH=/usr/bin:/bin', 'HOME=/nonexistent', `XDG_STATE_HOME=${state}`, process.execPath, bin, ...args], { encoding: 'utf8', timeout: 60_000 });
      const rec = asNobody(['record', '--duration', '1.5', '-d', '0.5']);
      expect(rec.status, rec.stderr).toBe(0);
      expect(rec.stderr).toContain(`recording to ${state}/oomtop/history.db`);
      expect(existsSync(join(state, 'oomtop', 'history.db'))).toBe(true);
      const r = asNobody(['report', '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { source: string }).source).toBe(`${state}/oomtop/history.db`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(process.getuid?.() !== 0)('the default history path for root', () => {
  it.skipIf(existsSync('/var/lib/oomtop/history.db'))('root reads /var/lib/oomtop/history.db without --history (none here: the message names it)', () => {
    const r = cli(['report']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no history at /var/lib/oomtop/history.db');
  });
});

describe('a history file that cannot be used', () => {
  it('record, given a corrupt file, says so in one line, moves it aside, records into a new one, and the report reads that', () => {
    const path = join(dir, 'corrupt.db');
    writeFileSync(path, 'SQLite format 3\u0000'.padEnd(8192, 'x'));
    const rec = cli(['record', '--history', path, '--duration', '1.5', '-d', '0.5']);
    expect(rec.status, rec.stderr).toBe(0);
    const notice = rec.stderr.split('\n').filter((l) => l.includes('moved aside'));
    expect(notice, rec.stderr).toHaveLength(1);
    expect(notice[0]).toMatch(new RegExp(`^oomtop record: history ${path} could not be used \\(.+\\): moved aside to ${path}\\.bad-\\S+, recording into a new file$`));
    const aside = readdirSync(dir).filter((n) => n.startsWith('corrupt.db.bad-') && !/-(wal|shm)$/.test(n));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8').startsWith('SQLite format 3')).toBe(true);
    const r = cli(['report', '--history', path, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as ReportJson).scopes[0]!.scope).toBe('system');
  });
});

describe('oomtop record / report: bad input', () => {
  it('one-line usage errors (exit 2), a missing history is a runtime error that names the fix', () => {
    for (const args of [['--once', '--history', join(dir, 'x.db')], ['record', '--no-history'], ['record', '--history-max-mib', '0'], ['report', '--since', '7x'], ['record', '--history', 'a', '--no-history'], ['report', '--bogus'],
      // --no-history is taken everywhere; with --history it contradicts; a cap needs a file.
      ['guard', '--history', 'a', '--no-history'], ['exporter', '--history', 'a', '--no-history'], ['exporter', '--history-max-mib', '8'], ['exporter', '--history', ''],
      ['exporter', '--textfile', join(dir, 'm.prom'), '--once', '--history', join(dir, 'y.db')], ['--history', 'a', '--no-history']]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // --no-history alone is what the exporter does without --history: it runs (and writes no file).
    const prom = join(dir, 'nohist.prom');
    const ok = cli(['exporter', '--no-history', '--textfile', prom, '--once', '--no-kernel-log']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(prom)).toBe(true);
    const r = cli(['report', '--history', join(dir, 'nothing.db')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no history at .*nothing\.db \(record one with oomtop record/);
  });
});
