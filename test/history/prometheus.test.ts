import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_METRICS, stepSeconds } from '../../src/history/prometheus.js';
import { ExporterProcess, parseLabels } from '../helpers/exporter.js';
import { memcgSkipReason, TestMemcg } from '../helpers/memcg.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const has = (cmd: string) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
const ready = has('prometheus') && has('promtool');
if (!ready) console.warn('prometheus/promtool not installed (Debian package prometheus): skipping the Prometheus-backed report');

const dir = mkdtempSync(join(tmpdir(), 'oomtop-prom-'));
let prom: ChildProcess | null = null;
afterAll(() => {
  if (prom?.pid && prom.exitCode === null) prom.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const MiB = 1 << 20;
/** Three hours of the exporter's series, 30 s apart, ending 2 min ago: OpenMetrics for promtool's backfill. */
function openMetrics(endS: number): string {
  const steps = 360;
  const times = Array.from({ length: steps }, (_, i) => endS - (steps - 1 - i) * 30);
  const fam = (name: string, series: [string, (t: number, i: number) => number][]) => [
    `# TYPE ${name} gauge`,
    ...series.flatMap(([labels, f]) => times.map((t, i) => `${name}{${labels}} ${Math.round(f(t - times[0]!, i))} ${t}`)),
  ];
  const inst = 'instance="host-a:9108",job="oomtop"';
  return [
    ...fam('oomtop_memory_total_bytes', [[inst, () => 8192 * MiB]]),
    // The system loses 200 KiB/s of its 6 GiB available.
    ...fam('oomtop_memory_available_bytes', [[inst, (s) => 6144 * MiB - 200 * 1024 * s]]),
    ...fam('oomtop_swap_free_bytes', [[inst, () => 0]]),
    ...fam('oomtop_cgroup_memory_limit_bytes', [[`${inst},cgroup="/app"`, () => 1024 * MiB]]),
    ...fam('oomtop_cgroup_memory_working_set_bytes', [[`${inst},cgroup="/app"`, (s) => 300 * MiB + 50 * 1024 * s]]),
    ...fam('oomtop_process_resident_bytes', [
      [`${inst},pid="4242",comm="leaky",cgroup="/app"`, (s) => 100 * MiB + 50 * 1024 * s],
      [`${inst},pid="4343",comm="steady",cgroup="/"`, (_s, i) => 200 * MiB + (i % 7) * 64 * 1024],
      [`${inst},pid="4444",comm="sawtooth",cgroup="/"`, (_s, i) => 300 * MiB + (i % 20) * 4 * MiB],
    ]),
    '# EOF',
    '',
  ].join('\n');
}

describe.skipIf(memcgSkipReason !== null)(`the series report --prometheus reads are the ones oomtop exporter serves${memcgSkipReason ? ` (skipped: ${memcgSkipReason})` : ''}`, () => {
  const exporter = new ExporterProcess();
  let cg: TestMemcg | null = null;
  afterAll(async () => {
    await exporter.stop();
    await cg?.remove();
  });

  it('every metric name it queries is in a real scrape, with the labels it keys on (cgroup; pid, comm, cgroup)', async () => {
    cg = new TestMemcg(64);
    const child = cg.spawn('sleep 60');
    await exporter.start(['exporter', '--listen', '127.0.0.1:0', '--top', '5000', '--max-cgroups', '5000', '--no-kernel-log']);
    // The sleeper joins its cgroup before exec: wait until its comm is sleep.
    await new Promise((r) => setTimeout(r, 300));
    const text = await exporter.scrape();
    const samples = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
        .map((l) => parseLabels(/\{(.*)\}/.exec(l)?.[1] ?? ''));
    for (const name of [PROMETHEUS_METRICS.total, PROMETHEUS_METRICS.available, PROMETHEUS_METRICS.swapFree]) expect(samples(name), name).toHaveLength(1);
    for (const name of [PROMETHEUS_METRICS.cgroupLimit, PROMETHEUS_METRICS.cgroupWorkingSet]) expect(samples(name).map((l) => l['cgroup']), name).toContain(cg.path);
    const mine = samples(PROMETHEUS_METRICS.processResident).find((l) => l['pid'] === String(child.pid));
    expect(mine).toMatchObject({ pid: String(child.pid), comm: 'sleep', cgroup: cg.path });
  }, 60_000);
});

describe('stepSeconds', () => {
  it('at least 15 s, at most ~1100 points; --step as given, within 11,000 points', () => {
    expect(stepSeconds(3600_000)).toBe(15);
    expect(stepSeconds(7 * 86_400_000)).toBe(550);
    expect(stepSeconds(3600_000, 1)).toBe(1);
    expect(stepSeconds(7 * 86_400_000, 1)).toBe(55);
  });
});

describe.skipIf(!ready || memcgSkipReason !== null)(`oomtop report --prometheus on a real Prometheus scraping a real oomtop exporter${memcgSkipReason ? ` (skipped: ${memcgSkipReason})` : ''}`, () => {
  const exporter = new ExporterProcess();
  let cg: TestMemcg | null = null;
  let live: ChildProcess | null = null;
  afterAll(async () => {
    if (live?.pid && live.exitCode === null) live.kill('SIGKILL');
    await exporter.stop();
    await cg?.remove();
  });

  it('a process growing 4 MiB/s in a limited cgroup is the leak, at its rate, and the cgroup gets its ETA; an idle one beside it is not a suspect', async () => {
    const rateMiB = 4;
    cg = new TestMemcg(192);
    const idle = cg.spawn('sleep 120');
    const code = `const keep = []; const t0 = Date.now(); let n = 0; setInterval(() => { const want = Math.floor(((Date.now() - t0) / 1000) * ${rateMiB}); while (n < want) { const b = Buffer.alloc(1 << 20); b.fill(n & 255); keep.push(b); n++; } }, 50);`;
    const leaker = cg.spawn(`"${process.execPath}" -e '${code}'`);
    await exporter.start(['exporter', '--listen', '127.0.0.1:0', '--interval', '0.25', '--top', '5000', '--max-cgroups', '5000', '--no-kernel-log']);
    const pdir = mkdtempSync(join(dir, 'live-'));
    writeFileSync(join(pdir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: oomtop\n    static_configs:\n      - targets: ['${exporter.target}']\n`);
    const port = await freePort();
    live = spawn('prometheus', [`--config.file=${join(pdir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(pdir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    // Scraped: the leaker's series is in Prometheus.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const q = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(`oomtop_process_resident_bytes{pid="${leaker.pid}"}`)}`).then((r) => r.json() as Promise<{ data?: { result?: unknown[] } }>, () => null);
      if ((q?.data?.result?.length ?? 0) > 0) break;
      if (Date.now() > deadline || live.exitCode !== null) throw new Error('prometheus did not scrape the exporter');
      await new Promise((r) => setTimeout(r, 500));
    }
    // About 16 s of one-second scrapes (the cgroup fills in ~45 s at this rate).
    await new Promise((r) => setTimeout(r, 16_000));
    const r = spawnSync(process.execPath, [bin, 'report', '--prometheus', url, '--since', '2m', '--step', '1', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as {
      leaks: { pid: number; name: string; cgroup: string | null; slopeKiBPerS: number }[];
      scopes: { scope: string; limitKiB: number; headroomKiB: number; etaSeconds: number | null }[];
    };
    const leak = rep.leaks.find((l) => l.pid === leaker.pid);
    expect(leak, JSON.stringify(rep.leaks)).toMatchObject({ name: 'node', cgroup: cg.path });
    const rate = rateMiB * 1024;
    expect(Math.abs(leak!.slopeKiBPerS - rate) / rate).toBeLessThan(0.25);
    expect(rep.leaks.find((l) => l.pid === idle.pid)).toBeUndefined();
    const scope = rep.scopes.find((x) => x.scope === cg!.path)!;
    expect(scope, JSON.stringify(rep.scopes.map((x) => x.scope))).toBeDefined();
    expect(scope.limitKiB).toBe(192 * 1024);
    expect(scope.etaSeconds).not.toBeNull();
    const truth = scope.headroomKiB / rate;
    expect(Math.abs(scope.etaSeconds! - truth) / truth).toBeLessThan(0.35);
    // --step belongs to --prometheus.
    expect(spawnSync(process.execPath, [bin, 'report', '--step', '1'], { encoding: 'utf8' }).status).toBe(2);
  }, 120_000);
});

describe.skipIf(!ready)('oomtop report --prometheus against a real Prometheus on loopback', () => {
  it('computes leaks, ETAs and the capacity plan from query_range over the exporter series', async () => {
    const endS = Math.floor(Date.now() / 1000) - 120;
    writeFileSync(join(dir, 'series.om'), openMetrics(endS));
    const data = join(dir, 'data');
    const made = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'series.om'), data], { encoding: 'utf8', timeout: 120_000 });
    expect(made.status, made.stderr + made.stdout).toBe(0);
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    const port = await freePort();
    prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline || prom.exitCode !== null) throw new Error('prometheus did not become ready');
      await new Promise((r) => setTimeout(r, 250));
    }
    const r = spawnSync(process.execPath, [bin, 'report', '--prometheus', url, '--since', '4h', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as {
      source: string;
      leaks: { pid: number; name: string; cgroup: string | null; slopeKiBPerS: number }[];
      scopes: { scope: string; usedKiB: number; limitKiB: number; etaSeconds: number | null }[];
      capacity: { days: number; growthPctPerDay: number; daysTo80Pct: number | null; daysTo90Pct: number | null; recommendation: string };
    };
    expect(rep.source).toBe(url);
    expect(rep.leaks.map((l) => l.name)).toEqual(['leaky']);
    expect(rep.leaks[0]).toMatchObject({ pid: 4242, cgroup: '/app' });
    expect(rep.leaks[0]!.slopeKiBPerS).toBeGreaterThan(45);
    expect(rep.leaks[0]!.slopeKiBPerS).toBeLessThan(55);
    const app = rep.scopes.find((s) => s.scope === '/app')!;
    expect(app.limitKiB).toBe(1024 * 1024);
    // Working set at the end: 300 MiB + 50 KiB/s over 10,770 s; ETA = what is left / 50 KiB/s.
    const truth = (1024 * 1024 - (300 * 1024 + 50 * 10_770)) / 50;
    expect(Math.abs(app.etaSeconds! - truth) / truth).toBeLessThan(0.05);
    const sys = rep.scopes.find((s) => s.scope === 'system')!;
    expect(sys.limitKiB).toBe(8192 * 1024);
    // 200 KiB/s of 8 GiB: 0.2 points of RAM a day... times 86,400 / 8 GiB: about 206 points a day.
    expect(rep.capacity.days).toBeGreaterThan(0.12);
    expect(rep.capacity.growthPctPerDay).toBeCloseTo((200 * 86_400 * 100) / (8192 * 1024), 0);
    expect(rep.capacity.daysTo80Pct).not.toBeNull();
    const text = spawnSync(process.execPath, [bin, 'report', '--prometheus', url, '--since', '4h'], { encoding: 'utf8', timeout: 60_000 });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('PID 4242 leaky');
    for (const line of text.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  }, 180_000);

  it('an address with no Prometheus is a one-line runtime error', () => {
    const r = spawnSync(process.execPath, [bin, 'report', '--prometheus', 'http://127.0.0.1:9', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^oomtop report: cannot reach Prometheus at http:\/\/127\.0\.0\.1:9/);
    expect(spawnSync(process.execPath, [bin, 'report', '--prometheus', 'localhost:9090'], { encoding: 'utf8' }).status).toBe(2);
  });
});
