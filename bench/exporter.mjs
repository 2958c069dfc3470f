// Scrape cost of `oomtop exporter` beside node_exporter (Debian's prometheus-node-exporter),
// one peer at a time on the same box, at about 1000 processes and 100 memory cgroups with
// a limit (v1, each holding one sleeper). Per peer: scrape latency (request to full body),
// CPU per scrape and while idle, RSS; results in bench/results/exporter-latest.{md,json}.
//   npm run build && node bench/exporter.mjs [--scrapes N]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  countProcesses, ensurePackages, ensureProcessCount, killAll, killOwned, machine, median, onCleanup, own, pct, procCpuMs, procMem, r1, r2, sleep, startSleepers,
  freePort,
} from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SCRAPES = Number(process.argv[process.argv.indexOf('--scrapes') + 1]) || 40;
const SPACING_MS = 500;
const IDLE_MS = 10_000;
const CGROUPS = 100;
const V1 = '/sys/fs/cgroup/memory';

ensurePackages({ 'prometheus-node-exporter': 'prometheus-node-exporter' });


// ---------------------------------------------------------------- the load
let pids = [];
const cgDirs = [];
if (existsSync(join(V1, 'memory.limit_in_bytes'))) {
  const base = join(V1, `oomtop-bench-${process.pid}`);
  mkdirSync(base);
  onCleanup(() => {
    for (const d of cgDirs.reverse()) {
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        }
      }
    }
  });
  cgDirs.push(base);
  const sleepers = await startSleepers(CGROUPS);
  pids.push(...sleepers);
  for (let i = 0; i < CGROUPS; i++) {
    const d = join(base, `cg${String(i).padStart(3, '0')}`);
    mkdirSync(d);
    cgDirs.push(d);
    writeFileSync(join(d, 'memory.limit_in_bytes'), String(64 << 20));
    writeFileSync(join(d, 'cgroup.procs'), String(sleepers[i]));
  }
  onCleanup(() => killAll(sleepers));
} else {
  process.stderr.write(`no cgroup v1 memory controller at ${V1}: the run has no limited cgroups\n`);
}
pids = await ensureProcessCount(1000, pids);
onCleanup(() => killAll(pids));
await sleep(500);

// ---------------------------------------------------------------- one peer
async function measure(name, argv, url) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  own(child.pid);
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      /* not up */
    }
    if (i > 200 || child.exitCode !== null) throw new Error(`${name} did not come up: ${err}`);
    await sleep(50);
  }
  // Warm-up: the first scrapes read every process in full (oomtop) or load collectors.
  for (let i = 0; i < 5; i++) await (await fetch(url)).text();
  await sleep(SPACING_MS);
  const idle0 = procCpuMs(child.pid).self;
  await sleep(IDLE_MS);
  const idleCpuMsPerS = (procCpuMs(child.pid).self - idle0) / (IDLE_MS / 1000);
  const lat = [];
  let bytes = 0;
  let series = 0;
  const cpu0 = procCpuMs(child.pid).self;
  const t0 = performance.now();
  for (let i = 0; i < SCRAPES; i++) {
    const s = performance.now();
    const text = await (await fetch(url)).text();
    lat.push(performance.now() - s);
    bytes = text.length;
    series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    await sleep(SPACING_MS);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuMs = procCpuMs(child.pid).self - cpu0;
  // The idle part of the scrape window is charged at the idle rate measured above.
  const cpuPerScrapeMs = (cpuMs - idleCpuMsPerS * wallS) / SCRAPES;
  const mem = procMem(child.pid);
  killOwned(child.pid, 'SIGTERM');
  await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  return {
    name,
    command: argv.join(' ').replace(root, ''),
    scrapes: SCRAPES,
    latencyMs: { median: r2(median(lat)), p90: r2(pct(lat, 90)), max: r2(Math.max(...lat)) },
    cpuMsPerScrape: r2(Math.max(0, cpuPerScrapeMs)),
    idleCpuMsPerS: r2(idleCpuMsPerS),
    rssMiB: r1(mem.rssKiB / 1024),
    hwmMiB: r1(mem.hwmKiB / 1024),
    bodyKiB: r1(bytes / 1024),
    series,
  };
}

const peers = [];
{
  const port = await freePort();
  peers.push(
    await measure(
      'oomtop exporter',
      [process.execPath, '--max-semi-space-size=1', '--max-old-space-size=64', '--v8-pool-size=1', '--single-threaded-gc', join(root, 'bin/oomtop.js'), 'exporter', '--listen', `127.0.0.1:${port}`, '--interval', '0.05', '--max-cgroups', '200'],
      `http://127.0.0.1:${port}/metrics`,
    ),
  );
}
{
  const port = await freePort();
  peers.push(await measure('node_exporter', ['prometheus-node-exporter', `--web.listen-address=127.0.0.1:${port}`], `http://127.0.0.1:${port}/metrics`));
}

const m = machine();
const loadNote =
  'The box was shared with other helpers\' test runs while this ran (2 cores): absolute figures carry that noise; the ratios between the two peers, measured minutes apart in one run, matter most.';
const result = { date: new Date().toISOString(), machine: m, processes: countProcesses(), limitedCgroups: cgDirs.length > 0 ? CGROUPS : 0, spacingMs: SPACING_MS, note: loadNote, peers };
const [o, n] = peers;
const ratio = (a, b) => (b > 0 ? r2(a / b) : null);
result.ratios = {
  latencyMedian: ratio(o.latencyMs.median, n.latencyMs.median),
  cpuPerScrape: ratio(o.cpuMsPerScrape, n.cpuMsPerScrape),
  rss: ratio(o.rssMiB, n.rssMiB),
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/exporter-latest.json'), JSON.stringify(result, null, 2) + '\n');
const rows = peers.map(
  (p) => `| ${p.name} | ${p.latencyMs.median} | ${p.latencyMs.p90} | ${p.cpuMsPerScrape} | ${p.idleCpuMsPerS} | ${p.rssMiB} | ${p.hwmMiB} | ${p.series} | ${p.bodyKiB} |`,
);
const md = `# oomtop exporter beside node_exporter

${result.date}: ${result.processes} processes, ${result.limitedCgroups} limited memory cgroups (v1, one sleeper each),
${SCRAPES} scrapes per peer ${SPACING_MS} ms apart after 5 warm-up scrapes, one peer at a time.
Kernel ${m.kernel}, ${m.cores} cores (${m.cpu}), ${m.ramGiB} GiB, Node ${m.node}; load average at the end: ${m.loadavg}.

${loadNote}

| peer | scrape latency median (ms) | p90 (ms) | CPU per scrape (ms) | CPU idle (ms/s) | RSS (MiB) | peak RSS (MiB) | series | body (KiB) |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Ratios oomtop / node_exporter: latency ${result.ratios.latencyMedian}×, CPU per scrape ${result.ratios.cpuPerScrape}×, RSS ${result.ratios.rss}×.

- oomtop exporter: \`${o.command}\` (--interval 0.05: every scrape takes a fresh sample of all
  processes and cgroups; the default 5 s would let scrapes closer than that reuse one). Its idle
  CPU is the kernel-log follower polling /dev/kmsg.
- node_exporter: \`${n.command}\` (Debian's default collectors).
- CPU per scrape: utime+stime over the scrapes minus the idle rate over the same wall time, per scrape.
- Reproduce: \`npm run build && node bench/exporter.mjs\`.
`;
writeFileSync(join(root, 'bench/results/exporter-latest.md'), md);
process.stdout.write(md);
