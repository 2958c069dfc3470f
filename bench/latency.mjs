// (c) Start → first full frame (table header and a PID row on screen), beside htop and top.
// (d) Kernel OOM kill → its line in oomtop's event log (a 64 MiB cgroup v1 group, our own hog).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll, makeTmux, median, own, disown, onCleanup, sleep, ensureProcessCount, countProcesses } from './lib.mjs';

// OOMTOP_BENCH_ROOT=DIR measures another checkout's build (a before/after on the same box).
const ROOT = process.env.OOMTOP_BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
// As users start it: through the shebang (its V8 flags), at a 1 s refresh.
const OOMTOP = `${join(ROOT, 'bin/oomtop.js')} --interval 1`;

export function fullFrame(screen) {
  const lines = screen.split('\n');
  const h = lines.findIndex((l) => /\bPID\b\s+USER\b/.test(l));
  if (h < 0) return false;
  return lines.slice(h + 1).some((l) => /^\s*[VNPE*]{0,3}\s*\d+\s+[a-z_][\w-]*\s+\S+/.test(l));
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC

async function waitFor(tmux, name, pred, timeoutMs = 15000) {
  const t0 = nowMs();
  while (nowMs() - t0 < timeoutMs) {
    const s = tmux.capture(name);
    if (pred(s)) return nowMs();
    await sleep(10);
  }
  return NaN;
}

export async function benchFirstFrame({ runs = 5, processes = 1000, log = console.error } = {}) {
  const tools = { oomtop: OOMTOP, htop: 'htop -d 10', top: 'top -d 1' };
  const tmux = makeTmux('oomtop-bench-start');
  let sleepers = [];
  const out = { processes: 0, runs, method: 'sh waits on `read`, the clock starts at send-keys Enter; capture-pane polled every 10 ms', tools: {} };
  try {
    sleepers = await ensureProcessCount(processes, sleepers);
    out.processes = countProcesses();
    for (const name of Object.keys(tools)) out.tools[name] = { ms: [] };
    for (let r = 0; r < runs; r++) {
      for (const [name, cmd] of Object.entries(tools)) {
        const s = `${name.split(' ')[0]}-${r}-${Math.random().toString(36).slice(2, 6)}`;
        const pid = tmux.newSession(s, `sh -c 'read x; exec ${cmd}'`, { width: 120, height: 40, cwd: ROOT });
        await sleep(300);
        const t0 = nowMs();
        tmux.keys(s, 'Enter');
        const t1 = await waitFor(tmux, s, fullFrame);
        out.tools[name].ms.push(t1 - t0);
        tmux.kill(s);
        disown(pid);
        await sleep(200);
      }
    }
    for (const name of Object.keys(tools)) out.tools[name].medianMs = median(out.tools[name].ms);
    for (const name of Object.keys(tools)) {
      out.tools[name].ratioVsTop = out.tools[name].medianMs / out.tools.top.medianMs;
      out.tools[name].ratioVsHtop = out.tools[name].medianMs / out.tools.htop.medianMs;
    }
    log(`  first frame (median of ${runs}): ` + Object.keys(tools).map((n) => `${n} ${out.tools[n].medianMs.toFixed(0)} ms`).join(', '));
    return out;
  } finally {
    tmux.close();
    killAll(sleepers);
  }
}

function kmsgKillTimeMs(pid) {
  // dmesg -r: "<N>[   seconds.micros] text", the kernel's clock since boot
  const r = spawnSync('dmesg', ['-r'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const re = new RegExp(`\\[\\s*(\\d+\\.\\d+)\\]\\s+(?:Memory cgroup out of memory: )?Killed process ${pid}\\b`);
  for (const line of r.stdout.split('\n').reverse()) {
    const m = re.exec(line);
    if (m) return Number(m[1]) * 1000;
  }
  return NaN;
}

export async function benchOomKill({ runs = 3, log = console.error } = {}) {
  const v1 = '/sys/fs/cgroup/memory';
  if (!existsSync(join(v1, 'memory.limit_in_bytes'))) return { skipped: 'no cgroup v1 memory controller at /sys/fs/cgroup/memory' };
  const cg = join(v1, `oomtop-bench-${Math.random().toString(36).slice(2, 10)}`);
  mkdirSync(cg);
  const removeCg = () => {
    try {
      rmdirSync(cg);
    } catch {
      /* busy or gone */
    }
  };
  onCleanup(removeCg);
  writeFileSync(join(cg, 'memory.limit_in_bytes'), String(64 << 20));
  const tmux = makeTmux('oomtop-bench-oom');
  const out = { cgroup: cg, limitMiB: 64, runs: [], method: 'hog = `tail /dev/zero` in its own v1 memcg; kernel time from dmesg -r (sched clock since boot), screen time = first capture-pane (10 ms polls) showing "OOM kill: PID <hog>"; also from the hog\'s exit as seen by its parent' };
  try {
    tmux.newSession('oomtop', OOMTOP, { width: 120, height: 40, cwd: ROOT });
    await waitFor(tmux, 'oomtop', fullFrame);
    await sleep(1500);
    for (let r = 0; r < runs; r++) {
      const hog = spawn('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec tail /dev/zero`], { stdio: 'ignore' });
      own(hog.pid);
      let exitAt = NaN;
      hog.on('exit', () => (exitAt = nowMs()));
      const needle = `OOM kill: PID ${hog.pid} `;
      const shownAt = await waitFor(tmux, 'oomtop', (s) => s.includes(needle), 20000);
      disown(hog.pid);
      const killAt = kmsgKillTimeMs(hog.pid);
      const row = { pid: hog.pid, kernelToScreenMs: shownAt - killAt, exitToScreenMs: shownAt - exitAt };
      out.runs.push(row);
      log(`  OOM kill of ${hog.pid} → event log: ${row.kernelToScreenMs.toFixed(0)} ms after the kernel's timestamp, ${row.exitToScreenMs.toFixed(0)} ms after the parent saw it die`);
      await sleep(1200);
    }
    out.medianKernelToScreenMs = median(out.runs.map((r) => r.kernelToScreenMs));
    out.medianExitToScreenMs = median(out.runs.map((r) => r.exitToScreenMs));
    out.screen = tmux.capture('oomtop');
    return out;
  } finally {
    tmux.close();
    await sleep(200);
    removeCg();
  }
}
