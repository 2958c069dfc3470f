// (b) The TUI beside ONE peer at a time (issue 17): oomtop, started through its shebang
// (bin/oomtop.js --interval 1) in tmux at 120x40, runs alone with top -d 1, then alone with
// htop -d 10, then alone with btop; each pair over several windows, the median taken. Two
// tools on two cores do not starve each other the way four did, and the ratio to top is
// taken from the same windows. CPU = utime+stime of the tool's own process from
// /proc/PID/stat (user and system reported apart, in clock ticks); RSS = VmRSS at the end;
// writes and bytes from /proc/PID/io (every fd).
import { ensureProcessCount, countProcesses, killAll, makeTmux, procIo, procMem, sleep, median, CLK_TCK } from './lib.mjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tuiCommands } from './tui.mjs';

// OOMTOP_BENCH_ROOT=DIR measures another checkout's build (a before/after on the same box).
const ROOT = process.env.OOMTOP_BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

/** utime and stime of a process in clock ticks (NaN when gone). */
export function procTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]), sys: Number(f[12]) };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/**
 * One pair after another: for each peer, a fresh tmux with oomtop and that peer, a warm-up,
 * then `windows` windows of `windowS` seconds measured on both at once.
 */
export async function benchPairs({ processes = 1000, warmupS = 5, windowS = 10, windows = 5, peers = ['top', 'htop', 'btop'], log = console.error } = {}) {
  let sleepers = [];
  const out = { processes: 0, windowS, warmupS, windowsPerPair: windows, clkTck: CLK_TCK, mode: 'oomtop beside one peer at a time', pairs: {} };
  try {
    sleepers = await ensureProcessCount(processes, sleepers);
    out.processes = countProcesses();
    for (const peer of peers) {
      const tmux = makeTmux(`oomtop-bench-pair-${peer}`);
      try {
        const all = tuiCommands(tmux.dir);
        if (!all[peer]) continue;
        const cmds = { oomtop: `${all.oomtop} --interval 1`, [peer]: all[peer] };
        const pids = {};
        for (const [name, cmd] of Object.entries(cmds)) pids[name] = tmux.newSession(`pair-${name}`, cmd, { width: 120, height: 40, cwd: ROOT });
        await sleep(warmupS * 1000);
        const ws = [];
        for (let w = 0; w < windows; w++) {
          const t0 = {};
          const io0 = {};
          for (const [n, p] of Object.entries(pids)) {
            t0[n] = procTicks(p);
            io0[n] = procIo(p);
          }
          const s0 = performance.now();
          await sleep(windowS * 1000);
          const secs = (performance.now() - s0) / 1000;
          const row = { seconds: secs };
          for (const [n, p] of Object.entries(pids)) {
            const t1 = procTicks(p);
            const io = procIo(p);
            const m = procMem(p);
            const user = t1.user - t0[n].user;
            const sys = t1.sys - t0[n].sys;
            row[n] = {
              userTicks: user,
              sysTicks: sys,
              cpuPct: (((user + sys) / CLK_TCK) / secs) * 100,
              rssMiB: m.rssKiB / 1024,
              hwmMiB: m.hwmKiB / 1024,
              writesPerS: (io.syscw - io0[n].syscw) / secs,
              KiBPerS: (io.wchar - io0[n].wchar) / 1024 / secs,
            };
          }
          row.ratio = row.oomtop.cpuPct / row[peer].cpuPct;
          ws.push(row);
          log(`  oomtop beside ${peer}, window ${w + 1}/${windows} (${secs.toFixed(1)} s): oomtop ${row.oomtop.cpuPct.toFixed(2)}% (u${row.oomtop.userTicks}+s${row.oomtop.sysTicks}), ${peer} ${row[peer].cpuPct.toFixed(2)}% (u${row[peer].userTicks}+s${row[peer].sysTicks})`);
        }
        const sum = (n) => ({
          cpuPct: median(ws.map((r) => r[n].cpuPct)),
          userTicksPerWindow: median(ws.map((r) => r[n].userTicks)),
          sysTicksPerWindow: median(ws.map((r) => r[n].sysTicks)),
          rssMiB: ws.at(-1)[n].rssMiB,
          hwmMiB: ws.at(-1)[n].hwmMiB,
          writesPerS: median(ws.map((r) => r[n].writesPerS)),
          KiBPerS: median(ws.map((r) => r[n].KiBPerS)),
        });
        out.pairs[peer] = {
          command: cmds[peer],
          oomtopCommand: cmds.oomtop,
          windows: ws,
          oomtop: sum('oomtop'),
          peer: sum(peer),
          // Median of the per-window ratios, and the ratio of the medians (both reported).
          ratioMedianOfWindows: median(ws.map((r) => r.ratio)),
          ratioOfMedians: median(ws.map((r) => r.oomtop.cpuPct)) / median(ws.map((r) => r[peer].cpuPct)),
          screen: tmux.capture('pair-oomtop').split('\n').slice(0, 4).join('\n'),
        };
      } finally {
        tmux.close();
        await sleep(300);
      }
    }
    return out;
  } finally {
    killAll(sleepers);
  }
}
