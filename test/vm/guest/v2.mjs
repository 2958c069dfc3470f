// Runs INSIDE the cgroup v2 guest (npm run vm), as root in the checkout:
//   node test/vm/guest/v2.mjs SCENARIO...
// Each scenario builds real cgroups and processes, runs the real oomtop binary, and writes
// what it saw to $OOMTOP_VM_OUT/SCENARIO.json; test/vm/v2.test.ts asserts on it on the host.
// Only processes this script started are signalled; every cgroup it made is removed.
// Allocation is in 16 MiB chunks: small steps thrash node's own pages over 9p.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.env.OOMTOP_VM_OUT ?? '/mnt/vmout';
const CG = '/sys/fs/cgroup';
const OOMTOP = join(process.cwd(), 'bin/oomtop.js');
const started = new Set();
const made = [];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const read = (p) => readFileSync(p, 'utf8');
const dir = (path) => join(CG, path);
const keyed = (text) => Object.fromEntries(text.trim().split('\n').map((l) => l.split(/\s+/)).map(([k, v]) => [k, Number(v)]));
const events = (path) => keyed(read(join(dir(path), 'memory.events')));
const log = (m) => process.stderr.write(`guest: ${m}\n`);

/** Make the cgroup and its ancestors, with +memory delegated down to it; then write `files`. */
function mkcg(path, files = {}) {
  const segs = path.split('/').filter(Boolean);
  for (let i = 0; i < segs.length; i++) {
    const parent = dir(segs.slice(0, i).join('/'));
    if (!read(join(parent, 'cgroup.subtree_control')).includes('memory')) writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory');
    const d = dir(segs.slice(0, i + 1).join('/'));
    if (!existsSync(d)) {
      mkdirSync(d);
      made.push(d);
    }
  }
  for (const [k, v] of Object.entries(files)) writeFileSync(join(dir(path), k), String(v));
  return path;
}

/** Start argv inside the cgroup (moved there before exec), with an oom_score_adj. */
function startIn(path, argv, { adj = 0 } = {}) {
  const sh = 'echo $$ > "$0/cgroup.procs" && echo "$ADJ" > /proc/self/oom_score_adj && exec "$@"';
  const child = spawn('/bin/sh', ['-c', sh, dir(path), ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ADJ: String(adj) } });
  started.add(child);
  child.exited = new Promise((res) => child.on('exit', (code, signal) => (started.delete(child), res({ code, signal }))));
  return child;
}

/** A node process holding MiB of anonymous memory, resolved once it holds it. */
async function holder(path, mib, opts) {
  const c = startIn(path, [process.execPath, '-e', `globalThis.b=[];for(let i=0;i<${mib};i+=16)b.push(Buffer.alloc(16<<20,1));console.log('held');setInterval(()=>{},1e9)`], opts);
  await new Promise((res, rej) => {
    c.stdout.on('data', (d) => d.toString().includes('held') && res());
    c.exited.then((e) => rej(new Error(`holder exited ${JSON.stringify(e)}`)));
  });
  return c;
}

/** A hog: 16 MiB chunks at `rate` MiB/s ('max': as fast as it can) until it is killed. */
function hog(path, rate = 'max', opts = {}) {
  const upto = opts.uptoMiB ?? 1e9;
  // prints when it starts allocating (epoch ms), so a fill rate can be worked out
  const code = rate === 'max'
    ? `console.log(Date.now());const a=[];for(let n=0;n*16<${upto};n++)a.push(Buffer.alloc(16<<20,1));setInterval(()=>{},1e9)`
    : `console.log(Date.now());const a=[];const t0=Date.now();let n=0;setInterval(()=>{while(n*16<${upto}&&n*16<(Date.now()-t0)/1000*${rate}){a.push(Buffer.alloc(16<<20,1));n++}},5)`;
  const c = startIn(path, [process.execPath, '-e', code], opts);
  c.startMs = new Promise((res) => c.stdout.once('data', (d) => res(Number(String(d).trim()))));
  return c;
}

/**
 * `oomtop guard --cgroup PATH --json ARGS` (path null: the system scope), its JSON lines
 * collected (stderr too, when `stderr` is set; else it goes to ours). `nodeArgs` go to node
 * before the binary.
 */
function guard(path, args, opts = {}) {
  return guardWith([...(path === null ? [] : ['--cgroup', `/${path}`]), ...args], opts);
}

/** `oomtop guard --json ARGS`, as guard() without a --cgroup of its own. */
function guardWith(args, { nodeArgs = [], stderr = false } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, OOMTOP, 'guard', '--json', ...args], { stdio: ['ignore', 'pipe', stderr ? 'pipe' : 'inherit'] });
  let err = '';
  if (stderr) child.stderr.on('data', (d) => (err += d));
  const lines = [];
  let buf = '';
  let onStart;
  const started = new Promise((res) => (onStart = res));
  child.stdout.on('data', (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const l = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      lines.push(l);
      if (l.event === 'start') onStart();
    }
  });
  const exited = new Promise((res) => child.on('close', (code, signal) => res({ code, signal })));
  return { child, lines, started, exited, stderr: () => err };
}

/**
 * A hog that fills only 500 ms after it starts, with its threads' IDs read meanwhile: the 6.1
 * kernel's memory.oom.group kill walks the group's threads, not only its processes, and a
 * thread still alive then is logged as "Killed process TID" too (as the selected victim is
 * logged twice). A test that counts a group kill's victims allows these, and only these.
 */
async function threadedHog(path) {
  const code = `console.log('up');setTimeout(()=>{const a=[];for(;;)a.push(Buffer.alloc(16<<20,1))},500)`;
  const c = startIn(path, [process.execPath, '-e', code]);
  await new Promise((res) => c.stdout.once('data', res));
  try {
    c.tids = readdirSync(`/proc/${c.pid}/task`).map(Number).filter((t) => t !== c.pid);
  } catch {
    c.tids = [];
  }
  return c;
}

function sleeper(path, opts) {
  return startIn(path, ['sleep', '600'], opts);
}

function oomtop(args) {
  return execFileSync(process.execPath, [OOMTOP, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function stop(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  return child.exited;
}

async function cleanup() {
  await Promise.all([...started].map(stop));
  for (const d of made.reverse()) {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(d);
        break;
      } catch {
        await sleep(100);
      }
    }
  }
  made.length = 0;
}

const hex = (c) => c.repeat(64);

/**
 * `oomtop run ARGS` (the real binary), its stdout and stderr collected; `--json`'s report is
 * the last line of stdout. `during(child)` runs while it does (what it returns is kept).
 */
async function oomtopRun(args, during) {
  const child = spawn(process.execPath, [OOMTOP, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((res) => child.on('close', (code, signal) => res({ code, signal })));
  const seen = during ? await during(child, exited) : null;
  const exit = await exited;
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  let report = null;
  try {
    report = JSON.parse(last);
  } catch { /* no --json, or it failed */ }
  const leftover = readdirSync(CG).filter((n) => n.startsWith('oomtop-run-'));
  return { args, exit, stdout: stdout.slice(-2000), stderr: stderr.slice(-3000), report, gone: report ? !existsSync(report.cgroup) : null, leftover, seen };
}

/** A node job allocating MiB in 16 MiB chunks (the last one smaller), then exiting, or holding with `hold`. */
const allocJob = (mib, { hold = false } = {}) => [
  process.execPath, '-e',
  `const a=[];for(let n=0;n<${mib};n+=16)a.push(Buffer.alloc(Math.min(16,${mib}-n)<<20,1));${hold ? 'setInterval(()=>{},1e9)' : ''}`,
];

const scenarios = {
  /** Limits, usage, working set, victims, container and pod ids, memory.high, PSI: --once --json and the table. */
  async monitor() {
    const limited = mkcg('system.slice/limited.service', { 'memory.max': 192 << 20, 'memory.high': 160 << 20 });
    const docker = mkcg(`system.slice/docker-${hex('d')}.scope`, { 'memory.max': 128 << 20 });
    const uid = '4f1c2a3b-1111-2222-3333-444455556666';
    const uidBe = '7e7e7e7e-aaaa-bbbb-cccc-ddddeeeeffff';
    const uidG = '0a0b0c0d-1234-5678-9abc-def012345678';
    const pod = mkcg(`kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice`, { 'memory.max': 256 << 20 });
    const ctr = mkcg(`${pod}/cri-containerd-${hex('c')}.scope`);
    // limited.service: a 32 MiB holder at adj 0, and a bare sleep at adj 600. Inside the
    // 192 MiB limit the kernel charges the sleep 600 x 192 MiB / 1000 = 115 MiB: it goes first.
    const pids = {
      limitedBig: (await holder(limited, 32)).pid,
      limitedAdj: sleeper(limited, { adj: 600 }).pid,
      docker: (await holder(docker, 32)).pid,
      dockerSleep: sleeper(docker).pid,
      ctr: (await holder(ctr, 16)).pid,
      ctrSleep: sleeper(ctr).pid,
    };
    // The other forms on v2 (each with a real process in it): a Podman container under
    // machine.slice, a BestEffort pod with a CRI-O container, a Guaranteed pod (no QoS slice)
    // with a containerd one, a user session scope.
    const more = {
      podman: mkcg(`machine.slice/libpod-${hex('e')}.scope`, { 'memory.max': 96 << 20 }),
      crio: mkcg(`kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uidBe.replaceAll('-', '_')}.slice/crio-${hex('f')}.scope`),
      guaranteed: mkcg(`kubepods.slice/kubepods-pod${uidG.replaceAll('-', '_')}.slice`, { 'memory.max': 64 << 20 }),
      session: mkcg('user.slice/user-1000.slice/session-3.scope', { 'memory.max': 80 << 20 }),
    };
    more.gctr = mkcg(`${more.guaranteed}/cri-containerd-${hex('9')}.scope`);
    for (const k of ['podman', 'crio', 'gctr', 'session']) pids[k] = sleeper(more[k]).pid;
    // page cache charged to limited.service (a host file read over 9p): inactive_file, which
    // the working set leaves out
    const big = process.env.OOMTOP_VM_KERNEL;
    if (big) await startIn(limited, ['dd', `if=${big}`, 'of=/dev/null', 'bs=1M', 'count=48', 'status=none']).exited;
    await sleep(300);
    const stat = {};
    for (const p of [limited, docker, ctr, pod]) {
      stat[`/${p}`] = { current: Number(read(join(dir(p), 'memory.current'))), stat: keyed(read(join(dir(p), 'memory.stat'))) };
    }
    const json = JSON.parse(oomtop(['--once', '--json']));
    const text = oomtop(['--once']);
    const paths = { limited: `/${limited}`, docker: `/${docker}`, pod: `/${pod}`, ctr: `/${ctr}` };
    for (const [k, v] of Object.entries(more)) paths[k] = `/${v}`;
    return { pids, stat, json, text, paths, uid, uidBe, uidG };
  },

  /** A real OOM kill in a 64 MiB v2 cgroup: memory.events, oomtop analyze, --once --json. */
  async oomkill() {
    const path = mkcg('system.slice/oomkill.service', { 'memory.max': 64 << 20, 'memory.swap.max': 0 });
    const before = events(path);
    const h = hog(path);
    const exit = await h.exited;
    const after = events(path);
    sleeper(path); // something live in it for --once
    await sleep(200);
    const analyze = JSON.parse(oomtop(['analyze', '--json']));
    const once = JSON.parse(oomtop(['--once', '--json']));
    return { path: `/${path}`, hogPid: h.pid, exit, before, after, analyze, once };
  },

  /**
   * The TUI in tmux (inside the guest): a real OOM kill in a v2 cgroup appears live in its
   * event log, then a memory.oom.group kill as one line naming every victim; the cgroup view.
   */
  async tui() {
    const T = ['-L', 'oomtop-vm'];
    const tmux = (...a) => execFileSync('tmux', [...T, ...a], { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-p', '-t', 'vm');
    const waitScreen = async (pred, ms, what) => {
      await until(() => pred(screen()), ms, what).catch((e) => {
        throw new Error(`${e.message}; screen:\n${screen()}`);
      });
      return screen();
    };
    const kill = mkcg('system.slice/tuikill.service', { 'memory.max': 64 << 20, 'memory.swap.max': 0 });
    const grp = mkcg('system.slice/tuigroup.service', { 'memory.max': 64 << 20, 'memory.oom.group': 1 });
    const keep = [sleeper(kill), sleeper(grp), sleeper(grp)];
    tmux('new-session', '-d', '-s', 'vm', '-x', '160', '-y', '45', '-e', 'TERM=xterm-256color', `${process.execPath} ${OOMTOP}`);
    try {
      await waitScreen((t) => /PID\s+USER/.test(t), 60_000, 'the first frame');
      const h = hog(kill);
      await h.exited;
      const killLine = (await waitScreen((t) => t.includes(`OOM kill: PID ${h.pid} (node)`), 30_000, 'the kill in the event log'))
        .split('\n').find((l) => l.includes(`OOM kill: PID ${h.pid}`));
      const g = await threadedHog(grp);
      await Promise.all([g.exited, keep[1].exited, keep[2].exited]);
      const groupLine = (await waitScreen((t) => t.includes(`OOM group kill: PID ${g.pid} (node) and 2 more`), 30_000, 'the group kill in the event log'))
        .split('\n').find((l) => l.includes(`OOM group kill: PID ${g.pid}`));
      tmux('send-keys', '-t', 'vm', 'c');
      // The view's own row (the event log on the main screen names tuikill.service too).
      const cgView = await waitScreen((t) => t.split('\n').some((l) => l.startsWith('tuikill.service')), 20_000, 'the cgroup view');
      return { killPid: h.pid, keepPid: keep[0].pid, groupPids: [g.pid, keep[1].pid, keep[2].pid], groupTids: g.tids, killLine, groupLine, cgView };
    } finally {
      try {
        tmux('kill-server');
      } catch { /* gone */ }
    }
  },

  /** memory.oom.group=1: the kernel kills every task of the group together. */
  async oomgroup() {
    const path = mkcg('system.slice/group.service', { 'memory.max': 64 << 20, 'memory.oom.group': 1 });
    const s1 = sleeper(path);
    const s2 = sleeper(path);
    await sleep(300);
    const h = await threadedHog(path);
    const exits = await Promise.all([h.exited, s1.exited, s2.exited]);
    const after = events(path);
    const analyze = JSON.parse(oomtop(['analyze', '--json']));
    return { path: `/${path}`, pids: [h.pid, s1.pid, s2.pid], hogTids: h.tids, exits, after, analyze };
  },

  /**
   * --psi-full on a v2 cgroup: memory.high far below what a hog holds (no swap) throttles it
   * in reclaim, the cgroup's own memory.pressure "full" rises, and the guard ends the hog
   * on PSI alone while its headroom to memory.max stays large.
   */
  async psi() {
    const path = mkcg('system.slice/psi.service', { 'memory.max': 512 << 20, 'memory.high': 32 << 20, 'memory.swap.max': 0 });
    const g = guard(path, ['--psi-full', '5', '--psi-duration', '1']);
    await g.started;
    const h = hog(path, 64, { uptoMiB: 96 });
    const exit = await Promise.race([h.exited, sleep(60_000).then(() => null)]);
    const pressure = read(join(dir(path), 'memory.pressure'));
    const ev = events(path);
    g.child.kill('SIGTERM');
    await g.exited;
    return { path: `/${path}`, hogPid: h.pid, exit, pressure, events: ev, lines: g.lines };
  },

  /**
   * The v2 intercept restored on the exit paths a clean stop does not cover: the guard
   * SIGKILLed (its watchdog puts memory.high back), and guard and watchdog both SIGKILLed
   * (the next guard restores it from the state file).
   */
  async crash() {
    const path = mkcg('system.slice/crash.service', { 'memory.max': 128 << 20 });
    const high = () => read(join(dir(path), 'memory.high')).trim();
    // the guard's watchdog: sh -c SCRIPT oomtop-guard-watchdog <this cgroup's memory.high> ...
    const watchdogs = () => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
      try {
        const argv = read(`/proc/${n}/cmdline`).split('\0');
        return argv[3] === 'oomtop-guard-watchdog' && argv[4] === join(dir(path), 'memory.high');
      } catch {
        return false;
      }
    }).map(Number);
    const r = { path: `/${path}`, initial: high() };
    let g = guard(path, []);
    await g.started;
    await until(() => high() !== 'max', 10_000, 'memory.high set');
    r.armed = high();
    r.notice = g.lines.find((l) => l.event === 'notice')?.message ?? null;
    g.child.kill('SIGKILL');
    await g.exited;
    await until(() => high() === 'max', 10_000, 'the watchdog restoring memory.high');
    r.afterGuardKill = high();
    // only the watchdog ran: the dead guard's state file stays (the next guard clears it)
    r.stateAfterGuardKill = existsSync(`/run/oomtop/guard-${g.child.pid}.json`);
    g = guard(path, []);
    await g.started;
    await until(() => high() !== 'max' && watchdogs().length > 0, 10_000, 'armed again');
    const wds = watchdogs();
    g.child.kill('SIGKILL');
    for (const pid of wds) process.kill(pid, 'SIGKILL'); // the guard's own watchdog (this script's descendant)
    await g.exited;
    await sleep(500);
    r.afterBothKilled = high();
    g = guard(path, []);
    await g.started;
    r.recoveryNotice = g.lines.find((l) => l.event === 'notice' && /left by a guard that died/.test(l.message))?.message ?? null;
    await sleep(500);
    g.child.kill('SIGTERM');
    r.lastExit = await g.exited;
    r.final = high();
    r.stop = g.lines.find((l) => l.event === 'stop')?.message ?? null;
    // The other ways out: SIGINT and SIGHUP (a clean stop, as SIGTERM), and a crash of the
    // guard's JavaScript (an uncaught exception, injected by a SIGUSR2 listener that throws).
    // Each time the guard's own exit path puts memory.high back, dismisses the watchdog and
    // removes its state file (after a SIGKILL only the watchdog acts and the file stays).
    const state = '/run/oomtop-vm-crash';
    const CRASH = 'data:text/javascript,process.on("SIGUSR2",()=>{throw new Error("injected crash")})';
    r.exits = {};
    for (const how of ['SIGINT', 'SIGHUP', 'crash']) {
      g = guard(path, ['--state-dir', state], { stderr: true, nodeArgs: how === 'crash' ? ['--import', CRASH] : [] });
      await g.started;
      await until(() => high() !== 'max' && watchdogs().length > 0, 10_000, `armed before ${how}`);
      const file = join(state, `guard-${g.child.pid}.json`);
      const armed = { high: high(), stateFile: existsSync(file), watchdogs: watchdogs().length };
      g.child.kill(how === 'crash' ? 'SIGUSR2' : how);
      const exit = await g.exited;
      const after = { high: high(), stateFile: existsSync(file) };
      await sleep(300);
      r.exits[how] = { armed, exit, after, watchdogsLeft: watchdogs().length, stop: g.lines.find((l) => l.event === 'stop')?.message ?? null, stderr: g.stderr().slice(-1500) };
    }
    r.final2 = high();
    return r;
  },


  /**
   * `oomtop run` on cgroup v2 (issue 16): the kernel's OOM kill in a 64 MiB budget, a 20 MiB
   * job's peak from memory.peak, exit-status passthrough, --high throttling (the job
   * survives at memory.high until SIGTERM to oomtop is forwarded), and --guard.
   */
  async run() {
    const r = {};
    r.oom = await oomtopRun(['--memory', '64M', '--json', '--', ...allocJob(200, { hold: true })]);
    // the runtime's base (node starting and exiting), twice: the first may charge page cache
    await oomtopRun(['--memory', '128M', '--json', '--', ...allocJob(0)]);
    r.base = await oomtopRun(['--memory', '128M', '--json', '--', ...allocJob(0)]);
    r.small = await oomtopRun(['--memory', '128M', '--json', '--', ...allocJob(20)]);
    r.exit3 = await oomtopRun(['--memory', '64M', '--', 'sh', '-c', 'exit 3']);
    r.exit3json = await oomtopRun(['--memory', '64M', '--json', '--', 'sh', '-c', 'exit 3']);
    // --high 32M --memory 256M, 96 MiB wanted, no swap: throttled at memory.high. Watched
    // 12 s; then SIGTERM to oomtop, forwarded to the job.
    r.high = await oomtopRun(['--memory', '256M', '--high', '32M', '--swap', '0', '--name', 'high', '--json', '--', ...allocJob(96)], async (child, exited) => {
      const cg = join(CG, `oomtop-run-${child.pid}-high`);
      const t0 = Date.now();
      let ev = null;
      let pressure = null;
      let current = null;
      let endedMs = null;
      exited.then(() => (endedMs = Date.now() - t0));
      while (Date.now() - t0 < 12_000 && endedMs === null) {
        try {
          ev = keyed(read(join(cg, 'memory.events')));
          pressure = read(join(cg, 'memory.pressure'));
          current = Number(read(join(cg, 'memory.current')));
        } catch { /* not made yet, or gone */ }
        await sleep(250);
      }
      const aliveAt12s = endedMs === null;
      if (aliveAt12s) child.kill('SIGTERM');
      return { cg, events: ev, pressure, current, aliveAt12s, endedMs };
    });
    // --guard in a 256 MiB budget: an unbounded hog gets SIGTERM before the kernel kills it
    r.guard = await oomtopRun(['--memory', '256M', '--swap', '0', '--guard', '--json', '--', ...allocJob(100000, { hold: true })]);
    // --guard after a guard died holding a v2 cgroup with its intercept (memory.high, in its state file)
    const held = mkcg('system.slice/stale.service', { 'memory.max': 128 << 20, 'memory.high': 100 << 20 });
    const state = '/tmp/oomtop-run-stale-state';
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'guard-99999999.json'), JSON.stringify({ pid: 99999999, startTimeTicks: 1, dirs: [], highs: [{ dir: dir(held), set: String(100 << 20), restore: 'max' }] }));
    r.recover = await oomtopRun(['--memory', '64M', `--guard-opts=--state-dir ${state}`, '--json', '--', 'true']);
    r.recover.dir = dir(held);
    r.recover.high = read(join(dir(held), 'memory.high')).trim();
    return r;
  },

  /**
   * oomtop inside a container's cgroup namespace, as Docker runs containers on a v2 host
   * (--cgroupns=private, the default there): a process moved into a limited scope, then
   * unshare -C -m and a fresh cgroup2 mount. oomtop there sees its container as "/", with
   * the container's memory.max; every process outside shows as "/../.." and is out of reach.
   */
  async cgns() {
    const path = mkcg(`system.slice/docker-${hex('a')}.scope`, { 'memory.max': 96 << 20 });
    const outside = sleeper(mkcg('system.slice/outside.service'));
    // 1. right after unshare: the cgroup2 mount is the one from outside (mount root "/../..");
    // 2. Docker's way: a cgroup2 mounted afresh inside the namespace (mount root "/")
    const inner = [
      'mount --make-rprivate /',
      'sleep 600 & echo "sleep=$!"',
      'echo "self=$(cat /proc/self/cgroup)"',
      'echo "outside=$(cat /proc/$OUTSIDE/cgroup)"',
      'echo "staleMount=$(grep -m1 " /sys/fs/cgroup " /proc/self/mountinfo | cut -d" " -f4)"',
      `"$NODE" "$OOMTOP" --once --json > "$OUT/cgns-stale.json"; echo "stale=$?"`,
      'umount /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup',
      'echo "freshMount=$(grep -m1 " /sys/fs/cgroup " /proc/self/mountinfo | cut -d" " -f4)"',
      'echo "max=$(cat /sys/fs/cgroup/memory.max)"',
      `"$NODE" "$OOMTOP" --once --json > "$OUT/cgns-once.json"; echo "once=$?"`,
      `"$NODE" "$OOMTOP" --once > "$OUT/cgns-once.txt"; echo "text=$?"`,
      'kill $!',
    ].join('\n');
    const c = spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec unshare -C -m /bin/sh -c "$1"', dir(path), inner], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OUTSIDE: String(outside.pid), NODE: process.execPath, OOMTOP, OUT },
    });
    started.add(c);
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const exit = await new Promise((res) => c.on('close', (code, signal) => (started.delete(c), res({ code, signal }))));
    const kv = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const json = (n) => {
      try {
        return JSON.parse(read(join(OUT, n)));
      } catch {
        return null; // the test says so
      }
    };
    const text = existsSync(join(OUT, 'cgns-once.txt')) ? read(join(OUT, 'cgns-once.txt')) : null;
    return { path: `/${path}`, exit, kv, stderr: err.slice(-2000), stale: json('cgns-stale.json'), once: json('cgns-once.json'), text, outsidePid: outside.pid, shPid: c.pid };
  },

  /** The guard against the kernel in a 256 MiB v2 cgroup, at each rate. */
  async race() {
    const trials = Number(process.env.RACE_TRIALS ?? 3);
    const rates = (process.env.RACE_RATES ?? 'max,1024,256').split(',');
    const path = mkcg('system.slice/race.service', { 'memory.max': 256 << 20, 'memory.swap.max': 0 });
    const gd = guard(path, (process.env.RACE_GUARD_ARGS ?? '').split(' ').filter(Boolean));
    await gd.started;
    const lines = gd.lines;
    const highArmed = read(join(dir(path), 'memory.high')).trim();
    const results = [];
    for (const rate of rates) {
      for (let i = 0; i < trials; i++) {
        const k0 = events(path).oom_kill;
        const t0 = Date.now();
        const h = hog(path, rate);
        const exit = await h.exited;
        const ms = Date.now() - t0;
        const kernelKills = events(path).oom_kill - k0;
        const acts = lines.filter((l) => l.pid === h.pid && (l.event === 'term' || l.event === 'kill'));
        const signalled = acts.map((l) => l.signal);
        // the hog's own fill rate up to the guard's first signal
        const t1 = await Promise.race([h.startMs, sleep(100).then(() => null)]);
        const first = acts[0];
        const fillMiBps = first && t1 ? Math.round(first.rssKiB / 1024 / ((first.timeMs - t1) / 1000)) : null;
        results.push({ rate, trial: i + 1, pid: h.pid, exit, ms, kernelKills, signalled, fillMiBps, won: kernelKills === 0 && signalled.length > 0 && exit.signal !== null });
        log(`race ${rate} #${i + 1}: ${JSON.stringify(results.at(-1))}`);
        await sleep(1500);
      }
    }
    gd.child.kill('SIGTERM');
    const guardExit = await gd.exited;
    const highAfter = read(join(dir(path), 'memory.high')).trim();
    return { path: `/${path}`, results, lines, guardExit, highArmed, highAfter };
  },

  /**
   * --wall through the real wall(1) to a real terminal: a pty this scenario holds (python's
   * os.openpty), registered as a login in the guest's own utmp (utmpdump -r; the guest's
   * /run is its tmpfs, never the host's), and the guard ending a hog in a 128 MiB cgroup.
   * What wall wrote to the terminal is read from the pty's other side.
   */
  async wall() {
    const got = '/tmp/oomtop-wall-pty.txt';
    execFileSync('/bin/sh', ['-c', `rm -f ${got} ${got}.tty`]);
    const reader = `import os, sys, select
m, s = os.openpty()
open(sys.argv[1] + '.tty', 'w').write(os.ttyname(s))
with open(sys.argv[1], 'ab', buffering=0) as f:
    while True:
        r, _, _ = select.select([m], [], [], 1)
        if r: f.write(os.read(m, 4096))`;
    const pty = spawn('/usr/bin/python3', ['-c', reader, got], { stdio: ['ignore', 'ignore', 'inherit'] });
    started.add(pty);
    pty.exited = new Promise((res) => pty.on('exit', (code, signal) => (started.delete(pty), res({ code, signal }))));
    await until(() => existsSync(`${got}.tty`) && read(`${got}.tty`).startsWith('/dev/'), 10_000, 'the pty');
    const line = read(`${got}.tty`).slice('/dev/'.length);
    const utmp = '/var/run/utmp';
    const hadUtmp = existsSync(utmp);
    const entry = `[7] [${String(pty.pid).padStart(5, '0')}] [ts/9] [root    ] [${line.padEnd(12)}] [                    ] [0.0.0.0        ] [${new Date().toISOString().replace('Z', '').replace('.', ',')}000+00:00]\n`;
    execFileSync('/bin/sh', ['-c', `mkdir -p /var/run && utmpdump -r > ${utmp}`], { input: entry });
    const who = execFileSync('/bin/sh', ['-c', 'who || true'], { encoding: 'utf8' });
    try {
      const path = mkcg('system.slice/wall.service', { 'memory.max': 128 << 20, 'memory.swap.max': 0 });
      const gd = guard(path, ['--wall', '--mem-term', '20', '--mem-kill', '5']);
      await gd.started;
      const h = hog(path, 50);
      const exit = await h.exited;
      await until(() => existsSync(got) && read(got).includes('oomtop ended'), 30_000, 'the broadcast on the pty');
      await sleep(500);
      gd.child.kill('SIGTERM');
      const guardExit = await gd.exited;
      return { path: `/${path}`, hogPid: h.pid, exit, who, tty: line, lines: gd.lines, text: read(got), guardExit };
    } finally {
      if (!hadUtmp) execFileSync('/bin/sh', ['-c', `rm -f ${utmp}`]);
    }
  },

  /**
   * --on-level on the system scope (the guest's whole memory, which the host's tests may not
   * fill): a hog in no limited cgroup takes MemAvailable below 20 % and stops there, then is
   * killed. Each level the guard enters runs its handler once, with scope "system" and the
   * hog as the next victim; recovery runs the normal handler once. Dry run with thresholds it
   * never reaches: only the handlers act. Run with --mem 768 (npm run vm -- --mem 768).
   */
  async syshandlers() {
    const meminfo = () => keyed(read('/proc/meminfo').replaceAll(':', '').replaceAll(' kB', ''));
    const rec = '/tmp/oomtop-syshandlers';
    execFileSync('/bin/sh', ['-c', `rm -rf ${rec} && mkdir ${rec}`]);
    const cmd = `printf '%s\\n' "$OOMTOP_LEVEL" "$OOMTOP_PREVIOUS_LEVEL" "$OOMTOP_SCOPE" "$OOMTOP_NEXT_VICTIM_PID" "$OOMTOP_NEXT_VICTIM_NAME" "$OOMTOP_AVAILABLE_PCT" "$OOMTOP_AVAILABLE_KIB" "$OOMTOP_TOTAL_KIB" > ${rec}/$OOMTOP_LEVEL.$$; echo "ran $OOMTOP_LEVEL for $OOMTOP_SCOPE"`;
    const handlers = ['elevated', 'high', 'critical', 'normal'].flatMap((l) => ['--on-level', `${l}=${cmd}`]);
    const gd = guard(null, ['--dry-run', '--mem-term', '1', '--mem-kill', '0.5', '--max-interval', '200', ...handlers]);
    await gd.started;
    const systemLevels = () => gd.lines.filter((l) => l.event === 'level' && l.scope === 'system');
    const startLevels = systemLevels().map((l) => l.pressure);
    // 16 MiB every 100 ms until SIGUSR1, then hold: the guard's level, not a guess of the
    // processes' own overhead, decides where it stops.
    const code = `console.log('go');const a=[];let on=true;process.on('SIGUSR1',()=>{on=false;console.log('held '+a.length*16)});setInterval(()=>{if(on)a.push(Buffer.alloc(16<<20,1))},100)`;
    const h = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.add(h);
    h.exited = new Promise((res) => h.on('exit', (code, signal) => (started.delete(h), res({ code, signal }))));
    let held = '';
    h.stdout.on('data', (d) => (held += d));
    const t0 = Date.now();
    while (!systemLevels().some((l) => l.pressure !== 'normal')) {
      if (Date.now() - t0 > 120_000) throw new Error(`no level change for the system scope; MemAvailable ${meminfo().MemAvailable} kB of ${meminfo().MemTotal}`);
      if (h.exitCode !== null || h.signalCode !== null) throw new Error(`the hog ended early: ${h.exitCode ?? h.signalCode}`);
      await sleep(50);
    }
    h.kill('SIGUSR1');
    const atStop = meminfo();
    // The handler of the level entered finishes.
    await until(() => gd.lines.some((l) => l.event === 'handler'), 30_000, 'the first handler');
    await sleep(1000);
    const hogPid = h.pid;
    const aliveAfterStop = h.exitCode === null && h.signalCode === null;
    const hogExit = await stop(h);
    await until(() => gd.lines.some((l) => l.event === 'handler' && l.pressure === 'normal'), 60_000, 'the normal handler');
    await sleep(1500); // calm readings: nothing runs again
    gd.child.kill('SIGTERM');
    const guardExit = await gd.exited;
    const runs = readdirSync(rec).map((f) => ({ file: f, lines: read(join(rec, f)).split('\n').slice(0, 8) }));
    return { hogPid, held: held.trim(), aliveAfterStop, hogExit, startLevels, atStop: { MemTotal: atStop.MemTotal, MemAvailable: atStop.MemAvailable }, lines: gd.lines, runs, guardExit };
  },
};

const sh = (script) => execFileSync('/bin/bash', ['-c', script], { encoding: 'utf8' });
const until = async (pred, ms, what) => {
  for (const t0 = Date.now(); !pred(); await sleep(100)) if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
};
const prop = (unit, p) => sh(`systemctl show -P ${p} ${unit}`).trim();

/** systemd mode only (npm run vm -- --systemd). */
const systemdScenarios = {

  /**
   * `oomtop run` beside systemd's tree: run from a unit (this script is oomtop-vm.service),
   * it makes its cgroup under the root, the job runs and is OOM-killed there, the cgroup
   * goes, and systemd's view of the unit and the system is unchanged.
   */
  async runsystemd() {
    const before = { self: read('/proc/self/cgroup').trim(), unit: prop('oomtop-vm.service', 'ActiveState'), state: sh('systemctl is-system-running || true').trim(), failed: sh('systemctl --failed --no-legend --plain || true').trim() };
    const ok = await oomtopRun(['--memory', '64M', '--json', '--', 'sh', '-c', 'cat /proc/self/cgroup; exit 0']);
    const oom = await oomtopRun(['--memory', '64M', '--json', '--', ...allocJob(200, { hold: true })]);
    const after = {
      self: read('/proc/self/cgroup').trim(),
      state: sh('systemctl is-system-running || true').trim(),
      failed: sh('systemctl --failed --no-legend --plain || true').trim(),
      unit: prop('oomtop-vm.service', 'ActiveState'),
      rootChildren: readdirSync(CG, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name),
      journal: sh('journalctl -o cat --no-pager | grep -i "oomtop-run" || true').slice(-2000),
    };
    return { before, ok, oom, after };
  },
  /**
   * contrib/oomtop-guard.service installed and run for real (with a drop-in adding a cgroup
   * scope): active, OOMScoreAdjust=-1000 in effect, its lines in the journal, a clean stop,
   * and the guarded cgroup's settings the same before, during and after.
   */
  async service() {
    // the guest's "global install", in the overlay, never on the host: the bundle (it carries
    // its dependencies) copied to /opt/oomtop, as a package install puts it outside /tmp, where
    // the unit's PrivateTmp= would hide a checkout that CI cloned under /tmp
    sh('rm -rf /opt/oomtop && mkdir -p /opt/oomtop/dist && cp -a bin package.json /opt/oomtop/ && cp -a dist/bundle /opt/oomtop/dist/');
    sh('ln -sf /opt/oomtop/bin/oomtop.js /usr/local/bin/oomtop && cp contrib/oomtop-guard.service /etc/systemd/system/');
    spawn('systemd-run', ['--unit=keeper', '-p', 'MemoryMax=96M', 'sleep', '600'], { stdio: 'ignore' });
    await until(() => prop('keeper.service', 'ActiveState') === 'active', 30_000, 'keeper.service');
    const kdir = dir('system.slice/keeper.service');
    const settings = () => Object.fromEntries(['memory.max', 'memory.high', 'memory.oom.group', 'memory.swap.max'].map((f) => [f, read(join(kdir, f)).trim()]));
    const before = settings();
    mkdirSync('/etc/systemd/system/oomtop-guard.service.d', { recursive: true });
    writeFileSync('/etc/systemd/system/oomtop-guard.service.d/vm.conf', '[Service]\nExecStart=\nExecStart=/usr/bin/env oomtop guard --scope system --cgroup /system.slice/keeper.service --report 3600\n');
    sh('systemctl daemon-reload && systemctl start oomtop-guard');
    await until(() => sh('journalctl -u oomtop-guard -o cat --no-pager').includes('armed'), 60_000, 'the guard\'s start line in the journal');
    const active = prop('oomtop-guard', 'ActiveState');
    const status = sh('systemctl status --no-pager --lines=5 oomtop-guard; echo "status=$?"');
    const mainPid = Number(prop('oomtop-guard', 'MainPID'));
    const adj = read(`/proc/${mainPid}/oom_score_adj`).trim();
    const comm = read(`/proc/${mainPid}/cmdline`).split('\0').slice(0, 4);
    await until(() => settings()['memory.high'] !== before['memory.high'], 20_000, 'the guard\'s memory.high intercept');
    const during = settings();
    sh('systemctl stop oomtop-guard');
    const after = settings();
    const journal = sh('journalctl -u oomtop-guard -o cat --no-pager');
    return {
      active, status, mainPid, adj, comm, before, during, after, journal,
      stopped: { active: prop('oomtop-guard', 'ActiveState'), result: prop('oomtop-guard', 'Result'), status: prop('oomtop-guard', 'ExecMainStatus'), code: prop('oomtop-guard', 'ExecMainCode') },
    };
  },

  /**
   * guard --all-cgroups under systemd: a unit with MemoryMax= that runs before it is watched
   * from the start, one started later is found by the rescan, and a hog there is ended
   * before the kernel kills it; each unit's memory.high carries the intercept while watched
   * and is put back when the guard stops.
   */
  async allcg() {
    const GO = '/run/oomtop-allcg-go';
    rmSync(GO, { force: true });
    spawn('systemd-run', ['--unit=allcg1', '-p', 'MemoryMax=128M', 'sleep', '600'], { stdio: 'ignore' });
    await until(() => prop('allcg1.service', 'ActiveState') === 'active', 30_000, 'allcg1.service');
    const high = (unit) => {
      try {
        return read(dir(`system.slice/${unit}/memory.high`)).trim();
      } catch {
        return null;
      }
    };
    const r = { before: { allcg1: high('allcg1.service') } };
    const g = guardWith(['--all-cgroups']);
    await g.started;
    r.start = g.lines.find((l) => l.event === 'start')?.message ?? null;
    await until(() => high('allcg1.service') !== 'max', 20_000, 'the intercept on allcg1');
    r.armed = { allcg1: high('allcg1.service') };
    // the hog waits for GO, so it starts only once the guard watches its unit
    const HOG = `${process.execPath} -e "console.log(Date.now());const a=[];for(;;)a.push(Buffer.alloc(16<<20,1))"`;
    // RemainAfterExit: the transient unit stays loaded once its process ended, with its result
    sh(`systemd-run --unit=allcg2 -p RemainAfterExit=yes -p MemoryMax=96M -p MemorySwapMax=0 /bin/sh -c ${JSON.stringify(`while [ ! -e ${GO} ]; do sleep 0.2; done; exec ${HOG}`)}`);
    const cg2 = '/system.slice/allcg2.service';
    await until(() => g.lines.some((l) => l.event === 'notice' && l.scope === cg2 && /new limited cgroup/.test(l.message)), 30_000, 'the rescan finding allcg2');
    r.found = g.lines.find((l) => l.event === 'notice' && l.scope === cg2 && /new limited cgroup/.test(l.message)).message;
    await until(() => high('allcg2.service') !== 'max', 20_000, 'the intercept on allcg2');
    r.armed.allcg2 = high('allcg2.service');
    // systemd may write a unit's cgroup attributes again when a sibling starts: still the guard's?
    r.allcg1WhenAllcg2Started = high('allcg1.service');
    const hogPid = Number(prop('allcg2.service', 'MainPID'));
    r.hogPid = hogPid;
    writeFileSync(GO, '');
    await until(() => prop('allcg2.service', 'SubState') !== 'running', 60_000, 'the hog to end');
    await sleep(500);
    r.events2 = (() => {
      try {
        return keyed(read(dir('system.slice/allcg2.service/memory.events')));
      } catch {
        return null; // the unit's cgroup is gone with it
      }
    })();
    r.unit2 = { result: prop('allcg2.service', 'Result'), status: prop('allcg2.service', 'ExecMainStatus'), code: prop('allcg2.service', 'ExecMainCode') };
    r.kernelKilledHog = sh(`journalctl -k -o cat --no-pager | grep "Killed process ${hogPid} " || true`).trim();
    r.acted = g.lines.filter((l) => (l.event === 'term' || l.event === 'kill') && l.scope === cg2);
    r.lines = g.lines.filter((l) => l.event !== 'report');
    r.unitLog = sh('journalctl -u allcg2 -o cat --no-pager | tail -20 || true');
    g.child.kill('SIGTERM');
    r.guardExit = await g.exited;
    r.stop = g.lines.find((l) => l.event === 'stop')?.message ?? null;
    r.after = { allcg1: high('allcg1.service') };
    sh('systemctl stop allcg1.service allcg2.service 2>/dev/null || true; systemctl reset-failed allcg2.service 2>/dev/null || true');
    rmSync(GO, { force: true });
    return r;
  },

  /** systemd-run scopes and services with MemoryMax=/MemoryHigh=: oomtop names them and shows their limits; a kill in a scope. */
  async units() {
    spawn('systemd-run', ['--scope', '--unit=vmscope', '-p', 'MemoryMax=64M', '-p', 'MemoryHigh=48M', 'sleep', '600'], { stdio: 'ignore' });
    spawn('systemd-run', ['--unit=keeper2', '--slice=vmtest.slice', '-p', 'MemoryMax=96M', 'sleep', '600'], { stdio: 'ignore' });
    await until(() => existsSync(dir('system.slice/vmscope.scope')) && prop('keeper2.service', 'ActiveState') === 'active', 30_000, 'the units');
    // a limit on the slice itself, below its service's own: the slice is the OOM domain
    sh('systemctl set-property --runtime vmtest.slice MemoryMax=80M');
    const sliceMax = read(dir('vmtest.slice/memory.max')).trim();
    const once = JSON.parse(oomtop(['--once', '--json']));
    // an OOM kill inside a scope (OOMPolicy=continue: the scope outlives it)
    const hogScope = sh(`systemd-run --scope --unit=hogscope -p MemoryMax=64M -p MemorySwapMax=0 -p OOMPolicy=continue bash -c 'echo $$; exec node -e "console.log(1);const a=[];for(;;)a.push(Buffer.alloc(16<<20,1))"'; echo "status=$?"`);
    const analyze = JSON.parse(oomtop(['analyze', '--json']));
    const kernelLog = sh('journalctl -k -o cat --no-pager | grep -i "out of memory" || true');
    const keeper2Pid = Number(prop('keeper2.service', 'MainPID'));
    sh('systemctl stop vmscope.scope keeper2.service hogscope.scope 2>/dev/null || true');
    return { once, hogScope, analyze, kernelLog, sliceMax, keeper2Pid };
  },

  /**
   * Side by side on one memory-pressure workload (a hog that wants 96 MiB in a unit with
   * MemoryHigh=32M, MemoryMax=512M, no swap: it stalls in reclaim, it never reaches its
   * limit): the kernel alone, systemd-oomd (ManagedOOMMemoryPressure=kill on its slice),
   * and oomtop guard --psi-full. Who acts, when, on what, and what oomtop showed meanwhile.
   */
  async oomd() {
    const HOG = `${process.execPath} -e "console.log(Date.now());const a=[];const t0=Date.now();let n=0;setInterval(()=>{while(n*16<96&&n*16<(Date.now()-t0)/1000*64){a.push(Buffer.alloc(16<<20,1));n++}},5)"`;
    const props = '-p MemoryHigh=32M -p MemoryMax=512M -p MemorySwapMax=0';
    const WATCH_MS = 15_000;
    const run = (unit, extra = '') => sh(`systemd-run --unit=${unit} ${extra} ${props} /bin/sh -c ${JSON.stringify(`exec ${HOG}`)}`);
    const cgOf = (unit) => prop(unit, 'ControlGroup');
    const alive = (unit) => prop(unit, 'ActiveState') === 'active';
    const pressureOf = (cgpath) => {
      try {
        return read(join(CG, cgpath, 'memory.pressure'));
      } catch {
        return null;
      }
    };
    const watch = async (unit, ms) => {
      const t0 = Date.now();
      await until(() => alive(unit), 20_000, unit);
      const cg = cgOf(unit);
      let snap = null;
      while (alive(unit) && Date.now() - t0 < ms) {
        if (!snap && Date.now() - t0 > 6000) {
          const j = JSON.parse(oomtop(['--once', '--json']));
          snap = j.cgroups.find((c) => c.path === cg) ?? null;
        }
        await sleep(250);
      }
      const endedMs = alive(unit) ? null : Date.now() - t0;
      return { unit, cg, endedMs, pressure: pressureOf(cg), snap, result: prop(unit, 'Result'), status: prop(unit, 'ExecMainStatus'), code: prop(unit, 'ExecMainCode') };
    };
    const out = {};
    // 1. the kernel alone
    run('pk');
    out.kernel = await watch('pk', WATCH_MS);
    out.kernel.events = keyed(read(join(CG, out.kernel.cg, 'memory.events')));
    sh('systemctl stop pk || true');
    // 2. systemd-oomd: kill on the slice's pressure over 10 % for 2 s
    mkdirSync('/etc/systemd/oomd.conf.d', { recursive: true });
    writeFileSync('/etc/systemd/oomd.conf.d/vm.conf', '[OOM]\nDefaultMemoryPressureDurationSec=2s\n');
    writeFileSync('/etc/systemd/system/pressure.slice', '[Slice]\nManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=10%\n');
    // debug level: systemd-oomd says why it does (or does not) kill
    mkdirSync('/etc/systemd/system/systemd-oomd.service.d', { recursive: true });
    writeFileSync('/etc/systemd/system/systemd-oomd.service.d/vm.conf', '[Service]\nEnvironment=SYSTEMD_LOG_LEVEL=debug\n');
    sh('systemctl daemon-reload && systemctl restart systemd-oomd');
    run('po', '--slice=pressure.slice');
    out.oomd = await watch('po', 30_000);
    out.oomd.oomctl = sh('oomctl 2>&1 | head -40 || true');
    out.oomd.stat = keyed(read(join(CG, out.oomd.cg, 'memory.stat')));
    out.oomd.journal = sh('journalctl -u systemd-oomd -o cat --no-pager | tail -60 || true');
    sh('systemctl stop po 2>/dev/null || true');
    // 3. oomtop guard --psi-full 10 --psi-duration 2 on the unit's cgroup
    run('pg');
    await until(() => alive('pg'), 20_000, 'pg');
    const g = guard(cgOf('pg').slice(1), ['--psi-full', '10', '--psi-duration', '2']);
    await g.started;
    out.guard = await watch('pg', 60_000);
    g.child.kill('SIGTERM');
    await g.exited;
    out.guard.lines = g.lines;
    sh('systemctl stop pg 2>/dev/null || true');
    return out;
  },
};
Object.assign(scenarios, systemdScenarios);

const names = process.argv.slice(2);
let failed = false;
for (const name of names) {
  const fn = scenarios[name];
  if (!fn) {
    log(`no scenario ${name}`);
    failed = true;
    continue;
  }
  const t0 = Date.now();
  try {
    const r = await fn();
    writeFileSync(join(OUT, `${name}.json`), JSON.stringify({ ok: true, ms: Date.now() - t0, ...r }, null, 1));
  } catch (e) {
    failed = true;
    writeFileSync(join(OUT, `${name}.json`), JSON.stringify({ ok: false, error: String(e?.stack ?? e) }));
  } finally {
    await cleanup();
  }
  log(`${name}: ${Date.now() - t0} ms`);
}
process.exit(failed ? 1 : 0);
