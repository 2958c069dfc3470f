// oomtop's benchmarks (issue 6): runs everything, prints a table, writes
// bench/results/latest.json and bench/results/latest.md. `npm run bench` builds first.
// --quick (or QUICK=1) shortens every part (for a smoke run); --only=part,part (or ONLY=)
// re-runs some parts and keeps the others from the last latest.json. Parts: sampler, pair
// (oomtop beside one peer at a time: the figure that counts), start, guard (idle beside
// earlyoom), tui (all four tools at once: a second view), oom, profile, keys (key-to-screen
// latency through tmux at 1,000 and 10,000 processes beside htop; OOMTOP_BENCH_BASE=DIR adds
// another build as "before"; also written to results/keys-latest.*).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchSampler } from './sampler.mjs';
import { benchTui } from './tui.mjs';
import { benchFirstFrame, benchOomKill } from './latency.mjs';
import { benchPairs } from './pair.mjs';
import { benchGuardIdle } from './guard-idle.mjs';
import { profileTui, SHEBANG } from './profile.mjs';
import { benchKeys, keysMarkdown } from './keys.mjs';
import { machine, countProcesses, ensurePackages } from './lib.mjs';

const argv = process.argv.slice(2);
const quick = process.env.QUICK === '1' || argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? process.env.ONLY;
const only = (onlyArg ?? 'sampler,pair,start,guard,tui,oom,profile,keys').split(',');
const log = (s) => process.stderr.write(`${s}\n`);
// The peers measured side by side, from Debian's packages (installed when missing, as root).
ensurePackages({ top: 'procps', htop: 'htop', btop: 'btop', tmux: 'tmux', earlyoom: 'earlyoom' });
const dir = fileURLToPath(new URL('./results/', import.meta.url));
// ONLY=part,part re-runs some parts and keeps the others from the last latest.json.
const prev = onlyArg && existsSync(`${dir}latest.json`) ? JSON.parse(readFileSync(`${dir}latest.json`, 'utf8')) : {};
const res = { ...prev, date: new Date().toISOString(), machine: machine(), baselineProcesses: countProcesses(), notes: [] };
res.notes.push(`The pair runs put oomtop beside one peer at a time, so the two share the box's noise but do not starve each other.`);

if (only.includes('sampler')) {
  log('(a) sampler cost per tick vs top -b -d 1');
  res.sampler = await benchSampler({ sizes: quick ? [100, 1000] : [100, 1000, 5000], ticks: quick ? 5 : 20, warmup: 3, log });
}
if (only.includes('pair')) {
  log('(b) TUI at 1 s, ~1000 processes, tmux 120x40, beside one peer at a time');
  res.pairs = await benchPairs({ processes: 1000, warmupS: quick ? 3 : 5, windowS: quick ? 5 : 10, windows: quick ? 2 : 5, log });
}
if (only.includes('guard')) {
  log('(f) guard idle on a 256 MiB v1 cgroup beside earlyoom');
  res.guardIdle = await benchGuardIdle({ warmupS: quick ? 12 : 15, windowS: quick ? 10 : 20, windows: quick ? 1 : 3, log });
}
if (only.includes('tui')) {
  log('(b2) TUI at 1 s, ~1000 processes, tmux 120x40, all four tools concurrently (second view)');
  res.tui = await benchTui({ processes: 1000, warmupS: 5, windowS: quick ? 5 : 20, windows: quick ? 1 : 3, log });
}
if (only.includes('start')) {
  log('(c) start → first full frame');
  res.firstFrame = await benchFirstFrame({ runs: quick ? 3 : 7, log });
}
if (only.includes('oom')) {
  log('(d) kernel OOM kill → event-log line');
  res.oomKill = await benchOomKill({ runs: quick ? 1 : 5, log });
}
if (only.includes('profile')) {
  log('(e) profile: V8 flag variants side by side, --cpu-prof by component');
  res.profile = await profileTui({ seconds: quick ? 15 : 60, cpuProfEnv: SHEBANG, log });
}
if (only.includes('keys')) {
  log('(g) key-to-screen latency through tmux, beside htop and the tmux floor');
  // 10,000 sleepers take about 4 GiB and need pid_max and threads-max above that.
  res.keys = await benchKeys({ sizes: quick ? [1000] : [1000, 10000], samples: quick ? 20 : 60, log });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}keys-latest.json`, JSON.stringify({ date: res.date, machine: res.machine, ...res.keys }, null, 2) + '\n');
  writeFileSync(`${dir}keys-latest.md`, `# oomtop key-to-screen latency — ${res.date}\n\n${keysMarkdown(res.keys)}\n`);
}

const f = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const md = [];
md.push(`# oomtop benchmarks — ${res.date}`, '');
const m = res.machine;
md.push(`Machine: Linux ${m.kernel}, ${m.cores} × ${m.cpu}, ${m.ramGiB} GiB RAM, Node ${m.node}; ${m.tools.top}, ${m.tools.htop}, ${m.tools.btop}, ${m.tools.tmux}. Load at start: ${m.loadavg}. ${res.notes.join(' ')}`, '');
if (res.sampler) {
  md.push('## Sampler cost per tick (oomtop `Sampler.sample()` vs one `top -b -d 1` iteration)', '');
  md.push('Both run at 1 s in the same window; oomtop CPU = process.cpuUsage() around sample() (all threads, GC included), mean of the ticks after a 3-tick warm-up; top CPU = utime+stime of the top process (/proc stat, 10 ms clock ticks) over the same iterations after the same warm-up, divided by the iterations. top -b prints every process each iteration.', '');
  md.push('| processes | ticks | oomtop CPU ms/tick (median, p90) | oomtop wall ms/tick | top CPU ms/iteration | ratio oomtop/top |', '|---:|---:|---:|---:|---:|---:|');
  for (const r of res.sampler) md.push(`| ${r.processes} | ${r.ticks} | ${f(r.oomtop.cpuMsPerTick)} (${f(r.oomtop.cpuMsMedian)}, ${f(r.oomtop.cpuMsP90)}) | ${f(r.oomtop.wallMsPerTick)} | ${f(r.top.cpuMsPerIteration)} | ${f(r.ratioCpu, 2)} |`);
  md.push('');
}
if (res.pairs) {
  const P = res.pairs;
  md.push(`## Interactive: oomtop beside one peer at a time (${P.processes} processes, 1 s refresh, tmux 120×40)`, '');
  md.push(`oomtop runs through its shebang (\`${Object.values(P.pairs)[0]?.oomtopCommand ?? 'bin/oomtop.js --interval 1'}\`) in tmux with one peer only, a fresh pair per peer; ${P.windowsPerPair} windows of ${P.windowS} s after a ${P.warmupS} s warm-up, median. CPU = utime+stime of each tool's process (/proc/PID/stat, ${P.clkTck} ticks/s), user and system ticks per window shown apart; RSS = VmRSS at the end; writes/s and KiB/s from /proc/PID/io (every fd).`, '');
  md.push('| pair | tool | CPU % of a core | user ticks / window | system ticks / window | ratio oomtop / peer (median of windows) | RSS MiB | writes/s | KiB/s written |', '|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [peer, r] of Object.entries(P.pairs)) {
    md.push(`| with ${peer} | oomtop | ${f(r.oomtop.cpuPct, 2)} | ${f(r.oomtop.userTicksPerWindow, 0)} | ${f(r.oomtop.sysTicksPerWindow, 0)} | **${f(r.ratioMedianOfWindows, 2)}** | ${f(r.oomtop.rssMiB)} | ${f(r.oomtop.writesPerS)} | ${f(r.oomtop.KiBPerS)} |`);
    md.push(`| with ${peer} | \`${r.command.replace(/env XDG_CONFIG_HOME=\S+ /, '')}\` | ${f(r.peer.cpuPct, 2)} | ${f(r.peer.userTicksPerWindow, 0)} | ${f(r.peer.sysTicksPerWindow, 0)} | 1.00 | ${f(r.peer.rssMiB)} | ${f(r.peer.writesPerS)} | ${f(r.peer.KiBPerS)} |`);
  }
  const top = P.pairs.top;
  if (top) md.push('', `Targets (issue 17): CPU ≤ 1.0× top's — oomtop ${f(top.ratioMedianOfWindows, 2)}×; RSS ≤ 64 MiB — oomtop ${f(top.oomtop.rssMiB)} MiB (peak ${f(top.oomtop.hwmMiB)}).`);
  md.push('', 'Per window (CPU %):', '');
  for (const [peer, r] of Object.entries(P.pairs)) md.push(`- with ${peer}: ` + r.windows.map((w) => `${f(w.oomtop.cpuPct, 2)} / ${f(w[peer].cpuPct, 2)}`).join(', ') + ' (oomtop / peer)');
  md.push('');
}
if (res.guardIdle) {
  const g = res.guardIdle;
  md.push('## Guard idle beside earlyoom (256 MiB cgroup v1)', '');
  if (g.skipped) md.push(`Skipped: ${g.skipped}`, '');
  else {
    md.push(`\`${g.guardCommand}\` on a fresh ${g.limitMiB} MiB v1 memory group holding one idle \`sleep\` (intercept ${g.held ? 'on: oom_kill_disable 1' : 'off'}), beside \`${g.earlyoomCommand}\` (system-wide); ${g.windows.length} windows of ${g.windowS} s, median. CPU from the on-CPU ns of every thread (/proc/PID/task/*/schedstat); clock ticks (utime+stime) summed over all windows for comparison.`, '');
    md.push('| tool | CPU % of a core | ticks over all windows | RSS MiB |', '|---|---:|---:|---:|');
    md.push(`| oomtop guard | ${f(g.guard.cpuPct, 3)} | ${g.guard.ticksTotal} | ${f(g.guard.rssMiB)} |`);
    md.push(`| earlyoom | ${f(g.earlyoom.cpuPct, 3)} | ${g.earlyoom.ticksTotal} | ${f(g.earlyoom.rssMiB)} |`);
    md.push('', `Ratio guard / earlyoom: **${f(g.ratio, 1)}×**. Targets (issue 17): ≤ 0.1 % CPU — ${f(g.guard.cpuPct, 3)} %; RSS ≤ 40 MiB — ${f(g.guard.rssMiB)} MiB.`, '');
  }
}
if (res.tui) {
  const t = res.tui;
  md.push(`## Second view: all four tools at once, 1 s refresh, ${t.processes} processes, tmux 120×40`, '');
  md.push(`All four ran concurrently on the same process set; ${t.windows.length} windows of ${t.windowS} s after a ${t.warmupS} s warm-up; CPU = utime+stime delta of the tool's process (median of the windows); RSS = VmRSS at the end, peak = VmHWM; writes/s = write(2) calls of the whole process from /proc/PID/io syscw, every fd and thread (for oomtop mostly libuv wake-ups: strace shows one frame a second, 3 tty writes each); KiB/s = bytes written, every fd.`, '');
  md.push('| tool | command | CPU % of a core | ratio vs top | RSS MiB | peak RSS MiB | writes/s (all fds) | KiB/s written |', '|---|---|---:|---:|---:|---:|---:|---:|');
  const cmds = { oomtop: 'bin/oomtop.js (shebang)', top: 'top -d 1', htop: 'htop -d 10', btop: 'btop (update_ms = 1000)' };
  for (const [n, s] of Object.entries(t.summary)) md.push(`| ${n} | \`${cmds[n] ?? n}\` | ${f(s.cpuPct, 2)} | ${f(s.cpuRatioVsTop, 2)} | ${f(s.rssMiB)} | ${f(s.hwmMiB)} | ${f(s.writesPerS)} | ${f(s.ttyKiBPerS)} |`);
  md.push('', 'Per window (CPU %, RSS MiB):', '');
  for (const w of t.windows) md.push(`- ${f(w.seconds)} s: ` + Object.keys(t.summary).map((n) => `${n} ${f(w[n].cpuPct, 2)}% ${f(w[n].rssMiB, 0)} MiB`).join(', '));
  md.push('', `Targets (issue 6): CPU ≤ top's (ratio ≤ 1.0; > 1.5 is a defect) — oomtop ${f(t.summary.oomtop.cpuRatioVsTop, 2)}; RSS < 100 MiB — oomtop ${f(t.summary.oomtop.rssMiB)} MiB (peak ${f(t.summary.oomtop.hwmMiB)}).`, '');
}
if (res.firstFrame) {
  const ff = res.firstFrame;
  md.push(`## Start → first full frame (${ff.processes} processes, median of ${ff.runs})`, '', ff.method + '.', '');
  md.push('| tool | median ms | runs (ms) | ratio vs top | ratio vs htop |', '|---|---:|---|---:|---:|');
  for (const [n, s] of Object.entries(ff.tools)) md.push(`| ${n} | ${f(s.medianMs, 0)} | ${s.ms.map((x) => f(x, 0)).join(', ')} | ${f(s.ratioVsTop, 2)} | ${f(s.ratioVsHtop, 2)} |`);
  if (ff.tools.oomtop) md.push('', `Targets (issue 17): ≤ 300 ms and ≤ 1.5× htop's — oomtop ${f(ff.tools.oomtop.medianMs, 0)} ms, ${f(ff.tools.oomtop.ratioVsHtop, 2)}× htop.`);
  md.push('');
}
if (res.oomKill) {
  const o = res.oomKill;
  md.push('## Kernel OOM kill → oomtop event-log line', '');
  if (o.skipped) md.push(`Skipped: ${o.skipped}`, '');
  else {
    md.push(o.method + '.', '');
    md.push('| hog PID | kernel timestamp → on screen (ms) | parent saw exit → on screen (ms) |', '|---:|---:|---:|');
    for (const r of o.runs) md.push(`| ${r.pid} | ${f(r.kernelToScreenMs, 0)} | ${f(r.exitToScreenMs, 0)} |`);
    md.push(`| median | ${f(o.medianKernelToScreenMs, 0)} | ${f(o.medianExitToScreenMs, 0)} |`, '');
  }
}
if (res.profile) {
  const p = res.profile;
  md.push(`## Profile: oomtop TUI variants side by side (${p.processes} processes, ${f(p.seconds, 0)} s, tmux 120×40)`, '');
  md.push('| variant | CPU % | RSS MiB every 5 s | peak RSS MiB |', '|---|---:|---|---:|');
  for (const [n, v] of Object.entries(p.variants)) md.push(`| ${n} (\`${v.flags}\`) | ${f(v.cpuPct)} | ${v.rssMiBEvery5s.map((x) => f(x, 0)).join(' ')}${v.died ? ' — **crashed** (V8 heap limit)' : ''} | ${f(v.hwmMiB, 0)} |`);
  if (p.cpuProfile) {
    md.push('', `--cpu-prof of the default build over ${f(p.cpuProfile.spanS, 0)} s (busy ${f(p.cpuProfile.busyMs, 0)} ms; profiler overhead included), self time by component:`, '');
    md.push('| component | ms per second | share |', '|---|---:|---:|');
    for (const c of p.cpuProfile.components) md.push(`| ${c.component} | ${f(c.msPerS)} | ${f(c.share * 100)}% |`);
    md.push('', 'Top functions (self time):', '');
    for (const c of p.cpuProfile.topFunctions) md.push(`- ${c.fn}: ${f(c.ms, 0)} ms (${f(c.share * 100)}%)`);
  }
  md.push('');
}
if (res.keys) md.push(keysMarkdown(res.keys), '');

mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}latest.json`, JSON.stringify(res, null, 2) + '\n');
writeFileSync(`${dir}latest.md`, md.join('\n') + '\n');
process.stdout.write(md.join('\n') + '\n');
log(`wrote ${dir}latest.json and latest.md`);
process.exit(0);
