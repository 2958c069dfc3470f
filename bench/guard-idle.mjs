// (f) The guard's idle cost (issue 17): `oomtop guard --cgroup /NAME` on a fresh 256 MiB
// cgroup v1 memory group holding one idle `sleep`, beside earlyoom (Debian's package, with
// Debian's default `-r 3600`, plus --dryrun so it can never kill anything on this box),
// both idle over the same windows. CPU from utime+stime (/proc/PID/stat, clock ticks) and,
// finer, from the on-CPU nanoseconds of every thread (/proc/PID/task/*/schedstat).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { own, killOwned, onCleanup, procMem, sleep, median, CLK_TCK } from './lib.mjs';
import { procTicks } from './pair.mjs';

// OOMTOP_BENCH_ROOT=DIR measures another checkout's build (a before/after on the same box).
const ROOT = process.env.OOMTOP_BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const V1 = '/sys/fs/cgroup/memory';

/** On-CPU time of every live thread of a process, in ns (schedstat's first field). */
export function procRunNs(pid) {
  let ns = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        /* thread gone */
      }
    }
  } catch {
    return NaN;
  }
  return ns;
}

export async function benchGuardIdle({ warmupS = 5, windowS = 20, windows = 3, limitMiB = 256, guardArgs = [], log = console.error } = {}) {
  if (!existsSync(join(V1, 'memory.oom_control'))) return { skipped: `no cgroup v1 memory controller at ${V1}` };
  const name = `oomtop-bench-guard-${Math.random().toString(36).slice(2, 10)}`;
  const cg = join(V1, name);
  mkdirSync(cg);
  const removeCg = () => {
    try {
      rmdirSync(cg);
    } catch {
      /* busy or gone */
    }
  };
  onCleanup(removeCg);
  writeFileSync(join(cg, 'memory.limit_in_bytes'), String(limitMiB << 20));
  const procs = {};
  try {
    const idle = spawn('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec sleep 3600`], { stdio: 'ignore' });
    own(idle.pid);
    procs.idle = idle.pid;
    const args = ['guard', '--cgroup', `/${name}`, ...guardArgs];
    const guard = spawn(join(ROOT, 'bin/oomtop.js'), args, { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
    own(guard.pid);
    procs.guard = guard.pid;
    const early = spawn('earlyoom', ['-r', '3600', '--dryrun'], { stdio: 'ignore' });
    own(early.pid);
    procs.earlyoom = early.pid;
    await sleep(warmupS * 1000);
    const ws = [];
    for (let w = 0; w < windows; w++) {
      const t0 = { guard: procTicks(guard.pid), earlyoom: procTicks(early.pid) };
      const n0 = { guard: procRunNs(guard.pid), earlyoom: procRunNs(early.pid) };
      const s0 = performance.now();
      await sleep(windowS * 1000);
      const secs = (performance.now() - s0) / 1000;
      const row = { seconds: secs };
      for (const n of ['guard', 'earlyoom']) {
        const pid = procs[n];
        const t1 = procTicks(pid);
        const ns = procRunNs(pid) - n0[n];
        const ticks = t1.user + t1.sys - t0[n].user - t0[n].sys;
        row[n] = { ticks, cpuPctTicks: ((ticks / CLK_TCK) / secs) * 100, runMs: ns / 1e6, cpuPct: (ns / 1e9 / secs) * 100, rssMiB: procMem(pid).rssKiB / 1024 };
      }
      ws.push(row);
      log(`  guard idle window ${w + 1}/${windows} (${secs.toFixed(1)} s): guard ${row.guard.cpuPct.toFixed(3)}% (${row.guard.ticks} ticks), earlyoom ${row.earlyoom.cpuPct.toFixed(3)}% (${row.earlyoom.ticks} ticks)`);
    }
    const sum = (n) => ({
      cpuPct: median(ws.map((r) => r[n].cpuPct)),
      ticksTotal: ws.reduce((a, r) => a + r[n].ticks, 0),
      rssMiB: ws.at(-1)[n].rssMiB,
    });
    const out = {
      cgroup: `/${name}`,
      limitMiB,
      guardCommand: `bin/oomtop.js ${args.join(' ')}`,
      earlyoomCommand: 'earlyoom -r 3600 --dryrun',
      windowS,
      windows: ws,
      guard: sum('guard'),
      earlyoom: sum('earlyoom'),
    };
    out.ratio = out.guard.cpuPct / out.earlyoom.cpuPct;
    out.held = readFileSync(join(cg, 'memory.oom_control'), 'utf8').includes('oom_kill_disable 1');
    return out;
  } finally {
    // The guard first (SIGTERM: it releases its intercept), then the others.
    if (procs.guard) {
      try {
        process.kill(procs.guard, 'SIGTERM');
      } catch {
        /* gone */
      }
      await sleep(1000);
      killOwned(procs.guard);
    }
    for (const n of ['earlyoom', 'idle']) if (procs[n]) killOwned(procs[n]);
    await sleep(300);
    removeCg();
  }
}
