// Key-to-screen latency through tmux (issue 17: "a key press answered on screen within 50 ms
// even during a tick", at 1,000 and 10,000 processes), beside htop and tmux's own floor.
//
// Each tool runs alone (one at a time) in its own tmux at 120×40, started as users start it
// (oomtop through its shebang, bin/oomtop.js --interval 1 --sort pid; htop -d 10 --sort-key=PID
// with a fresh config dir). A control-mode client (tmux -C, no pane output sent to it) sends
// Down, then Up, then Down..., each after a random wait of 0..1 refresh (so the keys fall at
// random phases of the refresh, some during a tick), and polls capture-pane -e every ~1 ms
// until the highlighted row (oomtop: inverse video; htop: its cyan bar) is the one the key
// asks for. Latency = send-keys written → first capture that shows it. Sorted by PID, the
// rows at the top (PID 1 and the box's first processes) stay put from refresh to refresh;
// a key whose selection lands elsewhere is re-synced and not counted.
// The floor: the same through a bash loop that reads the key's bytes and prints a counter
// (the pty, tmux and a process reading and writing: what no TUI can go under).
//
// A second part measures oomtop's ticks in this process at the same process count, as the
// TUI's host takes them (dist/tui/host.js on the real /proc, the store's applySnapshot): the
// wall and CPU time of a tick, and its longest stretch without yielding to the event loop
// (what a key waits at most for, before its own handling and drawing).
//
// Usage: npm run build && node bench/keys.mjs [--sizes=1000,10000] [--samples=60] [--base=DIR] [--tools=floor,oomtop,htop]
// (--base, or OOMTOP_BENCH_BASE: another checkout's build measured beside this one, as "before";
// OOMTOP_BENCH_ROOT=DIR measures another checkout's build as this one.) Writes
// bench/results/keys-latest.json and keys-latest.md; bench/run.mjs runs it as part `keys`.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countProcesses, ensureProcessCount, killAll, machine, makeTmux, median, own, pct, procMem, r1, sleep } from './lib.mjs';

const ROOT = process.env.OOMTOP_BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------- the screen
/**
 * The row highlighted on a capture-pane -e screen, as a line index, or -1. SGR state is
 * carried from cell to cell (capture-pane -e writes only the changes); `selected(state)`
 * says whether the cell at column `col` of a line is in the highlight. Lines naming the
 * columns (PID ... COMMAND) and the last line (htop's function keys) are not rows.
 */
export function highlightedRow(screen, selected, col = 6) {
  const st = { inverse: false, bg: 49 };
  const lines = screen.split('\n');
  let found = -1;
  for (let y = 0; y < lines.length; y++) {
    const line = lines[y];
    let x = 0;
    let at = null;
    for (let i = 0; i < line.length; i++) {
      if (line.charCodeAt(i) === 27 && line[i + 1] === '[') {
        let j = i + 2;
        while (j < line.length && !/[@-~]/.test(line[j])) j++;
        if (line[j] === 'm') sgr(st, line.slice(i + 2, j));
        i = j;
        continue;
      }
      if (x === col) at = { inverse: st.inverse, bg: st.bg };
      x++;
    }
    if (at === null || y === lines.length - 1 || /\bPID\b/.test(line) && /command/i.test(line)) continue;
    if (selected(at)) {
      if (found >= 0) return -1; // two rows look selected: not a screen to read
      found = y;
    }
  }
  return found;
}

function sgr(st, params) {
  const ps = params === '' ? [0] : params.split(';').map(Number);
  for (let k = 0; k < ps.length; k++) {
    const p = ps[k];
    if (p === 0) {
      st.inverse = false;
      st.bg = 49;
    } else if (p === 7) st.inverse = true;
    else if (p === 27) st.inverse = false;
    else if ((p >= 40 && p <= 47) || p === 49 || (p >= 100 && p <= 107)) st.bg = p;
    else if (p === 48) {
      st.bg = ps[k + 1] === 5 ? 256 + ps[k + 2] : 1000;
      k += ps[k + 1] === 5 ? 2 : 4;
    } else if (p === 38) k += ps[k + 1] === 5 ? 2 : 4;
  }
}

/** How each tool is started and how its highlight (or the floor's counter) is read. */
function tools(dir, base) {
  const xdg = join(dir, 'xdg');
  mkdirSync(xdg, { recursive: true });
  const oomtop = (root) => ({
    command: `${join(root, 'bin/oomtop.js')} --interval 1 --sort pid`,
    cwd: root,
    position: (screen) => highlightedRow(screen, (s) => s.inverse),
    keys: 'rows',
  });
  const t = {
    floor: {
      // Raw mode, no echo: bash reads each byte of the key and prints how many it has read.
      command: `bash -c 'stty -icanon -echo; n=0; while IFS= read -r -n1 -s c; do n=$((n+1)); printf "%d\\n" $n; done'`,
      cwd: dir,
      position: (screen) => {
        const last = screen.split('\n').filter((l) => /^\d+$/.test(l.trim())).at(-1);
        return last === undefined ? 0 : Number(last);
      },
      keys: 'bytes',
    },
    oomtop: oomtop(ROOT),
    htop: {
      command: `env XDG_CONFIG_HOME=${xdg} htop -d 10 --sort-key=PID`,
      cwd: dir,
      position: (screen) => highlightedRow(screen, (s) => s.bg === 46),
      keys: 'rows',
    },
  };
  if (base) return { floor: t.floor, 'oomtop (before)': oomtop(base), oomtop: t.oomtop, htop: t.htop };
  return t;
}

// ---------------------------------------------------------------- tmux control mode
/** A control-mode client of the bench's tmux server: commands answered in order, without a process each. */
function control(tmux, session) {
  const c = spawn('tmux', ['-L', tmux.socket, '-C', 'attach', '-t', session], { stdio: ['pipe', 'pipe', 'ignore'], env: tmux.env });
  own(c.pid);
  let buf = '';
  let cur = null;
  const waiting = [];
  let greeted = false;
  c.stdout.setEncoding('utf8');
  c.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('%begin')) cur = [];
      else if (line.startsWith('%end') || line.startsWith('%error')) {
        // The first %begin/%end pair answers the attach itself.
        if (!greeted) greeted = true;
        else waiting.shift()?.({ ok: line.startsWith('%end'), lines: cur ?? [] });
        cur = null;
      } else if (cur) cur.push(line);
    }
  });
  // A command tmux never answers (seen once with htop) fails the tool's run instead of hanging the bench.
  const cmd = (s) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tmux control mode: no answer to "${s}" in 10 s`)), 10_000);
    waiting.push((r) => (clearTimeout(timer), resolve(r)));
    c.stdin.write(s + '\n');
  });
  return {
    cmd,
    capture: async () => (await cmd(`capture-pane -p -e -t ${session}`)).lines.join('\n'),
    close: () => {
      c.stdin.end();
      c.kill();
    },
  };
}

/**
 * `samples` keys into one tool, each after a random wait of 0..`phaseMs`; the ms from
 * send-keys to the first capture showing its effect.
 */
async function measureTool(tmux, name, tool, { samples, phaseMs, warmupMs, timeoutMs = 5000, log }) {
  const session = `keys-${name.replace(/\W+/g, '-')}`;
  const pid = tmux.newSession(session, tool.command, { width: 120, height: 40, cwd: tool.cwd });
  const ctl = control(tmux, session);
  try {
    await ctl.cmd('refresh-client -f no-output');
    // The first frame, then a few refreshes.
    const t0 = performance.now();
    let pos = -1;
    while (performance.now() - t0 < 30_000) {
      pos = tool.position(await ctl.capture());
      if (tool.keys === 'bytes' || pos >= 0) break;
      await sleep(50);
    }
    if (tool.keys === 'rows' && pos < 0) throw new Error(`${name}: no highlighted row on screen after 30 s:\n${await ctl.capture()}`);
    await sleep(warmupMs);
    const size = (await ctl.cmd(`display-message -p -t ${session} '#{window_width}x#{window_height}'`)).lines[0];
    const ms = [];
    let resynced = 0;
    let timeouts = 0;
    pos = tool.position(await ctl.capture());
    const top = pos;
    let inARow = 0;
    for (let k = 0; k < samples && inARow < 3; k++) {
      await sleep(Math.random() * phaseMs);
      // Down from the top row, Up back to it: the selection stays among the first rows.
      const down = tool.keys === 'bytes' || pos <= top;
      const want = tool.keys === 'bytes' ? pos + 3 : pos + (down ? 1 : -1);
      const sent = performance.now();
      await ctl.cmd(`send-keys -t ${session} ${down ? 'Down' : 'Up'}`);
      let now = tool.position(await ctl.capture());
      const done = (p) => (tool.keys === 'bytes' ? p >= want : p === want);
      // Elsewhere: the row moved under the key (a re-sort), not this key's effect.
      const elsewhere = (p) => tool.keys === 'rows' && p >= 0 && p !== pos && p !== want;
      while (!done(now) && !elsewhere(now) && performance.now() - sent < timeoutMs) {
        await sleep(1);
        now = tool.position(await ctl.capture());
      }
      const took = performance.now() - sent;
      if (done(now)) {
        ms.push(took);
        inARow = 0;
      } else if (elsewhere(now)) resynced++;
      else {
        timeouts++;
        inARow++;
      }
      pos = now;
      if (pos < 0) pos = tool.position(await ctl.capture());
    }
    const mem = procMem(pid);
    const died = mem.gone === true;
    if (died) log(`  ${name} exited during the run; its last screen:\n${(await ctl.capture()).replace(/\u001b\[[0-9;]*m/g, '')}`);
    log(`  ${name}: median ${r1(median(ms))} ms, p95 ${r1(pct(ms, 95))}, max ${r1(Math.max(...ms))} (${ms.length} keys${timeouts ? `, ${timeouts} timed out` : ''})`);
    return { command: tool.command, windowSize: size, keys: ms.length, timeouts, resynced, medianMs: r1(median(ms)), p95Ms: r1(pct(ms, 95)), maxMs: r1(Math.max(...ms)), ms: ms.map(r1), rssMiB: r1(mem.rssKiB / 1024), hwmMiB: r1(mem.hwmKiB / 1024), died };
  } finally {
    ctl.close();
    tmux.kill(session);
  }
}

// ---------------------------------------------------------------- ticks, in this process
/**
 * oomtop's ticks as the TUI's host takes them, on the real /proc: wall and CPU per tick and
 * the longest stretch between two yields to the event loop (begin + first slice, a slice,
 * last slice + snapshot + store). A build without sliced ticks (before) is one stretch.
 */
export async function tickBlocks({ root = ROOT, ticks = 12, warmup = 3, pageSize = 30 } = {}) {
  const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
  const { SamplerHost } = await load('tui/host.js');
  const { createOomtopStore } = await load('store/store.js');
  const { memcgResolver } = await load('cgroup/resolve.js');
  const { memoryCgroupOf, hierarchy } = memcgResolver('/proc', null);
  const store = createOomtopStore({ sort: 'pid' });
  store.getState().setView({ pageSize });
  let blocks = [];
  let resumed = 0;
  const between = () => {
    blocks.push(performance.now() - resumed);
    return new Promise((r) => setImmediate(() => ((resumed = performance.now()), r())));
  };
  // The store's share (histories, events, rows), timed apart.
  const apply = store.getState().applySnapshot;
  let applyMs = 0;
  store.setState({ applySnapshot: (snap) => { const a = performance.now(); apply(snap); applyMs = performance.now() - a; } });
  const host = new SamplerHost(store, { procRoot: '/proc', memoryCgroupOf, hierarchy }, 3_600_000, undefined, null, { between });
  const sliced = typeof host.sampleSliced === 'function';
  const out = { sliced, wallMs: [], cpuMs: [], userMs: [], sysMs: [], longestBlockMs: [], slices: [], applyMs: [] };
  try {
    host.sampleNow();
    for (let i = 0; i < ticks + warmup; i++) {
      await sleep(100);
      blocks = [];
      const c0 = process.cpuUsage();
      const t0 = (resumed = performance.now());
      if (sliced) await host.sampleSliced();
      else host.sampleNow();
      const t1 = performance.now();
      blocks.push(t1 - resumed);
      const c = process.cpuUsage(c0);
      if (i < warmup) continue;
      out.wallMs.push(t1 - t0);
      out.userMs.push(c.user / 1000);
      out.sysMs.push(c.system / 1000);
      out.cpuMs.push((c.user + c.system) / 1000);
      out.longestBlockMs.push(Math.max(...blocks));
      out.slices.push(blocks.length);
      out.applyMs.push(applyMs);
    }
  } finally {
    host.stop();
  }
  const m = (xs) => r1(median(xs));
  return {
    sliced,
    ticks,
    wallMsMedian: m(out.wallMs),
    cpuMsMedian: m(out.cpuMs),
    userMsMedian: m(out.userMs),
    systemMsMedian: m(out.sysMs),
    longestBlockMsMedian: m(out.longestBlockMs),
    longestBlockMsMax: r1(Math.max(...out.longestBlockMs)),
    slicesMedian: median(out.slices),
    storeApplyMsMedian: m(out.applyMs),
  };
}

// ---------------------------------------------------------------- the whole part
export async function benchKeys({ sizes = [1000, 10000], samples = 60, warmupS = 3, base = process.env.OOMTOP_BENCH_BASE ?? null, only = null, log = console.error } = {}) {
  const out = { method: '', sizes: [] };
  out.method =
    'each tool alone in tmux 120×40 (its own server); a tmux control-mode client sends Down/Up after a random 0–1000 ms wait and polls capture-pane -e every ~1 ms until the highlighted row is the one the key asks for; ms from send-keys to that capture. Floor: a bash loop reading the key bytes and printing a counter. Ticks: the TUI host of each build in the bench process on the real /proc (wall, CPU, longest stretch without yielding to the event loop)';
  let sleepers = [];
  try {
    for (const n of sizes) {
      sleepers = await ensureProcessCount(n, sleepers);
      await sleep(500);
      const row = { target: n, processes: countProcesses(), tools: {}, ticks: {} };
      log(`keys at ${row.processes} processes`);
      const tmux = makeTmux('oomtop-bench-keys');
      try {
        for (const [name, tool] of Object.entries(tools(tmux.dir, base))) {
          if (only && !only.includes(name)) continue;
          try {
            row.tools[name] = await measureTool(tmux, name, tool, { samples, phaseMs: 1000, warmupMs: warmupS * 1000, log });
          } catch (e) {
            log(`  ${name}: not measured: ${e.message}`);
            row.tools[name] = { command: tool.command, error: e.message, keys: 0 };
          }
        }
      } finally {
        tmux.close();
      }
      row.ticks.oomtop = await tickBlocks({ root: ROOT });
      if (base) row.ticks['oomtop (before)'] = await tickBlocks({ root: base });
      for (const [k, v] of Object.entries(row.ticks)) log(`  ticks ${k}: wall ${v.wallMsMedian} ms, CPU ${v.cpuMsMedian} ms (${v.userMsMedian} user, ${v.systemMsMedian} sys), longest stretch ${v.longestBlockMsMedian} ms (max ${v.longestBlockMsMax}), ${v.slicesMedian} stretches, store ${v.storeApplyMsMedian} ms`);
      const floor = row.tools.floor?.medianMs ?? 0;
      const htop = row.tools.htop;
      for (const [name, r] of Object.entries(row.tools)) {
        if (name === 'floor') continue;
        r.medianLessFloorMs = r1(r.medianMs - floor);
        r.p95LessFloorMs = r1(r.p95Ms - floor);
        r.maxLessFloorMs = r1(r.maxMs - floor);
        if (htop && name !== 'htop') {
          r.ratioVsHtop = { median: ratio(r.medianMs, htop.medianMs), p95: ratio(r.p95Ms, htop.p95Ms), max: ratio(r.maxMs, htop.maxMs) };
        }
      }
      out.sizes.push(row);
      // The next size: more sleepers on top of these.
    }
  } finally {
    killAll(sleepers);
  }
  return out;
}

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 100) / 100 : null);

export function keysMarkdown(k) {
  const f = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
  const md = [];
  md.push('## Key-to-screen latency through tmux (issue 17)', '', `Method: ${k.method}.`, '');
  for (const row of k.sizes) {
    md.push(`### ${row.processes} processes`, '');
    md.push('| tool | keys | median ms | p95 ms | max ms | median − floor | p95 − floor | max − floor | ratio to htop (median / p95 / max) | RSS MiB (peak) |', '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const [name, r] of Object.entries(row.tools)) {
      const rv = r.ratioVsHtop ? `${f(r.ratioVsHtop.median, 2)} / ${f(r.ratioVsHtop.p95, 2)} / ${f(r.ratioVsHtop.max, 2)}` : name === 'htop' ? '1.00' : '–';
      md.push(`| ${name}${r.died ? ' (**exited**)' : ''} | ${r.keys}${r.timeouts ? ` (${r.timeouts} timed out)` : ''} | ${f(r.medianMs)} | ${f(r.p95Ms)} | ${f(r.maxMs)} | ${f(r.medianLessFloorMs)} | ${f(r.p95LessFloorMs)} | ${f(r.maxLessFloorMs)} | ${rv} | ${f(r.rssMiB)} (${f(r.hwmMiB)}) |`);
    }
    md.push('', '| oomtop build | tick wall ms | tick CPU ms (user + system) | longest stretch without yielding, ms (median, max) | stretches per tick | store applySnapshot ms |', '|---|---:|---:|---:|---:|---:|');
    for (const [name, t] of Object.entries(row.ticks)) md.push(`| ${name} | ${f(t.wallMsMedian)} | ${f(t.cpuMsMedian)} (${f(t.userMsMedian)} + ${f(t.systemMsMedian)}) | ${f(t.longestBlockMsMedian)}, ${f(t.longestBlockMsMax)} | ${t.slicesMedian} | ${f(t.storeApplyMsMedian)} |`);
    md.push('');
  }
  return md.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (k) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
  const sizes = (arg('sizes') ?? '1000,10000').split(',').map(Number);
  const res = { date: new Date().toISOString(), machine: machine(), ...(await benchKeys({ sizes, samples: Number(arg('samples') ?? 60), base: arg('base') ?? process.env.OOMTOP_BENCH_BASE ?? null, only: arg('tools')?.split(',') ?? null })) };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const md = `# oomtop key-to-screen latency — ${res.date}\n\nMachine: Linux ${res.machine.kernel}, ${res.machine.cores} × ${res.machine.cpu}, ${res.machine.ramGiB} GiB RAM, Node ${res.machine.node}; ${res.machine.tools.htop}, ${res.machine.tools.tmux}. Load at start: ${res.machine.loadavg}.\n\n${keysMarkdown(res)}\n`;
  writeFileSync(join(dir, 'keys-latest.json'), JSON.stringify(res, null, 2) + '\n');
  writeFileSync(join(dir, 'keys-latest.md'), md);
  process.stdout.write(md);
  process.exit(0);
}
