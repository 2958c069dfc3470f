// The guard on cgroup v2 (issue 17). Runs INSIDE the cgroup v2 guest, as root in the checkout:
//
//   npm run vm -- --mem 3072 'node bench/guard-v2.mjs idle throttle'
//
// idle:     `oomtop guard --cgroup /NAME` (intercept armed: memory.high 2 % under memory.max)
//           on a fresh 256 MiB v2 group holding one idle `sleep`, beside earlyoom
//           (-r 3600 --dryrun), both idle over the same windows: on-CPU ns of all threads
//           (/proc/PID/task/*/schedstat, as bench/guard-idle.mjs on v1) and the main thread's
//           voluntary context switches per second (its wakeups: one per sample when idle).
// throttle: how long memory.high holds a fast fill between memory.high and memory.max. A
//           group with memory.max LIMIT, memory.swap.max 0, memory.high where the guard's
//           intercept puts it (or 'max': the baseline); HOGS node hogs pre-fill 60 % of the
//           limit, then at once fill as fast as they can (16 MiB Buffer.alloc + fill). A
//           poller (this process, 1 ms sleeps) times the crossing of the intercept's mark,
//           the first sample within 256 KiB of memory.max and the kernel's OOM kill
//           (memory.events oom_kill). No guard runs: this is the kernel alone.
//
// Environment: GUARD_ROOT=DIR runs another checkout's bin/oomtop.js (a before/after in one
// boot); IDLE_WINDOWS, IDLE_WINDOW_S, IDLE_WARMUP_S; THROTTLE_PLAN="LIMIT_MIB:HIGH:HOGS:TRIALS,..."
// with HIGH 'intercept', 'max' or a gap in % of the limit. Results: stdout (one JSON line per
// trial/window, prefixed "result ") and $OOMTOP_VM_OUT/guard-v2-*.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { procRunNs } from './guard-idle.mjs';
import { killOwned, median, onCleanup, own, procMem, sleep } from './lib.mjs';

const CG = '/sys/fs/cgroup';
const OUT = process.env.OOMTOP_VM_OUT ?? null;
const ROOT = process.env.GUARD_ROOT ?? process.cwd();
const log = (m) => process.stderr.write(`guard-v2: ${m}\n`);
const read = (p) => readFileSync(p, 'utf8');
const keyed = (text) => Object.fromEntries(text.trim().split('\n').map((l) => l.split(/\s+/)).map(([k, v]) => [k, Number(v)]));
const { interceptHighBytes } = await import(join(process.cwd(), 'dist/guard/intercept.js'));

const controllers = (() => {
  try {
    return read(join(CG, 'cgroup.controllers')).split(/\s+/);
  } catch {
    return [];
  }
})();
if (!controllers.includes('memory')) {
  log(`no cgroup v2 memory controller at ${CG} (run it in the guest: npm run vm -- 'node bench/guard-v2.mjs ...')`);
  process.exit(77);
}
if (!read(join(CG, 'cgroup.subtree_control')).includes('memory')) writeFileSync(join(CG, 'cgroup.subtree_control'), '+memory');

function mkcg(name, files) {
  const d = join(CG, name);
  mkdirSync(d);
  onCleanup(() => rmcg(d));
  for (const [k, v] of Object.entries(files)) writeFileSync(join(d, k), String(v));
  return d;
}

function rmcg(d) {
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(d);
      return;
    } catch (e) {
      if (e.code === 'ENOENT') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

/** argv started inside cgroup dir d (moved there before exec). */
function startIn(d, argv, stdio = ['ignore', 'ignore', 'inherit']) {
  const c = spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', d, ...argv], { stdio });
  own(c.pid);
  c.exited = new Promise((res) => c.on('exit', (code, signal) => res({ code, signal })));
  return c;
}

function result(kind, row) {
  process.stdout.write(`result ${JSON.stringify({ kind, ...row })}\n`);
}

const ctxt = (pid) => {
  try {
    const s = read(`/proc/${pid}/task/${pid}/status`);
    return { vol: Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)[1]), invol: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(s)[1]) };
  } catch {
    return { vol: NaN, invol: NaN };
  }
};

// ------------------------------------------------------------------ idle
async function idle() {
  const windows = Number(process.env.IDLE_WINDOWS ?? 3);
  const windowS = Number(process.env.IDLE_WINDOW_S ?? 20);
  const warmupS = Number(process.env.IDLE_WARMUP_S ?? 12);
  const limit = 256 << 20;
  const name = `oomtop-bench-v2idle-${process.pid}`;
  const d = mkcg(name, { 'memory.max': limit, 'memory.swap.max': 0 });
  const sleeper = startIn(d, ['sleep', '3600']);
  let notices = '';
  // --json --report 10: one line every 10 s with the sample count (exact samples/s), no other output while idle
  const args = ['guard', '--cgroup', `/${name}`, '--json', '--report', '10', ...(process.env.GUARD_ARGS ?? '').split(' ').filter(Boolean)];
  const guard = spawn(join(ROOT, 'bin/oomtop.js'), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  own(guard.pid);
  guard.stderr.on('data', (b) => (notices += b));
  const reports = [];
  let buf = '';
  guard.stdout.on('data', (b) => {
    buf += b;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const j = JSON.parse(line);
        if (j.event === 'report') {
          const m = /sampling every (\d+) ms, .* (\d+) samples/.exec(j.message);
          if (m) reports.push({ timeMs: j.timeMs, intervalMs: Number(m[1]), ticks: Number(m[2]), availablePct: j.availablePct });
        } else if (j.event !== 'start') notices += `${line}\n`;
      } catch {
        notices += `${line}\n`;
      }
    }
  });
  const early = spawn('earlyoom', ['-r', '3600', '--dryrun'], { stdio: 'ignore' });
  own(early.pid);
  const procs = { guard: guard.pid, earlyoom: early.pid };
  await sleep(warmupS * 1000);
  const high = read(join(d, 'memory.high')).trim();
  const ws = [];
  for (let w = 0; w < windows; w++) {
    const n0 = {};
    const c0 = {};
    for (const [k, pid] of Object.entries(procs)) {
      n0[k] = procRunNs(pid);
      c0[k] = ctxt(pid);
    }
    const s0 = performance.now();
    await sleep(windowS * 1000);
    const secs = (performance.now() - s0) / 1000;
    const row = { window: w + 1, seconds: secs };
    for (const [k, pid] of Object.entries(procs)) {
      const ns = procRunNs(pid) - n0[k];
      const c1 = ctxt(pid);
      row[k] = { runMs: ns / 1e6, cpuPct: (ns / 1e9 / secs) * 100, wakeupsPerS: (c1.vol - c0[k].vol) / secs, involPerS: (c1.invol - c0[k].invol) / secs, rssMiB: procMem(pid).rssKiB / 1024 };
    }
    ws.push(row);
    result('idle', row);
    log(`idle window ${w + 1}/${windows} (${secs.toFixed(1)} s): guard ${row.guard.cpuPct.toFixed(3)} % (${row.guard.wakeupsPerS.toFixed(1)} wakeups/s), earlyoom ${row.earlyoom.cpuPct.toFixed(3)} % (${row.earlyoom.wakeupsPerS.toFixed(1)} wakeups/s)`);
  }
  guard.kill('SIGTERM');
  await new Promise((res) => guard.on('exit', res));
  const highAfter = read(join(d, 'memory.high')).trim();
  killOwned(early.pid);
  killOwned(sleeper.pid);
  await sleeper.exited;
  rmcg(d);
  // samples/s between the first report after warm-up and the last one
  const rs = reports.filter((r) => r.timeMs >= reports[0]?.timeMs + (warmupS - 10) * 1000);
  const sampling = rs.length >= 2
    ? { samplesPerS: ((rs.at(-1).ticks - rs[0].ticks) * 1000) / (rs.at(-1).timeMs - rs[0].timeMs), intervalMs: rs.at(-1).intervalMs, overS: (rs.at(-1).timeMs - rs[0].timeMs) / 1000, availablePct: rs.at(-1).availablePct }
    : null;
  const sum = (k) => ({ cpuPct: median(ws.map((r) => r[k].cpuPct)), wakeupsPerS: median(ws.map((r) => r[k].wakeupsPerS)), rssMiB: ws.at(-1)[k].rssMiB });
  const out = {
    limitMiB: 256, guardCommand: `bin/oomtop.js ${args.join(' ')}`, guardRoot: ROOT, earlyoomCommand: 'earlyoom -r 3600 --dryrun',
    warmupS, windowS, windows: ws, guard: sum('guard'), earlyoom: sum('earlyoom'),
    highArmed: high, highExpected: String(interceptHighBytes(limit)), highAfter, notices: notices.slice(-2000), sampling, reports,
  };
  out.ratio = out.guard.cpuPct / out.earlyoom.cpuPct;
  result('idle-summary', { guard: out.guard, earlyoom: out.earlyoom, ratio: out.ratio, sampling, highArmed: high, highAfter });
  return out;
}

// ------------------------------------------------------------------ throttle
const waitMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The kernel's own throttle between memory.high and memory.max for one task filling alone
 * (6.1, mm/memcontrol.c: mem_cgroup_handle_over_high): one sleep per 64-page charge batch,
 * overage² × HZ >> 34 jiffies with overage = (usage − high) << 20 / high, none at 10 ms or
 * less, 2 s at most. HZ 250 (Debian's). Reclaim time and the fill itself come on top; with N
 * tasks filling, each sleeps for its own batches, so about 1/N of it.
 */
export function modelSleepMs(limit, high, hz = 250) {
  const batch = 64 * 4096;
  let jiffies = 0;
  for (let u = high + batch; u <= limit; u += batch) {
    const ov = Math.floor(((u - high) * 2 ** 20) / high);
    const j = Math.min(Math.floor((ov * ov * hz) / 2 ** 34), 2 * hz);
    if (j > Math.floor(hz / 100)) jiffies += j;
  }
  return (jiffies * 1000) / hz;
}

async function throttleTrial({ limitMiB, high, hogs, trial }) {
  const limit = limitMiB << 20;
  const mark = interceptHighBytes(limit);
  const highValue = high === 'max' ? 'max' : high === 'intercept' ? mark : Math.floor((limit - (limit * Number(high)) / 100) / 4096) * 4096;
  const markAt = high === 'max' || high === 'intercept' ? mark : highValue;
  const name = `oomtop-bench-v2thr-${process.pid}-${limitMiB}-${trial}`;
  const d = mkcg(name, { 'memory.max': limit, 'memory.swap.max': 0, 'memory.high': highValue });
  const preEach = Math.max(16, Math.floor((limitMiB * 0.6) / hogs / 16) * 16);
  const code = `const a=[];for(let i=0;i<${preEach};i+=16)a.push(Buffer.alloc(16<<20,1));process.stdout.write('ready\\n');` +
    `process.stdin.once('data',()=>{for(;;)a.push(Buffer.alloc(16<<20,1))})`;
  const cs = [];
  for (let i = 0; i < hogs; i++) cs.push(startIn(d, [process.execPath, '-e', code], ['pipe', 'pipe', 'inherit']));
  await Promise.all(cs.map((c) => new Promise((res, rej) => {
    c.stdout.on('data', (b) => String(b).includes('ready') && res());
    c.exited.then((e) => rej(new Error(`hog exited before it was ready: ${JSON.stringify(e)}`)));
  })));
  // memory.events notifies (inotify IN_MODIFY) when its counters move: the first 'high' of
  // the fill, timed by a watcher in another process, shows when a kernel wake-up could come
  const watcher = spawn(process.execPath, ['-e', `require('fs').watch(${JSON.stringify(join(d, 'memory.events'))},()=>{process.stdout.write(String(performance.timeOrigin+performance.now())+'\\n');process.exit(0)});process.stdout.write('w\\n')`], { stdio: ['ignore', 'pipe', 'inherit'] });
  own(watcher.pid);
  let notifyAt = null;
  await new Promise((res) => watcher.stdout.once('data', res));
  watcher.stdout.on('data', (b) => (notifyAt ??= Number(String(b).trim())));
  const ev0 = keyed(read(join(d, 'memory.events')));
  const psi0 = /some avg10=\S+ avg60=\S+ avg300=\S+ total=(\d+)/.exec(read(join(d, 'memory.pressure')))[1];
  const cur0 = Number(read(join(d, 'memory.current')));
  const curF = join(d, 'memory.current');
  const evF = join(d, 'memory.events');
  for (const c of cs) c.stdin.write('go\n');
  const t0 = performance.now();
  const epoch0 = performance.timeOrigin + t0;
  let tMark = null;
  let tNearMax = null;
  let tKill = null;
  let peak = cur0;
  let samples = 0;
  let tHalf = null; // usage half way from cur0 to the mark: for the fill rate below it
  const half = cur0 + (markAt - cur0) / 2;
  let ev = ev0;
  while (performance.now() - t0 < 60_000) {
    const cur = Number(read(curF));
    const t = performance.now() - t0;
    samples++;
    if (cur > peak) peak = cur;
    if (tHalf === null && cur >= half) tHalf = t;
    if (tMark === null && cur > markAt) tMark = t;
    if (tNearMax === null && cur >= limit - (256 << 10)) tNearMax = t;
    if (tMark !== null || cur > markAt - (32 << 20)) {
      ev = keyed(read(evF));
      if (ev.oom_kill > ev0.oom_kill) {
        tKill = performance.now() - t0;
        break;
      }
    }
    waitMs(1);
  }
  const psi1 = /some avg10=\S+ avg60=\S+ avg300=\S+ total=(\d+)/.exec(read(join(d, 'memory.pressure')))[1];
  for (const c of cs) killOwned(c.pid);
  await Promise.all(cs.map((c) => c.exited));
  await sleep(50);
  killOwned(watcher.pid);
  rmcg(d);
  const fillMiBps = tHalf !== null && tMark !== null && tMark > tHalf ? ((markAt - half) / (1 << 20)) / ((tMark - tHalf) / 1000) : null;
  const row = {
    limitMiB, high: String(high), highValue: String(highValue), gapKiB: (limit - markAt) / 1024, hogs, trial, preMiB: preEach * hogs,
    cur0MiB: cur0 / (1 << 20), peakMiB: peak / (1 << 20), samples,
    markToNearMaxMs: tMark !== null && tNearMax !== null ? tNearMax - tMark : null,
    markToKillMs: tMark !== null && tKill !== null ? tKill - tMark : null,
    goToMarkMs: tMark, fillMiBps,
    highEvents: ev.high - ev0.high, oomKills: ev.oom_kill - ev0.oom_kill,
    stallSomeMs: (Number(psi1) - Number(psi0)) / 1000,
    notifyMinusMarkMs: notifyAt !== null && tMark !== null ? notifyAt - epoch0 - tMark : null,
    modelSleepMs: highValue === 'max' ? 0 : modelSleepMs(limit, highValue) / hogs,
  };
  result('throttle', row);
  log(`throttle ${limitMiB} MiB high=${high} hogs=${hogs} #${trial}: mark→near max ${row.markToNearMaxMs?.toFixed(1)} ms, mark→OOM kill ${row.markToKillMs?.toFixed(1)} ms (fill below ${fillMiBps?.toFixed(0)} MiB/s, ${samples} samples, PSI some ${row.stallSomeMs.toFixed(0)} ms, memory.events notified ${row.notifyMinusMarkMs?.toFixed(1)} ms after the mark, model ${row.modelSleepMs.toFixed(0)} ms)`);
  await sleep(500);
  return row;
}

async function throttle() {
  const plan = (process.env.THROTTLE_PLAN ?? '256:intercept:1:5,256:max:1:3,256:intercept:2:3,256:intercept:4:2,1024:intercept:1:3,1024:max:1:2,256:5:1:2').split(',');
  const rows = [];
  for (const p of plan) {
    const [limitMiB, high, hogs, trials] = p.split(':');
    for (let t = 1; t <= Number(trials); t++) {
      try {
        rows.push(await throttleTrial({ limitMiB: Number(limitMiB), high, hogs: Number(hogs), trial: t }));
      } catch (e) {
        log(`throttle ${p} #${t} failed: ${e?.stack ?? e}`);
        rows.push({ limitMiB: Number(limitMiB), high, hogs: Number(hogs), trial: t, error: String(e) });
      }
    }
  }
  return { rows };
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');

function markdown(res) {
  const md = [];
  if (res.idle) {
    const r = res.idle;
    md.push(`## Idle: ${r.guardCommand} on a 256 MiB v2 group (memory.high ${r.highArmed} while armed, ${r.highAfter} after), beside ${r.earlyoomCommand}`, '',
      `${r.windows.length} windows of ${r.windowS} s after ${r.warmupS} s of warm-up; CPU = on-CPU time of all threads (schedstat); wakeups = the main thread's voluntary context switches.`, '',
      '| window | guard CPU % | guard wakeups/s | earlyoom CPU % | earlyoom wakeups/s | ratio |', '|---|---:|---:|---:|---:|---:|');
    for (const w of r.windows) md.push(`| ${w.window} | ${f(w.guard.cpuPct, 3)} | ${f(w.guard.wakeupsPerS)} | ${f(w.earlyoom.cpuPct, 4)} | ${f(w.earlyoom.wakeupsPerS)} | ${f(w.guard.cpuPct / w.earlyoom.cpuPct, 0)}× |`);
    md.push(`| median | ${f(r.guard.cpuPct, 3)} | ${f(r.guard.wakeupsPerS)} | ${f(r.earlyoom.cpuPct, 4)} | ${f(r.earlyoom.wakeupsPerS)} | ${f(r.ratio, 0)}× |`, '',
      `Guard samples: ${r.sampling ? `${f(r.sampling.samplesPerS)}/s (its reports: sampling every ${r.sampling.intervalMs} ms at ${r.sampling.availablePct} % available, over ${f(r.sampling.overS, 0)} s)` : 'no reports'}. RSS: guard ${f(r.guard.rssMiB)} MiB, earlyoom ${f(r.earlyoom.rssMiB)} MiB.`, '');
  }
  if (res.throttle) {
    const groups = new Map();
    for (const row of res.throttle.rows) {
      const k = `${row.limitMiB}:${row.high}:${row.hogs}`;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(row);
    }
    md.push('## Throttle: memory.high between a fast fill and memory.max (no guard running)', '',
      'From the first sample over the mark (where the intercept puts memory.high; the same mark in the baseline) to the kernel\'s OOM kill (memory.events oom_kill), and to the first sample within 256 KiB of memory.max. Poller: memory.current every ~1 ms.', '',
      '| limit | memory.high | hogs | gap | mark→OOM kill per trial (ms) | min | mark→near max min | fill below the mark (MiB/s, median) | kernel sleep model (ms) | PSI some (ms, median) | memory.events notified after the mark (ms, max) |', '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const rows of groups.values()) {
      const ok = rows.filter((x) => x.markToKillMs !== null && x.markToKillMs !== undefined);
      const kills = ok.map((x) => x.markToKillMs);
      const near = rows.map((x) => x.markToNearMaxMs).filter((x) => x !== null && x !== undefined);
      const r0 = rows[0];
      md.push(`| ${r0.limitMiB} MiB | ${r0.high === 'max' ? 'max (baseline)' : r0.high === 'intercept' ? 'intercept' : `${r0.high} % under max`} | ${r0.hogs} | ${f((r0.gapKiB ?? 0) / 1024, 2)} MiB | ${kills.map((x) => f(x, 0)).join(', ')}${rows.length > ok.length ? ` (${rows.length - ok.length} without a kill)` : ''} | ${f(Math.min(...kills), 0)} | ${f(Math.min(...near), 0)} | ${f(median(rows.map((x) => x.fillMiBps).filter(Number.isFinite)), 0)} | ${f(r0.modelSleepMs, 0)} | ${f(median(rows.map((x) => x.stallSomeMs).filter(Number.isFinite)), 0)} | ${f(Math.max(...rows.map((x) => x.notifyMinusMarkMs).filter(Number.isFinite)), 1)} |`);
    }
    md.push('');
  }
  return md.join('\n');
}

const modes = { idle, throttle };
let failed = false;
const res = {};
for (const m of process.argv.slice(2)) {
  if (!modes[m]) {
    log(`no mode ${m} (idle, throttle)`);
    failed = true;
    continue;
  }
  res[m] = await modes[m]();
  if (OUT && existsSync(OUT)) writeFileSync(join(OUT, `guard-v2-${m}.json`), JSON.stringify(res[m], null, 1));
}
const md = markdown(res);
process.stdout.write(`\n${md}\n`);
if (OUT && existsSync(OUT)) writeFileSync(join(OUT, 'guard-v2.md'), `${md}\n`);
process.exit(failed ? 1 : 0);
