// A real run for the README's Fleet picture: oomtop exporter, a private Prometheus on loopback
// scraping it every second, a hog growing in a 256 MiB v1 memory cgroup until the kernel's
// memcg OOM killer ends it (twice), then Prometheus's own graph page rendered with headless
// Chromium into screenshots/prometheus-graph.png. Needs dist/ (npm run build), prometheus,
// chromium, root and cgroup v1 memory. Usage: node scripts/exporter-screenshot.mjs [out.png]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackages, freePort, killOwned, onCleanup, own, sleep } from '../bench/lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = process.argv[2] ?? join(ROOT, 'screenshots', 'prometheus-graph.png');
const log = (s) => process.stderr.write(`${s}\n`);
ensurePackages({ prometheus: 'prometheus', chromium: 'chromium' });
const V1 = '/sys/fs/cgroup/memory';
if (!existsSync(join(V1, 'memory.limit_in_bytes'))) throw new Error(`needs a cgroup v1 memory controller at ${V1}`);

const work = mkdtempSync(join(tmpdir(), 'oomtop-promshot-'));
onCleanup(() => rmSync(work, { recursive: true, force: true }));
const name = `oomtop-shot-${process.pid}`;
const cg = join(V1, name);
mkdirSync(cg);
writeFileSync(join(cg, 'memory.limit_in_bytes'), String(256 << 20));
onCleanup(() => {
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(cg);
      return;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
});
const inCgroup = (cmd) => {
  const c = spawn('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec ${cmd}`], { stdio: 'ignore' });
  own(c.pid);
  onCleanup(() => {
    try {
      killOwned(c.pid);
    } catch {
      /* gone */
    }
  });
  return c;
};
inCgroup('sleep 900'); // keeps the cgroup in view between kills

const ePort = await freePort();
const exporter = spawn(process.execPath, [join(ROOT, 'bin/oomtop.js'), 'exporter', '--listen', `127.0.0.1:${ePort}`, '--interval', '0.5'], { stdio: 'ignore' });
own(exporter.pid);
onCleanup(() => killOwned(exporter.pid, 'SIGTERM'));
const pPort = await freePort();
writeFileSync(
  join(work, 'prometheus.yml'),
  `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['${join(ROOT, 'contrib/prometheus/oomtop-alerts.yml')}']\nscrape_configs:\n  - job_name: oomtop\n    static_configs:\n      - targets: ['127.0.0.1:${ePort}']\n`,
);
const prom = spawn('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${pPort}`], { stdio: 'ignore' });
own(prom.pid);
onCleanup(() => killOwned(prom.pid, 'SIGTERM'));
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${pPort}/-/ready`)).ok) break;
  } catch {
    /* not yet */
  }
  if (i > 100) throw new Error('prometheus did not start');
  await sleep(200);
}
log(`prometheus on 127.0.0.1:${pPort}, exporter on 127.0.0.1:${ePort}, cgroup /${name}`);
await sleep(10_000);
// Two hogs, one after the other, each growing 8 MiB every 200 ms until the kernel ends it.
const grow = `"${process.execPath}" -e "const k=[];setInterval(()=>{const b=Buffer.alloc(8<<20);b.fill(1);k.push(b)},200)"`;
for (let round = 0; round < 2; round++) {
  const hog = inCgroup(grow);
  const sig = await new Promise((r) => hog.once('exit', (_c, s) => r(s)));
  log(`hog ${round + 1} ended by ${sig}`);
  await sleep(12_000);
}
await sleep(5_000);
const q = (expr, i) => `g${i}.expr=${encodeURIComponent(expr)}&g${i}.tab=0&g${i}.stacked=0&g${i}.show_exemplars=0&g${i}.range_input=90s`;
const url = `http://127.0.0.1:${pPort}/graph?${[
  q(`oomtop_cgroup_memory_headroom_bytes{cgroup="/${name}"}`, 0),
  q(`oomtop_kernel_oom_kills_total{cgroup="/${name}"}`, 1),
].join('&')}`;
mkdirSync(join(OUT, '..'), { recursive: true });
const profile = join(work, 'chromium');
const r = spawnSync(
  'chromium',
  ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`, '--virtual-time-budget=8000', `--screenshot=${OUT}`, '--window-size=1280,1420', url],
  { encoding: 'utf8', timeout: 90_000 },
);
if (!existsSync(OUT)) throw new Error(`chromium made no ${OUT}: ${r.stderr}`);
log(`${OUT} (${Math.round(statSync(OUT).size / 1024)} KB)`);
process.exit(0);
