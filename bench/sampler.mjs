// (a) Sampler cost per tick at ~100, ~1000 and ~5000 processes, beside `top -b -d 1`.
// Both run in the same window (concurrently, 1 s apart each), so they share the noise.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Sampler } from '../dist/sampler/sampler.js';
import { memcgResolver } from '../dist/cgroup/resolve.js';
import { countProcesses, ensureProcessCount, killAll, own, disown, sleep, mean, median, pct, CLK_TCK } from './lib.mjs';

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
function cpuMsOf(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** top -b -d 1 -n (warmup+ticks): CPU of the ticks after the warm-up, per iteration. */
function startTop(warmup, ticks) {
  const sh = spawn('bash', ['-c', `top -b -d 1 -n ${warmup + ticks} -w 200 >/dev/null; cat /proc/$$/stat`], { stdio: ['ignore', 'pipe', 'inherit'] });
  own(sh.pid);
  let out = '';
  sh.stdout.on('data', (d) => (out += d));
  const done = new Promise((resolve) => sh.on('exit', () => resolve(out)));
  return {
    sh,
    topPid: () => childrenOf(sh.pid)[0] ?? null,
    async totalMs() {
      const text = await done;
      disown(sh.pid);
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK; // cutime+cstime: the reaped top
    },
  };
}

export async function benchSampler({ sizes = [100, 1000, 5000], ticks = 20, warmup = 3, log = console.error } = {}) {
  const results = [];
  let sleepers = [];
  try {
    for (const size of sizes) {
      sleepers = await ensureProcessCount(size, sleepers);
      await sleep(500);
      const { memoryCgroupOf } = memcgResolver('/proc', null);
      const sampler = new Sampler({ procRoot: '/proc', memoryCgroupOf });
      const top = startTop(warmup, ticks);
      await sleep(100); // top's first iteration starts now; ours follow 1 s apart, offset by ~0.5 s
      const t0 = performance.now();
      let detailPids = new Set();
      const cpu = [];
      const wall = [];
      const seen = [];
      let topAfterWarmup = null;
      for (let i = 0; i < warmup + ticks; i++) {
        const target = t0 + 400 + i * 1000;
        const wait = target - performance.now();
        if (wait > 0) await sleep(wait);
        if (i === warmup) {
          const tp = top.topPid();
          topAfterWarmup = tp ? cpuMsOf(tp) : null; // top has done `warmup` iterations by now
        }
        const c0 = process.cpuUsage();
        const w0 = performance.now();
        const snap = sampler.sample({ detailPids });
        const w1 = performance.now();
        const c1 = process.cpuUsage(c0);
        // Like the TUI: the rows on screen (36 at 120x40) get their details every tick.
        detailPids = new Set(snap.processes.slice(0, 36).map((p) => p.pid));
        if (i >= warmup) {
          cpu.push((c1.user + c1.system) / 1000);
          wall.push(w1 - w0);
          seen.push(snap.processes.length);
        }
      }
      const topTotal = await top.totalMs();
      const topPerIter = topAfterWarmup === null ? topTotal / (warmup + ticks) : (topTotal - topAfterWarmup) / ticks;
      const row = {
        target: size,
        processes: countProcesses(),
        sampledProcesses: Math.round(mean(seen)),
        ticks,
        warmup,
        oomtop: { cpuMsPerTick: mean(cpu), cpuMsMedian: median(cpu), cpuMsP90: pct(cpu, 90), wallMsPerTick: mean(wall), wallMsMedian: median(wall) },
        top: { cpuMsPerIteration: topPerIter, totalCpuMs: topTotal, warmupCpuMs: topAfterWarmup, resolutionMs: 1000 / CLK_TCK },
      };
      row.ratioCpu = row.oomtop.cpuMsPerTick / row.top.cpuMsPerIteration;
      log(
        `  sampler @${row.processes} procs: oomtop ${row.oomtop.cpuMsPerTick.toFixed(1)} ms CPU (${row.oomtop.wallMsPerTick.toFixed(1)} ms wall)/tick, top ${topPerIter.toFixed(1)} ms CPU/iteration, ratio ${row.ratioCpu.toFixed(2)}`,
      );
      results.push(row);
    }
  } finally {
    killAll(sleepers);
  }
  return results;
}
