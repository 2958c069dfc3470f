// Shared helpers for oomtop's benchmarks and screenshot script: owned child processes
// (killed by PID on exit, error and signals), /proc readers, a private tmux server.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- owned processes
const owned = new Set(); // PIDs this script started (and may kill)
const cleanups = [];
let cleaned = false;

export function own(pid) {
  if (pid) owned.add(pid);
  return pid;
}
export function disown(pid) {
  owned.delete(pid);
}
export function onCleanup(fn) {
  cleanups.push(fn);
}
export function killOwned(pid, sig = 'SIGKILL') {
  if (!owned.has(pid)) throw new Error(`refusing to signal PID ${pid}: not started by this script`);
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
  owned.delete(pid);
}

export function cleanupAll() {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
  for (const pid of owned) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  owned.clear();
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}
process.on('uncaughtException', (e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  cleanupAll();
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  cleanupAll();
  process.exit(1);
});

// ---------------------------------------------------------------- /proc
/** Live processes (zombies not counted: killed sleepers linger until reaped). */
export function countProcesses() {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (s[s.lastIndexOf(')') + 2] !== 'Z') n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

/** utime+stime of one process in ms (and its reaped children's, separately). */
export function procCpuMs(pid) {
  let s;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return { self: NaN, children: NaN, gone: true };
  }
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); utime = field 14 → f[11], stime f[12], cutime f[13], cstime f[14]
  const tick = 1000 / CLK_TCK;
  return { self: (Number(f[11]) + Number(f[12])) * tick, children: (Number(f[13]) + Number(f[14])) * tick };
}

/** write(2) calls and bytes so far (frames drawn ≈ write bursts to the tty). */
export function procIo(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { syscw: Number(/syscw:\s+(\d+)/.exec(s)?.[1]), wchar: Number(/wchar:\s+(\d+)/.exec(s)?.[1]) };
  } catch {
    return { syscw: NaN, wchar: NaN };
  }
}

export function procMem(pid) {
  let s;
  try {
    s = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rssKiB: NaN, hwmKiB: NaN, gone: true };
  }
  const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

/** Sleepers: `count` idle `sleep` processes forked by one shell; returns their PIDs. */
export async function startSleepers(count, seconds = 900) {
  if (count <= 0) return [];
  const sh = spawn('bash', ['-c', `for ((i=0;i<${count};i++)); do sleep ${seconds} & echo $!; done; echo done; exec sleep ${seconds}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  own(sh.pid);
  const pids = [];
  let buf = '';
  await new Promise((resolve, reject) => {
    sh.on('error', reject);
    sh.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'done') return resolve();
        own(Number(line));
        pids.push(Number(line));
      }
    });
  });
  pids.push(sh.pid);
  return pids;
}

export function killAll(pids) {
  // The shell parent last-first: its sleepers are reaped by init as soon as it is gone.
  for (const p of [...pids].reverse()) {
    if (owned.has(p)) killOwned(p);
  }
}

/** Sleepers to add so the system holds about `target` processes. */
export async function ensureProcessCount(target, current) {
  const have = countProcesses();
  const add = Math.max(0, target - have);
  const pids = await startSleepers(add);
  return [...current, ...pids];
}

// ---------------------------------------------------------------- tmux (own server)
export function makeTmux(tag = 'oomtop-bench') {
  const socket = `${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), `${tag}-`));
  const conf = join(dir, 'tmux.conf');
  writeFileSync(conf, 'set -g default-terminal screen-256color\nset -g status off\nset -g escape-time 0\nset -g history-limit 0\nset -g remain-on-exit on\n');
  const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TERM: 'xterm-256color' };
  delete env.TMUX;
  const run = (...args) => execFileSync('tmux', ['-L', socket, '-f', conf, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  let started = false;
  const t = {
    socket,
    dir,
    env,
    run,
    /** A session running `command` (a shell line, exec'd); returns the pane's PID. */
    /** Session names are used as `-t` targets: avoid tmux's pane tokens (top, bottom, left...). */
    newSession(name, command, { width = 120, height = 40, cwd = process.cwd() } = {}) {
      run('new-session', '-d', '-s', name, '-x', String(width), '-y', String(height), '-c', cwd, `exec ${command}`);
      started = true;
      const pid = Number(run('display-message', '-p', '-t', name, '#{pane_pid}').trim());
      own(pid);
      return pid;
    },
    capture(name, escapes = false) {
      return run('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name);
    },
    keys(name, ...keys) {
      run('send-keys', '-t', name, ...keys);
    },
    literal(name, text) {
      run('send-keys', '-t', name, '-l', text);
    },
    kill(name) {
      try {
        run('kill-session', '-t', name);
      } catch {
        /* gone */
      }
    },
    close() {
      if (started) {
        try {
          run('kill-server');
        } catch {
          /* gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  onCleanup(() => t.close());
  return t;
}

// ---------------------------------------------------------------- machine
function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return null;
  return (r.stdout || r.stderr).split('\n').find((l) => l.trim())?.trim() ?? null;
}

export function machine() {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1]);
  return {
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((memKiB / 1048576) * 10) / 10,
    totalmemBytes: totalmem(),
    node: process.version,
    tools: {
      top: firstLine('top', ['-V']),
      htop: firstLine('htop', ['--version']),
      btop: firstLine('btop', ['--version']),
      tmux: firstLine('tmux', ['-V']),
    },
    loadavg: readFileSync('/proc/loadavg', 'utf8').trim(),
  };
}

export function median(xs) {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export function mean(xs) {
  const s = xs.filter((x) => Number.isFinite(x));
  return s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
}
export function pct(xs, p) {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
export const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
export const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

// ---------------------------------------------------------------- peers
/**
 * The Debian packages a run compares against (or needs), installed when missing and this
 * is root on Debian; otherwise a clear error naming what to install.
 */
export function ensurePackages(commands) {
  // A key is a command to look for on PATH, or an absolute path of a file the package ships.
  const present = (what) => (what.startsWith('/') ? existsSync(what) : spawnSync('sh', ['-c', `command -v ${what}`]).status === 0);
  const missing = Object.entries(commands).filter(([what]) => !present(what));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    throw new Error(`missing ${missing.map(([c]) => c).join(', ')}: install ${pkgs.join(' ')} (Debian packages)`);
  }
  process.stderr.write(`installing ${pkgs.join(' ')} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed`);
}

/** A free loopback TCP port (bound, read, released). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}
