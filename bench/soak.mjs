#!/usr/bin/env node
// Soak: the real TUI (bin/oomtop.js in tmux, as users start it) at a short interval while
// bench/soak-churn.sh starts and ends processes, forces PID reuse, creates and removes memory
// cgroups and makes real OOM kills in small cgroups. The TUI measures itself (OOMTOP_STATS: one
// CSV line a second: RSS, V8 heap, descriptors, what the store keeps, tick cost); this script
// writes that CSV and a summary, and checks at the end that the TUI still answers keys.
//
//   node bench/soak.mjs [--seconds 600] [--ticks N] [--interval 0.1] [--rate 80] [--out bench/results]
//                       (--ticks: end once the TUI has made N ticks; --seconds is then the cap)
//                       [--max-heap-growth-mib N]   (exit 1 when the heap floor grew more)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTmux, machine, onCleanup, own, killOwned, procMem, sleep, r1, r2, median } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const seconds = Number(opt('seconds', 600));
const tickTarget = opt('ticks', null) === null ? null : Number(opt('ticks', null));
const interval = Number(opt('interval', 0.1));
const rate = Number(opt('rate', 80));
const outDir = resolve(opt('out', 'bench/results'));
const maxGrowth = opt('max-heap-growth-mib', null);
const repo = resolve(new URL('..', import.meta.url).pathname);
const MiB = 1024 * 1024;

mkdirSync(outDir, { recursive: true });
const statsPath = join(outDir, 'soak-latest.csv');
writeFileSync(statsPath, '');
const prefix = `oomtop-soak-${process.pid}`;
const memcg = '/sys/fs/cgroup/memory';

// The churn driver in its own process group: the whole group is ours to end.
const churn = spawn('bash', [join(repo, 'bench/soak-churn.sh'), String(rate), prefix], { detached: true, stdio: 'ignore' });
churn.unref();
own(churn.pid);
onCleanup(() => {
  try {
    process.kill(-churn.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  // Cgroups left by the driver: empty once their processes are gone.
  for (let i = 0; i < 40 && existsSync(memcg); i++) {
    const left = readdirSync(memcg).filter((d) => d.startsWith(prefix));
    if (left.length === 0) break;
    for (const d of left) {
      try {
        rmdirSync(join(memcg, d));
      } catch {
        /* still draining */
      }
    }
    spawnSync('sleep', ['0.1']);
  }
});

const tmux = makeTmux('oomtop-soak');
const env = `OOMTOP_STATS=${statsPath}`;
// A shell around it prints how it ended (tmux does not always record a dead pane's status).
tmux.newSession('soak', `sh -c '${env} ${join(repo, 'bin/oomtop.js')} --interval ${interval}; echo "EXITED:$?"; sleep 600'`, { width: 120, height: 40, cwd: repo });
const ended = () => /EXITED:(\d+)/.exec(tmux.capture('soak'))?.[1];
process.stderr.write(`soak: ${seconds} s at --interval ${interval}, churn ${rate} processes/s; stats in ${statsPath}\n`);

// The guard runs for months: the same churn, watched from outside (RSS, descriptors).
// Each measures itself too (OOMTOP_STATS: RSS, V8 heap, descriptors, a line a second).
const selfStats = (name) => ({ env: { ...process.env, OOMTOP_STATS: join(outDir, `soak-${name}.csv`) } });
for (const name of ['guard', 'exporter', 'recorder']) writeFileSync(join(outDir, `soak-${name}.csv`), '');
// Through the shebang, as the unit files start them (its V8 flags bound the heap).
const guard = spawn(join(repo, 'bin/oomtop.js'), ['guard', '--all-cgroups', '--dry-run'], { stdio: ['ignore', 'ignore', 'ignore'], ...selfStats('guard') });
own(guard.pid);
onCleanup(() => killOwned(guard.pid, 'SIGTERM'));
const guardRows = [];

// The exporter runs for months too: scraped every second, as Prometheus would (a scrape 0.5 s
// after the last one samples afresh), on loopback, on a port the kernel picks.
const exporter = spawn(join(repo, 'bin/oomtop.js'), ['exporter', '--listen', '127.0.0.1:0', '--interval', '0.5'], { stdio: ['ignore', 'ignore', 'pipe'], ...selfStats('exporter') });
own(exporter.pid);
onCleanup(() => killOwned(exporter.pid, 'SIGTERM'));
let exporterUrl = null;
let exporterErr = '';
exporter.stderr.on('data', (d) => {
  exporterErr = (exporterErr + d).slice(-4000);
  exporterUrl ??= /listening on (http:\/\/\S+\/metrics)/.exec(exporterErr)?.[1] ?? null;
});
const exporterRows = [];
let scrapes = 0;
let scrapeFailures = 0;
async function scrape() {
  if (exporterUrl === null) return;
  try {
    const res = await fetch(exporterUrl, { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.status === 200 && body.includes('oomtop_memory_available_bytes')) scrapes++;
    else scrapeFailures++;
  } catch {
    scrapeFailures++;
  }
}

// And the recorder: every tick into a history file of its own.
const historyDir = mkdtempSync(join(tmpdir(), 'oomtop-soak-history-'));
onCleanup(() => rmSync(historyDir, { recursive: true, force: true }));
const recorder = spawn(join(repo, 'bin/oomtop.js'), ['record', '--history', join(historyDir, 'history.db'), '--interval', '1'], { stdio: ['ignore', 'ignore', 'ignore'], ...selfStats('recorder') });
own(recorder.pid);
onCleanup(() => killOwned(recorder.pid, 'SIGTERM'));
const recorderRows = [];

const fdCount = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
};

const t0 = Date.now();
let lastReport = 0;
let rounds = 0;
while (Date.now() - t0 < seconds * 1000) {
  await sleep(1000);
  const gm = procMem(guard.pid);
  guardRows.push({ time: Date.now(), rssKiB: gm.rssKiB, fds: fdCount(guard.pid), alive: !gm.gone && guard.exitCode === null });
  await scrape();
  const em = procMem(exporter.pid);
  exporterRows.push({ time: Date.now(), rssKiB: em.rssKiB, fds: fdCount(exporter.pid), alive: !em.gone && exporter.exitCode === null });
  const rm = procMem(recorder.pid);
  recorderRows.push({ time: Date.now(), rssKiB: rm.rssKiB, fds: fdCount(recorder.pid), alive: !rm.gone && recorder.exitCode === null });
  if (ended() !== undefined) break;
  if (tickTarget !== null && ++rounds % 10 === 0 && (parse().at(-1)?.ticks ?? 0) >= tickTarget) break;
  if (Date.now() - lastReport > 60_000) {
    lastReport = Date.now();
    const rows = parse();
    const l = rows.at(-1);
    if (l) process.stderr.write(`  ${Math.round((Date.now() - t0) / 1000)} s: ${l.ticks} ticks, rss ${r1(l.rss / MiB)} MiB, heap ${r1(l.heap / MiB)} MiB, fds ${l.fds}, histories ${l.histories}\n`);
  }
}

// Still alive and answering? '?' opens help, then q (twice: help, then quit).
const early = ended();
const crashed = early !== undefined;
let answersKeys = false;
if (!crashed) {
  tmux.keys('soak', '?');
  for (let i = 0; i < 50 && !answersKeys; i++) {
    await sleep(100);
    answersKeys = /help/i.test(tmux.capture('soak')) && /quit/i.test(tmux.capture('soak'));
  }
  tmux.keys('soak', 'q');
  await sleep(300);
  tmux.keys('soak', 'q');
}
let exitStatus = crashed ? Number(early) : null;
for (let i = 0; i < 50 && !crashed; i++) {
  await sleep(100);
  const code = ended();
  if (code !== undefined) {
    exitStatus = Number(code);
    break;
  }
}

function parse() {
  const text = existsSync(statsPath) ? readFileSync(statsPath, 'utf8') : '';
  return text
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const [time, ticks, rss, heap, heapTotal, external, fds, processes, histories, retired, events, tickMs, cgroups, held] = l.split(',').map(Number);
      return { time, ticks, rss, heap, heapTotal, external, fds, processes, histories, retired, events, tickMs, cgroups: cgroups ?? NaN, held: held ?? NaN };
    });
}

const rows = parse();
// After warm-up (the first fifth, at least 30 s), compare the floor of the heap (its lowest
// value, after a collection) in the first and the last tenth of the run: growth of that floor
// is memory that is kept.
const warm = Math.max(Math.floor(rows.length / 5), Math.min(30, Math.floor(rows.length / 2)));
const after = rows.slice(warm);
const tenth = Math.max(5, Math.floor(after.length / 10));
const floor = (xs, k) => Math.min(...xs.map((r) => r[k]));
const first = after.slice(0, tenth);
const last = after.slice(-tenth);
const summary = {
  date: new Date().toISOString(),
  machine: machine(),
  seconds: r1((Date.now() - t0) / 1000),
  interval,
  churnPerSecond: rate,
  samples: rows.length,
  ticks: rows.at(-1)?.ticks ?? 0,
  crashed,
  exitStatus,
  answersKeys,
  heapFloorMiB: after.length ? { first: r2(floor(first, 'heap') / MiB), last: r2(floor(last, 'heap') / MiB) } : null,
  heapGrowthMiB: after.length ? r2((floor(last, 'heap') - floor(first, 'heap')) / MiB) : null,
  rssMiB: after.length ? { first: r1(median(first.map((r) => r.rss)) / MiB), last: r1(median(last.map((r) => r.rss)) / MiB), max: r1(Math.max(...rows.map((r) => r.rss)) / MiB) } : null,
  // Descriptors: the sampler's held files (two per process, and the files of the cgroups it
  // reads), and the rest (the terminal, the kernel log, sockets, pipes), which must stay flat.
  fds: rows.length
    ? {
        max: Math.max(...rows.map((r) => r.fds)),
        maxOverTwicePerProcess: Math.max(...rows.map((r) => r.fds - 2 * r.processes)),
        heldMax: Math.max(...rows.map((r) => r.held)),
        cgroupsMax: Math.max(...rows.map((r) => r.cgroups)),
        maxNotHeld: Math.max(...rows.map((r) => r.fds - r.held)),
        maxHeldOverLive: Math.max(...rows.map((r) => r.held - 2 * r.processes - 16 * (r.cgroups + 1))),
      }
    : null,
  processes: rows.length ? { min: Math.min(...rows.map((r) => r.processes)), max: Math.max(...rows.map((r) => r.processes)) } : null,
  historiesMax: rows.length ? Math.max(...rows.map((r) => r.histories)) : null,
  retiredMax: rows.length ? Math.max(...rows.map((r) => r.retired)) : null,
  eventsMax: rows.length ? Math.max(...rows.map((r) => r.events)) : null,
  tickMs: rows.length ? { median: r2(median(rows.map((r) => r.tickMs))), max: r2(Math.max(...rows.map((r) => r.tickMs))) } : null,
  slowTicks: rows.filter((r) => r.tickMs > interval * 1000).length,
  guard: { ...outside(guardRows), ...selfHeap('guard') },
  exporter: { ...outside(exporterRows), ...selfHeap('exporter'), scrapes, scrapeFailures },
  recorder: { ...outside(recorderRows), ...selfHeap('recorder') },
};
// A headless process's own CSV (src/cli/self-stats.ts): the V8 heap after the full collections
// it makes every 10 s in soak runs; after warm-up, the lowest in the first and the last tenth.
function selfHeap(name) {
  const text = existsSync(join(outDir, `soak-${name}.csv`)) ? readFileSync(join(outDir, `soak-${name}.csv`), 'utf8') : '';
  const heap = text.split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(',')[6]).filter((v) => v !== undefined && v !== '').map(Number);
  const after = heap.slice(Math.max(Math.floor(heap.length / 5), Math.min(3, Math.floor(heap.length / 2))));
  if (after.length < 4) return null;
  const k = Math.max(2, Math.floor(after.length / 10));
  const first = Math.min(...after.slice(0, k)) / MiB;
  const last = Math.min(...after.slice(-k)) / MiB;
  return { heapFloorMiB: { first: r2(first), last: r2(last) }, heapGrowthMiB: r2(last - first) };
}

// A process watched from outside: alive throughout, RSS after warm-up (first and last tenth, median), descriptors.
function outside(all) {
  const g = all.slice(Math.floor(all.length / 5));
  const k = Math.max(5, Math.floor(g.length / 10));
  const med = (xs) => median(xs.map((r) => r.rssKiB)) / 1024;
  return g.length
    ? { alive: all.every((r) => r.alive), rssMiB: { first: r1(med(g.slice(0, k))), last: r1(med(g.slice(-k))), max: r1(Math.max(...all.map((r) => r.rssKiB)) / 1024) }, fdsMax: Math.max(...all.map((r) => r.fds)) }
    : null;
}
writeFileSync(join(outDir, 'soak-latest.json'), JSON.stringify(summary, null, 2) + '\n');
// The processes watched from outside, one line a second each: RSS (KiB) and descriptors.
writeFileSync(
  join(outDir, 'soak-outside.csv'),
  'time_ms,guard_rss_kib,guard_fds,exporter_rss_kib,exporter_fds,recorder_rss_kib,recorder_fds\n' +
    guardRows.map((g, i) => [g.time, g.rssKiB, g.fds, exporterRows[i]?.rssKiB ?? '', exporterRows[i]?.fds ?? '', recorderRows[i]?.rssKiB ?? '', recorderRows[i]?.fds ?? ''].join(',')).join('\n') +
    '\n',
);
const ok = !crashed && answersKeys && exitStatus === 0 && summary.guard?.alive === true && summary.exporter?.alive === true && summary.recorder?.alive === true && scrapes > 0 && (maxGrowth === null || (summary.heapGrowthMiB ?? Infinity) <= Number(maxGrowth));
process.stdout.write(JSON.stringify(summary) + '\n');
process.stderr.write(`soak: ${ok ? 'ok' : 'FAILED'}: ${summary.ticks} ticks, heap floor ${summary.heapFloorMiB?.first} → ${summary.heapFloorMiB?.last} MiB (growth ${summary.heapGrowthMiB} MiB), rss max ${summary.rssMiB?.max} MiB, crashed ${crashed}, exit ${exitStatus}, answers keys ${answersKeys}; guard rss ${summary.guard?.rssMiB?.first} → ${summary.guard?.rssMiB?.last} MiB, heap floor +${summary.guard?.heapGrowthMiB} MiB, alive ${summary.guard?.alive}; exporter rss ${summary.exporter?.rssMiB?.first} → ${summary.exporter?.rssMiB?.last} MiB, heap floor +${summary.exporter?.heapGrowthMiB} MiB, ${scrapes} scrapes (${scrapeFailures} failed), alive ${summary.exporter?.alive}; recorder rss ${summary.recorder?.rssMiB?.first} → ${summary.recorder?.rssMiB?.last} MiB, heap floor +${summary.recorder?.heapGrowthMiB} MiB, alive ${summary.recorder?.alive}\n`);
process.exit(ok ? 0 : 1); // runs the cleanups (the churn group, the tmux server, leftover cgroups)
