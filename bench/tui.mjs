// (b) The TUI at a 1 s refresh with ~1000 processes, in tmux at 120x40: CPU and RSS of
// oomtop's node process beside top -d 1, htop -d 10 and btop (update_ms=1000), all four
// running concurrently on the same process set and measured over the same windows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureProcessCount, countProcesses, killAll, makeTmux, procCpuMs, procIo, procMem, sleep, median } from './lib.mjs';

// OOMTOP_BENCH_ROOT=DIR measures another checkout's build (a before/after on the same box).
const ROOT = process.env.OOMTOP_BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

export function tuiCommands(tmuxDir, { oomtopNodeFlags = '' } = {}) {
  const btopDir = join(tmuxDir, 'xdg');
  mkdirSync(join(btopDir, 'btop'), { recursive: true });
  writeFileSync(join(btopDir, 'btop', 'btop.conf'), 'update_ms = 1000\ncolor_theme = "Default"\ntheme_background = True\n');
  return {
    // Run as users do (the shebang carries oomtop's V8 flags); extra flags go through node.
    oomtop: oomtopNodeFlags ? `node ${oomtopNodeFlags} ${join(ROOT, 'bin/oomtop.js')}` : join(ROOT, 'bin/oomtop.js'),
    top: 'top -d 1',
    htop: 'htop -d 10',
    btop: `env XDG_CONFIG_HOME=${btopDir} btop`,
  };
}

export async function benchTui({ processes = 1000, warmupS = 5, windowS = 20, windows = 3, extra = {}, log = console.error } = {}) {
  let sleepers = [];
  const tmux = makeTmux('oomtop-bench-tui');
  try {
    sleepers = await ensureProcessCount(processes, sleepers);
    const cmds = { ...tuiCommands(tmux.dir), ...extra };
    const pids = {};
    for (const [name, cmd] of Object.entries(cmds)) pids[name] = tmux.newSession(`tool-${name}`, cmd, { width: 120, height: 40, cwd: ROOT });
    await sleep(warmupS * 1000);
    const out = { processes: countProcesses(), windowS, warmupS, mode: 'concurrent', windows: [] };
    for (let w = 0; w < windows; w++) {
      const c0 = {};
      const io0 = {};
      for (const [n, p] of Object.entries(pids)) {
        c0[n] = procCpuMs(p);
        io0[n] = procIo(p);
      }
      const t0 = performance.now();
      await sleep(windowS * 1000);
      const secs = (performance.now() - t0) / 1000;
      const row = {};
      for (const [n, p] of Object.entries(pids)) {
        const c1 = procCpuMs(p);
        const m = procMem(p);
        const io = procIo(p);
        row[n] = {
          writesPerS: (io.syscw - io0[n].syscw) / secs,
          ttyKiBPerS: (io.wchar - io0[n].wchar) / 1024 / secs,
          cpuMs: c1.self - c0[n].self,
          childCpuMs: c1.children - c0[n].children,
          cpuPct: ((c1.self - c0[n].self) / (secs * 1000)) * 100,
          rssMiB: m.rssKiB / 1024,
          hwmMiB: m.hwmKiB / 1024,
        };
      }
      row.seconds = secs;
      out.windows.push(row);
      log(`  tui window ${w + 1}/${windows} (${secs.toFixed(1)} s): ` + Object.keys(pids).map((n) => `${n} ${row[n].cpuPct.toFixed(2)}% ${row[n].rssMiB.toFixed(0)}M`).join(', '));
    }
    out.screens = {};
    for (const n of Object.keys(pids)) out.screens[n] = tmux.capture(`tool-${n}`).split('\n').slice(0, 6).join('\n');
    // Summary: median over windows, peak RSS over the whole run.
    out.summary = {};
    for (const n of Object.keys(pids)) {
      out.summary[n] = {
        cpuPct: median(out.windows.map((r) => r[n].cpuPct)),
        cpuMsPerS: median(out.windows.map((r) => r[n].cpuMs / r.seconds)),
        rssMiB: out.windows.at(-1)[n].rssMiB,
        hwmMiB: out.windows.at(-1)[n].hwmMiB,
        writesPerS: median(out.windows.map((r) => r[n].writesPerS)),
        ttyKiBPerS: median(out.windows.map((r) => r[n].ttyKiBPerS)),
      };
    }
    for (const n of Object.keys(pids)) out.summary[n].cpuRatioVsTop = out.summary[n].cpuPct / out.summary.top.cpuPct;
    return out;
  } finally {
    tmux.close();
    killAll(sleepers);
  }
}
