// The TUI's per-tick work without the terminal (issue 17), measured in one process so that
// other load on the box matters less than for wall-clock ratios: the sampler on the real
// /proc and the store's applySnapshot, as the TUI's SamplerHost runs them (the rows on
// screen asked about, pageSize 30), at about `PROCESSES` processes. Per tick: user and
// system CPU (process.cpuUsage), and bytes allocated on the V8 heap (heapUsed before and
// after, with a young generation large enough that no GC runs inside a measured tick;
// ticks during which a GC ran are left out), and read(2) calls (/proc/self/io syscr: the
// files a tick reads, a count no load on the box changes). Prints one JSON line; medians.
// Usage: npm run build && node --max-semi-space-size=64 bench/tick-cost.mjs [TICKS] [PROCESSES]
// (OOMTOP_BENCH_ROOT=DIR measures another checkout's dist/.)
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ensureProcessCount, countProcesses, killAll, median, sleep } from './lib.mjs';

const root = process.env.OOMTOP_BENCH_ROOT ?? new URL('..', import.meta.url).pathname;
const load = (p) => import(pathToFileURL(`${root}/dist/${p}`).href);
const { Sampler } = await load('sampler/sampler.js');
const { memcgResolver } = await load('cgroup/resolve.js');
const { createOomtopStore } = await load('store/store.js');

/** read(2) calls of this process so far (/proc/self/io syscr): counts the files a tick reads, whatever the load. */
const syscr = () => Number(/syscr:\s+(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);

export async function tickCost({ ticks = 60, processes = 1000, spacingMs = 50, pageSize = 30 } = {}) {
  let sleepers = [];
  try {
    sleepers = await ensureProcessCount(processes, sleepers);
    await sleep(300);
    const { memoryCgroupOf, hierarchy } = memcgResolver('/proc', null);
    const sampler = new Sampler({ procRoot: '/proc', memoryCgroupOf, hierarchy });
    const store = createOomtopStore({});
    store.getState().setView?.({ pageSize });
    let gcs = 0;
    const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
    obs.observe({ entryTypes: ['gc'] });
    const detailPids = () => {
      const { rows, view } = store.getState();
      const set = new Set([process.pid]);
      for (const r of rows.slice(view.scroll, view.scroll + (view.pageSize || pageSize))) set.add(r.pid);
      return set;
    };
    const user = [];
    const sys = [];
    const alloc = [];
    const sampleMs = [];
    const reads = [];
    for (let i = 0; i < ticks + 5; i++) {
      await sleep(spacingMs);
      await new Promise((r) => setImmediate(r)); // let the GC observer report
      const g0 = gcs;
      const h0 = process.memoryUsage().heapUsed;
      const r0 = syscr();
      const c0 = process.cpuUsage();
      const snap = sampler.sample({ detailPids: detailPids(), names: false });
      store.getState().applySnapshot(snap);
      if (sampler.fillDetails(detailPids())) store.getState().refreshRows();
      const c = process.cpuUsage(c0);
      const r1 = syscr() - 1; // less the read of /proc/self/io itself
      const h1 = process.memoryUsage().heapUsed;
      await new Promise((r) => setImmediate(r));
      if (i < 5) continue; // warm-up: the first full read, JIT
      user.push(c.user / 1000);
      sys.push(c.system / 1000);
      sampleMs.push(snap.costMs);
      reads.push(r1 - r0);
      if (gcs === g0 && h1 >= h0) alloc.push((h1 - h0) / 1024);
    }
    obs.disconnect();
    sampler.close();
    return {
      processes: countProcesses(),
      ticks,
      userMsPerTick: median(user),
      systemMsPerTick: median(sys),
      cpuMsPerTick: median(user.map((u, i) => u + sys[i])),
      allocKiBPerTick: median(alloc),
      ticksWithoutGc: alloc.length,
      sampleCostMs: median(sampleMs),
      readsPerTick: median(reads),
    };
  } finally {
    killAll(sleepers);
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const r = await tickCost({ ticks: Number(process.argv[2] ?? 60), processes: Number(process.argv[3] ?? 1000) });
  console.log(JSON.stringify(r));
  process.exit(0);
}
