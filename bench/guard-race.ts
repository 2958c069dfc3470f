/**
 * The guard's race against the kernel's OOM killer, repeated: a hog fills a 256 MiB cgroup
 * v1 group at each rate; a trial is won when the guard ended the hog and the group's own
 * oom_kill counter did not move. Also measures the guard's idle CPU and RSS beside
 * earlyoom's (when installed) at the same interval.
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/oomtop-bench
 *   sudo node /tmp/oomtop-bench/bench/guard-race.js [--trials 20] [--rates max,1024,256]
 *        [--limit 256] [--idle 30] [-- extra guard options, e.g. --no-intercept]
 *
 * Root and a writable cgroup v1 memory hierarchy only. See bench/README-guard.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TestCgroup, realSkipReason } from '../test/guard/realcg.js';

const argv = process.argv.slice(2);
const dd = argv.indexOf('--');
const own = dd >= 0 ? argv.slice(0, dd) : argv;
const extra = dd >= 0 ? argv.slice(dd + 1) : [];
const opt = (n: string, d: string) => {
  const i = own.indexOf(n);
  return i >= 0 && i + 1 < own.length ? own[i + 1]! : d;
};
const TRIALS = Number(opt('--trials', '20'));
const RATES = opt('--rates', 'max,1024,256').split(',');
const LIMIT = Number(opt('--limit', '256'));
const IDLE_S = Number(opt('--idle', '30'));
const TERM_PCT = 10;

const GUARD_URL = pathToFileURL(fileURLToPath(new URL('../src/cli/guard.js', import.meta.url))).href;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

interface Line {
  event: string;
  pid?: number;
  timeMs: number;
  trigger?: string;
  signal?: string;
  message?: string;
}

function startGuard(args: string[]): { child: ChildProcess; lines: Line[]; started: Promise<void> } {
  const code = `const m = await import(${JSON.stringify(GUARD_URL)}); process.exitCode = await m.run(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, '--', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  let buf = '';
  let resolveStart!: () => void;
  const started = new Promise<void>((r) => (resolveStart = r));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const l = JSON.parse(buf.slice(0, nl)) as Line;
      buf = buf.slice(nl + 1);
      lines.push(l);
      if (l.event === 'start') resolveStart();
    }
  });
  child.on('exit', () => resolveStart());
  return { child, lines, started };
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.on('exit', () => r());
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Trial {
  won: boolean;
  kernelKills: number;
  signal: string | null;
  trigger: string | null;
  /** Signal time minus the moment the hog's allocations crossed the TERM threshold (ms). */
  latencyMs: number | null;
  /** The hog's measured fill rate (MiB/s) over its trace. */
  fillMiBps: number | null;
}

async function trial(rate: string): Promise<Trial> {
  const g = new TestCgroup(LIMIT);
  const guard = startGuard(['--cgroup', g.path, '--json', ...extra]);
  try {
    await guard.started;
    await sleep(100);
    const before = g.oomControl().oomKill;
    // "2xmax": that many hogs at once (the 2 cores then also compete with the guard).
    const m = /^(\d+)x(.+)$/.exec(rate);
    const n = m ? Number(m[1]) : 1;
    const each = m ? m[2]! : rate;
    const base0 = g.usageBytes() / 1048576;
    const hogs = await Promise.all(Array.from({ length: n }, () => g.startHog(['--rate', each, '--trace'], { allowEarlyExit: true })));
    const hog = hogs[0]!;
    const baseMiB = Math.max(base0, g.usageBytes() / 1048576 - hogs.reduce((s, h) => s + (h.trace.at(-1)?.mib ?? 0), 0));
    const how = await Promise.race([Promise.all(hogs.map((h) => h.exited)), sleep(20_000).then(() => 'timeout' as const)]);
    await sleep(50);
    const kernelKills = g.oomControl().oomKill - before;
    const pids = new Set(hogs.map((h) => h.pid));
    const acts = guard.lines.filter((l) => l.pid !== undefined && pids.has(l.pid) && (l.event === 'term' || l.event === 'kill'));
    const act = acts[0] ?? null;
    const ended = new Set(acts.map((l) => l.pid));
    const thresholdMiB = LIMIT * (1 - TERM_PCT / 100);
    // The moment the hogs' allocations together crossed the TERM threshold.
    const merged = hogs.flatMap((h) => h.trace.map((t, i) => ({ t: t.t, d: i === 0 ? t.mib : t.mib - h.trace[i - 1]!.mib }))).sort((a, b) => a.t - b.t);
    let sum = baseMiB;
    const cross = merged.find((x) => (sum += x.d) >= thresholdMiB);
    return {
      won: kernelKills === 0 && ended.size === hogs.length && how !== 'timeout',
      kernelKills,
      signal: act?.signal ?? null,
      trigger: act?.trigger ?? null,
      latencyMs: act && cross ? act.timeMs - cross.t : null,
      fillMiBps: fillRate(hog.trace),
    };
  } finally {
    await stopProcess(guard.child);
    await g.cleanup();
  }
}

function fillRate(trace: Array<{ t: number; mib: number }>): number | null {
  if (trace.length < 2) return null;
  const a = trace[0]!;
  const b = trace[trace.length - 1]!;
  return b.t > a.t ? ((b.mib - a.mib) * 1000) / (b.t - a.t) : null;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function procCost(pid: number): { cpuTicks: number; rssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuTicks: Number(f[11]) + Number(f[12]), rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

async function idle(label: string, child: ChildProcess, warmMs = 2000): Promise<string> {
  await sleep(warmMs);
  const a = procCost(child.pid!);
  const t0 = Date.now();
  await sleep(IDLE_S * 1000);
  const b = procCost(child.pid!);
  const secs = (Date.now() - t0) / 1000;
  const cpuPct = ((b.cpuTicks - a.cpuTicks) / CLK_TCK / secs) * 100;
  await stopProcess(child);
  return `| ${label} | ${cpuPct.toFixed(2)} % | ${(b.rssKiB / 1024).toFixed(1)} MiB |`;
}

async function main(): Promise<void> {
  const skip = realSkipReason();
  if (skip) {
    console.log(`guard-race: cannot run (${skip})`);
    process.exitCode = 1;
    return;
  }
  console.log(`# guard race: ${TRIALS} trials per rate, ${LIMIT} MiB cgroup v1 group, guard options: ${extra.join(' ') || '(defaults)'}\n`);
  console.log('| hog rate (MiB/s) | measured fill (median MiB/s) | won | kernel OOM kills | signal (TERM/KILL) | trigger (memory/held) | threshold→signal median | p95 | max |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const rate of RATES) {
    const rs: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) rs.push(await trial(rate));
    const lat = rs.map((r) => r.latencyMs).filter((x): x is number => x !== null);
    const count = (f: (r: Trial) => boolean) => rs.filter(f).length;
    const fills = rs.map((r) => r.fillMiBps).filter((x): x is number => x !== null);
    const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(1)} ms`);
    console.log(
      `| ${rate} | ${fills.length ? quantile(fills, 0.5).toFixed(0) : 'n/a'} | ${count((r) => r.won)}/${rs.length} | ${rs.reduce((s, r) => s + r.kernelKills, 0)} | ${count((r) => r.signal === 'SIGTERM')}/${count(
        (r) => r.signal === 'SIGKILL',
      )} | ${count((r) => r.trigger === 'memory')}/${count((r) => r.trigger === 'held')} | ${ms(lat.length ? quantile(lat, 0.5) : undefined)} | ${ms(
        lat.length ? quantile(lat, 0.95) : undefined,
      )} | ${ms(lat.length ? Math.max(...lat) : undefined)} |`,
    );
  }

  console.log(`\n# idle cost over ${IDLE_S} s\n`);
  console.log('| process | CPU | RSS |');
  console.log('|---|---|---|');
  const sys = startGuard(['--json', ...extra]);
  await sys.started;
  console.log(await idle('oomtop guard --scope system (sleeps 1000 ms with headroom)', sys.child));
  const g = new TestCgroup(LIMIT);
  try {
    const cg = startGuard(['--cgroup', g.path, '--json', ...extra]);
    await cg.started;
    console.log(await idle(`oomtop guard --cgroup (empty ${LIMIT} MiB group)`, cg.child));
  } finally {
    await g.cleanup();
  }
  const which = spawnSync('sh', ['-c', 'command -v earlyoom']);
  if (which.status === 0) {
    // -r 0: no periodic report; earlyoom sleeps headroom / 6 GB/s clamped to 100..1000 ms.
    const eo = spawn(which.stdout.toString().trim(), ['-r', '0'], { stdio: 'ignore' });
    console.log(await idle('earlyoom -r 0 (system, 1000 ms with headroom)', eo));
  } else {
    console.log('| earlyoom | not installed | |');
  }
}

await main();
