// File syscalls per sampler tick (issue 17), counts no load on the box changes: the
// sampler on the real /proc and cgroup hierarchy, as bench/tick-cost.mjs runs it (the store,
// the rows on screen asked about), with node:fs's openSync/closeSync/readSync counted (their
// ESM bindings re-synced before the build is loaded; existsSync/statSync as stats) and read(2) calls from /proc/self/io
// syscr. Also user and system CPU ms per tick (process.cpuUsage) and the memory cgroups a
// tick reads. Prints one JSON line; medians over the ticks after a warm-up.
// Usage: npm run build && node bench/tick-syscalls.mjs [TICKS] [PROCESSES] [CGROUPS]
// (OOMTOP_BENCH_ROOT=DIR measures another checkout's dist/; PROCESSES adds idle sleepers up
// to that many processes, default 0: the box as it is; CGROUPS makes that many v1 memory
// cgroups, each with a 64 MiB limit and one sleeper of this script, as on a systemd box with
// a cgroup per service: removed at the end.)
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';
import { countProcesses, ensureProcessCount, killAll, median, sleep } from './lib.mjs';

const calls = { open: 0, close: 0, read: 0, stat: 0 };
const wrap = (name, key) => {
  const f = fs[name];
  fs[name] = function (...args) {
    calls[key]++;
    return f.apply(this, args);
  };
};
wrap('openSync', 'open');
wrap('closeSync', 'close');
wrap('readSync', 'read');
wrap('existsSync', 'stat');
wrap('statSync', 'stat');
syncBuiltinESMExports();

const root = process.env.OOMTOP_BENCH_ROOT ?? new URL('..', import.meta.url).pathname;
const load = (p) => import(pathToFileURL(`${root}/dist/${p}`).href);
const { Sampler } = await load('sampler/sampler.js');
const { memcgResolver } = await load('cgroup/resolve.js');
const { createOomtopStore } = await load('store/store.js');

const syscr = () => Number(/syscr:\s+(\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))?.[1]);

const ticks = Number(process.argv[2] ?? 60);
const target = Number(process.argv[3] ?? 0);
const cgroups = Number(process.argv[4] ?? 0);
const V1 = '/sys/fs/cgroup/memory';
const cgBase = join(V1, `oomtop-bench-${process.pid}`);
const cgKids = [];

/** `n` memory cgroups with one sleeper each (joined before exec). */
async function makeCgroups(n) {
  if (n === 0) return;
  fs.mkdirSync(cgBase);
  for (let i = 0; i < n; i++) {
    const dir = join(cgBase, `svc${i}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(join(dir, 'memory.limit_in_bytes'), String(64 << 20));
    const c = spawn('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec sleep 900`], { stdio: 'ignore' });
    cgKids.push({ c, dir });
  }
  for (const { c, dir } of cgKids) {
    while (!fs.readFileSync(join(dir, 'cgroup.procs'), 'utf8').includes(String(c.pid))) await sleep(10);
  }
  await sleep(200); // exec'd into sleep
}

async function removeCgroups() {
  for (const { c } of cgKids) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const { dir } of [...cgKids, { dir: cgBase }]) {
    for (let i = 0; i < 100; i++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (e) {
        if (e.code === 'ENOENT') break;
        await sleep(20);
      }
    }
  }
}

let sleepers = [];
try {
  sleepers = await ensureProcessCount(target, sleepers);
  await makeCgroups(cgroups);
  const { memoryCgroupOf, hierarchy } = memcgResolver('/proc', null);
  const sampler = new Sampler({ procRoot: '/proc', memoryCgroupOf, hierarchy });
  const store = createOomtopStore({});
  const pageSize = 30;
  const detailPids = () => {
    const { rows, view } = store.getState();
    const set = new Set([process.pid]);
    for (const r of rows.slice(view.scroll, view.scroll + (view.pageSize || pageSize))) set.add(r.pid);
    return set;
  };
  const per = { open: [], close: [], read: [], stat: [], syscr: [], user: [], sys: [], cgroups: [], held: [] };
  for (let i = 0; i < ticks + 5; i++) {
    await sleep(100);
    const before = { ...calls };
    const r0 = syscr();
    const c0 = process.cpuUsage();
    const snap = sampler.sample({ detailPids: detailPids(), names: false });
    store.getState().applySnapshot(snap);
    if (sampler.fillDetails(detailPids())) store.getState().refreshRows();
    const c = process.cpuUsage(c0);
    const r1 = syscr() - 1; // less the read of /proc/self/io itself
    if (i < 5) continue; // warm-up: the first full read opens every held file
    per.open.push(calls.open - before.open);
    per.close.push(calls.close - before.close);
    per.read.push(calls.read - before.read);
    per.stat.push(calls.stat - before.stat);
    per.syscr.push(r1 - r0);
    per.user.push(c.user / 1000);
    per.sys.push(c.system / 1000);
    per.cgroups.push(snap.cgroups.length);
    per.held.push(sampler.heldFiles);
  }
  sampler.close();
  console.log(
    JSON.stringify({
      root,
      processes: countProcesses(),
      ticks,
      cgroups: median(per.cgroups),
      heldFds: median(per.held),
      openPerTick: median(per.open),
      closePerTick: median(per.close),
      readSyncPerTick: median(per.read),
      statPerTick: median(per.stat),
      readSyscallsPerTick: median(per.syscr),
      userMsPerTick: median(per.user),
      systemMsPerTick: median(per.sys),
      cpuMsPerTick: median(per.user.map((u, i) => u + per.sys[i])),
    }),
  );
} finally {
  killAll(sleepers);
  await removeCgroups();
}
process.exit(0);
