import { execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killStarted, startHog, startSleeper } from '../helpers/children.js';
import { ExporterProcess, parseLabels, pollFor, repo, sampleValue } from '../helpers/exporter.js';
import { memcgSkipReason, TestMemcg } from '../helpers/memcg.js';
import { freePort, promtool, promtoolSkipReason } from '../helpers/prometheus.js';

const nodeExporterSkipReason = spawnSync('sh', ['-c', 'command -v prometheus-node-exporter']).status === 0 ? null : 'prometheus-node-exporter not installed';

function oomtop(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) =>
    execFile(process.execPath, [resolve(repo, 'bin/oomtop.js'), ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const memTotalBytes = () => Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;

describe('oomtop exporter from bin/oomtop.js on a loopback port', () => {
  const exporter = new ExporterProcess();
  afterAll(async () => {
    killStarted();
    expect(await exporter.stop()).toBe(0);
  });

  it('serves /metrics from the real /proc, / with a link, /healthz; 404 and 405 otherwise', async () => {
    // --top 5000: every process, so the sleeper below shows however busy the shared box is.
    await exporter.start(['exporter', '--listen', '127.0.0.1:0', '--interval', '0.2', '--top', '5000']);
    expect(exporter.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${exporter.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await r.text();
    expect(sampleValue(text, 'oomtop_memory_total_bytes')).toBe(memTotalBytes());
    expect(sampleValue(text, 'oomtop_exporter_processes')).toBeGreaterThan(1);
    expect(text).toContain('oomtop_next_victim_info{scope="system"');
    const index = await (await fetch(`${exporter.url}/`)).text();
    expect(index).toContain('<a href="/metrics">');
    const health = await fetch(`${exporter.url}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    expect((await fetch(`${exporter.url}/nope`)).status).toBe(404);
    expect((await fetch(`${exporter.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it.skipIf(promtoolSkipReason !== null)('promtool check metrics passes on a real scrape', async () => {
    const r = promtool(['check', 'metrics'], await exporter.scrape());
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('a process the test starts shows with its oom_score_adj, and its series go once it exits', async () => {
    const child = startSleeper(120);
    writeFileSync(`/proc/${child.pid}/oom_score_adj`, '1000');
    const pid = String(child.pid);
    const seen = await pollFor(async () => sampleValue(await exporter.scrape(), 'oomtop_process_oom_score_adj', { pid }), 10_000, 'the sleeper in the scrape');
    expect(seen).toBe(1000);
    const line = (await exporter.scrape()).split('\n').find((l) => l.startsWith(`oomtop_process_oom_score{pid="${pid}"`))!;
    expect(parseLabels(line).comm).toBe('sleep');
    process.kill(child.pid!, 'SIGKILL');
    await pollFor(async () => (sampleValue(await exporter.scrape(), 'oomtop_process_oom_score_adj', { pid }) === undefined ? true : undefined), 10_000, 'the series to go');
  });
});

describe('oomtop exporter options', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('--textfile PATH --once writes the metrics whole (no temporary file left) and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-textfile-'));
    dirs.push(dir);
    const path = join(dir, 'oomtop.prom');
    const r = await oomtop(['exporter', '--textfile', path, '--once', '--top', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = readFileSync(path, 'utf8');
    expect(sampleValue(text, 'oomtop_memory_total_bytes')).toBe(memTotalBytes());
    expect(readdirSync(dir)).toEqual(['oomtop.prom']);
    if (promtoolSkipReason === null) expect(promtool(['check', 'metrics'], text).status).toBe(0);
  });

  it('--textfile PATH without --once: rewritten every --interval by rename (a reader never sees half a file), no port, nothing left but the file after SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-textfile-'));
    dirs.push(dir);
    const path = join(dir, 'oomtop.prom');
    const child = spawn(process.execPath, [resolve(repo, 'bin/oomtop.js'), 'exporter', '--textfile', path, '--interval', '0.1', '--top', '3', '--no-kernel-log'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await pollFor(async () => (stderr.includes(`writing ${path} every 0.1 s`) ? true : undefined), 20_000, 'the exporter to start writing');
      expect(stderr).not.toContain('listening on');
      const whole = (text: string) => text.endsWith('\n') && sampleValue(text, 'oomtop_memory_total_bytes') === memTotalBytes() && sampleValue(text, 'oomtop_exporter_sample_timestamp_seconds') !== undefined;
      // An open descriptor keeps the file it opened: after rewrites by rename it still reads
      // that whole file, and the path names a new inode (a rewrite in place would truncate it).
      const fd = openSync(path, 'r');
      const firstIno = fstatSync(fd).ino;
      const stamps = new Set<number>();
      const until = Date.now() + 2500;
      let reads = 0;
      while (Date.now() < until) {
        const text = readFileSync(path, 'utf8');
        reads++;
        expect(whole(text), `read ${reads}: ${text.length} bytes`).toBe(true);
        stamps.add(sampleValue(text, 'oomtop_exporter_sample_timestamp_seconds')!);
        for (const f of readdirSync(dir)) expect(f === 'oomtop.prom' || /^\.oomtop\.prom\.\d+\.tmp$/.test(f), f).toBe(true);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(stamps.size).toBeGreaterThan(3);
      expect(statSync(path).ino).not.toBe(firstIno);
      expect(whole(readFileSync(fd, 'utf8'))).toBe(true);
      closeSync(fd);
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(readdirSync(dir)).toEqual(['oomtop.prom']);
    if (promtoolSkipReason === null) expect(promtool(['check', 'metrics'], readFileSync(path, 'utf8')).status).toBe(0);
  });

  it.skipIf(nodeExporterSkipReason !== null)('a real node_exporter serves the textfile: its textfile collector reads it without error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-textfile-'));
    dirs.push(dir);
    const r = await oomtop(['exporter', '--textfile', join(dir, 'oomtop.prom'), '--once']);
    expect(r.code).toBe(0);
    const port = await freePort();
    const ne = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${dir}`], { stdio: 'ignore' });
    try {
      const text = await pollFor(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 20_000, 'node_exporter');
      expect(sampleValue(text, 'node_textfile_scrape_error')).toBe(0);
      expect(sampleValue(text, 'oomtop_memory_total_bytes')).toBe(memTotalBytes());
      expect(text).toMatch(/^oomtop_next_victim_info\{/m);
    } finally {
      process.kill(ne.pid!, 'SIGTERM');
    }
  });

  it('a --proc-root with no processes: said on stderr, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-textfile-'));
    dirs.push(dir);
    const r = await oomtop(['exporter', '--proc-root', join(dir, 'none'), '--textfile', join(dir, 'x.prom'), '--once']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`oomtop exporter: cannot list processes in ${join(dir, 'none')}`);
    expect(sampleValue(readFileSync(join(dir, 'x.prom'), 'utf8'), 'oomtop_exporter_processes')).toBe(0);
  });

  it('a textfile that cannot be written: a clear message and exit 1', async () => {
    const r = await oomtop(['exporter', '--textfile', '/nonexistent-dir/x.prom', '--once']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^oomtop exporter: cannot write \/nonexistent-dir\/x\.prom: ENOENT/);
  });

  it.each([
    [['--listen', ':10173'], 'no address in ":10173": give 127.0.0.1:10173 for loopback, or 0.0.0.0:10173 to listen on every address'],
    [['--listen', 'localhost'], '"localhost" is not ADDR:PORT'],
    [['--listen', '127.0.0.1:70000'], 'port 70000 is out of range'],
    [['--listen', '[zz]:1'], '"zz" is not an IPv6 address'],
    [['--top', '-1'], '--top: -1 is out of range (0..10000)'],
    [['--max-cgroups', 'x'], '--max-cgroups: "x" is not a whole number'],
    [['--interval', '0'], '--interval: 0 is out of range'],
    [['--once'], '--once needs --textfile'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('%j: one line and exit 2', async (args, message) => {
    const r = await oomtop(['exporter', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('--help names the default loopback address and port', async () => {
    const r = await oomtop(['exporter', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('default 127.0.0.1:10173, loopback');
  });

  it('an address in use: a clear message and exit 1', async () => {
    const a = await new ExporterProcess().start(['exporter', '--listen', '127.0.0.1:0']);
    try {
      const r = await oomtop(['exporter', '--listen', a.target]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot listen on ${a.target}: listen EADDRINUSE`);
    } finally {
      await a.stop();
    }
  });
});

describe.skipIf(memcgSkipReason !== null)(`oomtop guard --listen: the guard's decisions as metrics${memcgSkipReason ? ` (skipped: ${memcgSkipReason})` : ''}`, () => {
  let memcg: TestMemcg | null = null;
  let stateDir = '';
  afterAll(async () => {
    killStarted();
    await memcg?.remove();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('oomtop_guard_armed is 1 and oomtop_guard_kills_total counts the SIGTERM the guard sent in its cgroup', async () => {
    memcg = new TestMemcg(256);
    stateDir = mkdtempSync(join(tmpdir(), 'oomtop-guard-state-'));
    const guard = await new ExporterProcess().start(['guard', '--cgroup', memcg.path, '--mem-term', '40', '--mem-kill', '2', '--state-dir', stateDir, '--listen', '127.0.0.1:0']);
    try {
      const first = await guard.scrape();
      expect(sampleValue(first, 'oomtop_guard_armed')).toBe(1);
      expect(first).not.toMatch(/^oomtop_guard_kills_total\{/m);
      // 200 MiB into 256: available falls under 40 % and the guard ends the hog.
      const hog = startHog(200, { cgroupDir: memcg.dir }).then(
        () => 'survived',
        () => 'ended',
      );
      const counted = await pollFor(
        async () => {
          const t = await guard.scrape();
          const line = t.split('\n').find((l) => l.startsWith('oomtop_guard_kills_total{'));
          return line ? { labels: parseLabels(line), value: Number(line.split(' ').pop()) } : undefined;
        },
        30_000,
        'oomtop_guard_kills_total',
      );
      expect(counted.labels.signal).toBe('SIGTERM');
      expect(counted.labels.scope).toContain(memcg.name);
      expect(counted.value).toBe(1);
      expect(await Promise.race([hog, new Promise((r) => setTimeout(() => r('timeout'), 15_000))])).not.toBe('timeout');
      // The exporter's own metrics are there too.
      expect(sampleValue(await guard.scrape(), 'oomtop_memory_total_bytes')).toBe(memTotalBytes());
    } finally {
      expect(await guard.stop()).toBe(0);
    }
  }, 60_000);

  it('--dry-run: oomtop_guard_armed 0', async () => {
    const sd = mkdtempSync(join(tmpdir(), 'oomtop-guard-state-'));
    const guard = await new ExporterProcess().start(['guard', '--dry-run', '--state-dir', sd, '--listen', '127.0.0.1:0']);
    try {
      expect(sampleValue(await guard.scrape(), 'oomtop_guard_armed')).toBe(0);
    } finally {
      await guard.stop();
      rmSync(sd, { recursive: true, force: true });
    }
  });
});

describe.skipIf(memcgSkipReason !== null)(`the live forecast as metrics: a leaker in a real cgroup${memcgSkipReason ? ` (skipped: ${memcgSkipReason})` : ''}`, () => {
  const exporter = new ExporterProcess();
  let cg: TestMemcg | null = null;
  let leaker: ReturnType<typeof spawn> | null = null;
  afterAll(async () => {
    if (leaker && leaker.exitCode === null && leaker.signalCode === null) leaker.kill('SIGKILL');
    killStarted();
    await exporter.stop();
    await cg?.remove();
  });

  it('a process growing 2 MiB/s in a 256 MiB cgroup: its growth and the cgroup ETA in the scrape, near the truth', async () => {
    cg = new TestMemcg(256);
    const rateMiB = 2;
    const code = `const keep = []; const t0 = Date.now(); let n = 0; setInterval(() => { const want = Math.floor(((Date.now() - t0) / 1000) * ${rateMiB}); while (n < want) { const b = Buffer.alloc(1 << 20); b.fill(n & 255); keep.push(b); n++; } }, 50);`;
    leaker = spawn('sh', ['-c', `echo $$ > '${cg.dir}/cgroup.procs' && exec "${process.execPath}" -e "$0"`, code], { stdio: 'ignore' });
    const pid = String(leaker.pid);
    const idle = startSleeper(120);
    await exporter.start(['exporter', '--listen', '127.0.0.1:0', '--interval', '0.25', '--top', '5000', '--max-cgroups', '5000', '--no-kernel-log']);
    // Scrapes every 250 ms give the store the samples its forecast needs (it recomputes every 5 s).
    const found = await pollFor(
      async () => {
        const text = await exporter.scrape();
        const growth = sampleValue(text, 'oomtop_process_growth_bytes_per_second', { pid });
        const eta = sampleValue(text, 'oomtop_memory_exhaustion_eta_seconds', { scope: cg!.path });
        const room = sampleValue(text, 'oomtop_cgroup_memory_headroom_bytes', { cgroup: cg!.path });
        return growth !== undefined && eta !== undefined && room !== undefined ? { growth, eta, room } : undefined;
      },
      60_000,
      'the leaker\'s growth and its cgroup\'s ETA',
    );
    const rate = rateMiB * 1024 * 1024;
    expect(found.growth).toBeGreaterThan(rate * 0.65);
    expect(found.growth).toBeLessThan(rate * 1.35);
    // The ETA is the headroom over the rate (the cgroup holds little but the leaker).
    expect(found.eta).toBeGreaterThan((found.room / rate) * 0.5);
    expect(found.eta).toBeLessThan((found.room / rate) * 1.5 + 10);
    // An idle process beside it (a sleeper the test started, in the scrape) has no growth series.
    expect(sampleValue(await exporter.scrape(), 'oomtop_process_resident_bytes', { pid: String(idle.pid) })).toBeGreaterThan(0);
    expect(sampleValue(await exporter.scrape(), 'oomtop_process_growth_bytes_per_second', { pid: String(idle.pid) })).toBeUndefined();
  }, 90_000);
});
