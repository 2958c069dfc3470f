// Where oomtop's TUI spends CPU and memory: variants of V8 flags run side by side (same
// window, same ~1000 processes, tmux 120x40, 1 s refresh), RSS sampled over time, and a
// --cpu-prof profile summarised by component (Ink/React/Yoga render, sampler, store, GC).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureProcessCount, countProcesses, killAll, makeTmux, procCpuMs, procMem, sleep } from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// name → environment assignments and node flags put before bin/oomtop.js. `node FLAGS
// bin/oomtop.js` skips the shebang, so each variant names its V8 flags in full.
export const SHEBANG = '--max-semi-space-size=1 --max-old-space-size=64 --v8-pool-size=1 --single-threaded-gc';
export const VARIANTS = {
  'shebang flags (as installed)': SHEBANG,
  'no V8 flags': '',
  'heap flags only': '--max-semi-space-size=1 --max-old-space-size=64',
  'shebang + liftoff-only': `${SHEBANG} --liftoff-only`,
  'shebang + semi-space 4M': '--max-semi-space-size=4 --max-old-space-size=64 --v8-pool-size=1 --single-threaded-gc',
};

/** "A=b --flag" → `env A=b node --flag` */
function commandFor(spec, file) {
  const words = spec.split(/\s+/).filter(Boolean);
  const envs = words.filter((w) => /^[A-Z_]+=/.test(w));
  const flags = words.filter((w) => !/^[A-Z_]+=/.test(w));
  return `${envs.length ? `env ${envs.join(' ')} ` : ''}node ${flags.join(' ')} ${file}`.replace(/\s+/g, ' ');
}

function component(url, fn) {
  if (!url) return fn === '(garbage collector)' ? 'GC' : fn === '(idle)' ? 'idle' : fn === '(program)' ? 'program (native, unattributed)' : 'native/other';
  if (url.includes('/yoga-layout/') || url.includes('yoga')) return 'render: yoga layout';
  if (url.includes('/ink/')) return 'render: ink';
  if (url.includes('/react-reconciler/') || url.includes('/react/') || url.includes('/scheduler/')) return 'render: react';
  if (/\/(string-width|slice-ansi|wrap-ansi|cli-truncate|strip-ansi|ansi-styles|chalk|emoji-regex|get-east-asian-width|widest-line|ansi-regex)\//.test(url)) return 'render: string width/ansi';
  // The bundle holds oomtop with Ink, React and the rest: by chunk it cannot be told apart.
  if (url.includes('/dist/bundle/')) return 'oomtop and its bundled dependencies (dist/bundle)';
  if (url.includes('/dist/sampler/') || url.includes('/dist/proc/')) return 'sampler (/proc reads, parsing)';
  if (url.includes('/dist/cgroup/') || url.includes('/dist/cgroup/resolve')) return 'sampler: cgroup';
  if (url.includes('/dist/store/')) return 'store (rows, history, sort)';
  if (url.includes('/dist/ui/')) return 'oomtop UI components';
  if (url.includes('/dist/kernel/') || url.includes('kernel-events')) return 'kernel log follower';
  if (url.includes('/dist/')) return 'oomtop other';
  if (url.startsWith('node:')) return 'node core (fs, timers, streams)';
  if (url.includes('node_modules')) return 'other deps';
  return 'other';
}

export function summarizeCpuProfile(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dts = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const n = byId.get(prof.samples[i]);
    self.set(n.id, (self.get(n.id) ?? 0) + (dts[i] ?? 0));
  }
  const byComp = {};
  const byFn = {};
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const c = component(n.callFrame.url, n.callFrame.functionName);
    if (c === 'idle') continue;
    total += us;
    byComp[c] = (byComp[c] ?? 0) + us;
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber + 1}`;
    byFn[key] = (byFn[key] ?? 0) + us;
  }
  const spanS = (prof.endTime - prof.startTime) / 1e6;
  const comps = Object.entries(byComp).sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ component: k, ms: us / 1000, share: us / total, msPerS: us / 1000 / spanS }));
  const fns = Object.entries(byFn).sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, us]) => ({ fn: k, ms: us / 1000, share: us / total }));
  return { spanS, busyMs: total / 1000, components: comps, topFunctions: fns };
}

export async function profileTui({ processes = 1000, seconds = 40, variants = VARIANTS, cpuProf = true, cpuProfEnv = '', log = console.error } = {}) {
  let sleepers = [];
  const tmux = makeTmux('oomtop-bench-prof');
  const profDir = mkdtempSync(join(tmpdir(), 'oomtop-cpuprof-'));
  try {
    sleepers = await ensureProcessCount(processes, sleepers);
    const pids = {};
    for (const [name, flags] of Object.entries(variants)) pids[name] = tmux.newSession(name, commandFor(flags, join(ROOT, 'bin/oomtop.js')), { width: 120, height: 40, cwd: ROOT });
    if (cpuProf) pids['cpu-prof'] = tmux.newSession('cpu-prof', commandFor(`${cpuProfEnv} --cpu-prof --cpu-prof-dir=${profDir}`, join(ROOT, 'bin/oomtop.js')), { width: 120, height: 40, cwd: ROOT });
    await sleep(3000);
    const c0 = {};
    for (const [n, p] of Object.entries(pids)) c0[n] = procCpuMs(p).self;
    const t0 = performance.now();
    const rss = Object.fromEntries(Object.keys(pids).map((n) => [n, []]));
    for (let t = 0; t < seconds; t += 5) {
      await sleep(5000);
      for (const [n, p] of Object.entries(pids)) rss[n].push(Math.round(procMem(p).rssKiB / 1024));
    }
    const secs = (performance.now() - t0) / 1000;
    const out = { processes: countProcesses(), seconds: secs, variants: {} };
    for (const [n, p] of Object.entries(pids)) {
      const m = procMem(p);
      out.variants[n] = { flags: variants[n] ?? '--cpu-prof', cpuPct: ((procCpuMs(p).self - c0[n]) / (secs * 1000)) * 100, rssMiBEvery5s: rss[n], rssMiB: m.rssKiB / 1024, hwmMiB: m.hwmKiB / 1024 };
      if (m.gone) out.variants[n].died = tmux.capture(n).split('\n').filter((l) => l.trim()).slice(-8).join('\n');
      log(`  ${n.padEnd(16)} ${out.variants[n].cpuPct.toFixed(1)}% CPU  RSS every 5 s: ${rss[n].join(' ')} MiB (peak ${(m.hwmKiB / 1024).toFixed(0)})`);
    }
    if (cpuProf) {
      tmux.keys('cpu-prof', 'q');
      for (let i = 0; i < 50 && !readdirSync(profDir).some((f) => f.endsWith('.cpuprofile')); i++) await sleep(100);
      await sleep(500);
      const f = readdirSync(profDir).find((x) => x.endsWith('.cpuprofile'));
      if (f) out.cpuProfile = summarizeCpuProfile(join(profDir, f));
    }
    return out;
  } finally {
    tmux.close();
    killAll(sleepers);
    rmSync(profDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await profileTui({ seconds: Number(process.env.SECONDS_TO_RUN ?? 40), cpuProfEnv: process.env.PROF_ENV ?? '' });
  console.log(JSON.stringify(r, null, 1));
}
