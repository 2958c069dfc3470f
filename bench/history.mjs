// The history's cost (issue 15): write time per tick and file growth per day at ~1000
// processes. Run after `npm run build`: node bench/history.mjs [--quick]
// (a) real ticks: the sampler at ~1000 processes (sleepers this script starts), each
//     snapshot written by HistoryWriter (oomtop record's writer): write ms per tick, for the
//     default selection (top 20 by risk and by growth, victims) and for every process.
// (b) file growth: simulated time (1 s ticks) over 3 hours, a real snapshot every 30 ticks;
//     the file's pages in use at 2 h (raw tier full) and at 6 h give the growth per day
//     (minute and quarter aggregates; the raw hour stays constant). --quick: 1.5 h, from 1 h.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, countProcesses, ensureProcessCount, killAll, machine, median, pct, r1, r2, sleep } from './lib.mjs';

const quick = process.argv.includes('--quick');
const dist = new URL('../dist/', import.meta.url);
const { Sampler } = await import(new URL('sampler/sampler.js', dist).href);
const { memcgResolver } = await import(new URL('cgroup/resolve.js', dist).href);
const { HistoryWriter } = await import(new URL('history/recorder.js', dist).href);
const { Forecaster } = await import(new URL('store/forecast.js', dist).href);
const { ProcessHistories } = await import(new URL('store/history.js', dist).href);

const log = (s) => process.stderr.write(`${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'oomtop-bench-history-'));
const res = { date: new Date().toISOString(), machine: machine(), note: 'the box was shared with other helpers (tests, QEMU guests) while this ran: figures are upper bounds' };
let sleepers = [];
try {
  sleepers = await ensureProcessCount(1000, []);
  await sleep(500);
  res.processes = countProcesses();
  log(`processes: ${res.processes}`);
  const { memoryCgroupOf, hierarchy } = memcgResolver('/proc', null);
  const sampler = new Sampler({ procRoot: '/proc', memoryCgroupOf, hierarchy });

  // (a) write cost per tick
  res.write = {};
  for (const [name, top] of [['default (top 20 + victims)', 20], ['every process', 100_000]]) {
    const w = await HistoryWriter.open(join(dir, `cost-${top}.db`), 64 << 20, log, { top, stickyMs: 600_000 });
    const ms = [];
    let points = 0;
    const ticks = quick ? 30 : 120;
    for (let i = 0; i < ticks; i++) {
      const snap = sampler.sample();
      w.record(snap);
      if (i >= 5) ms.push(w.lastWriteMs);
      points = w.db.pointCount();
      await sleep(50);
    }
    res.write[name] = { ticks: ms.length, medianMs: r2(median(ms)), p95Ms: r2(pct(ms, 95)), maxMs: r2(Math.max(...ms)), pointsPerTick: Math.round(points / ticks) };
    log(`write ${name}: median ${r2(median(ms))} ms, p95 ${r2(pct(ms, 95))} ms, ${Math.round(points / ticks)} points/tick`);
    w.close();
  }

  // (c) the monitor's live forecast (src/store/forecast.ts): its cost per tick, and on the
  // ticks (every 5 s) that run the analysis. Real snapshots, one simulated second apart.
  {
    const f = new Forecaster();
    const h = new ProcessHistories();
    const plain = [];
    const analysing = [];
    let suspects = 0;
    const t0 = Date.now();
    for (let i = 0; i < (quick ? 40 : 90); i++) {
      const snap = sampler.sample();
      snap.time = t0 + i * 1000;
      for (const p of snap.processes) h.observe(p, snap.time, false);
      h.retire(snap.time);
      const started = performance.now();
      f.observe(snap, h);
      const ms = performance.now() - started;
      (f.forecast.at === snap.time ? analysing : plain).push(ms);
      suspects = f.forecast.leaks.size;
      await sleep(20);
    }
    res.forecast = { plainTickMedianMs: r2(median(plain)), analysisTickMedianMs: r2(median(analysing)), analysisTickMaxMs: r2(Math.max(...analysing)), leakSuspectsAtEnd: suspects };
    log(`forecast: ${r2(median(plain))} ms a tick, ${r2(median(analysing))} ms on analysis ticks (max ${r2(Math.max(...analysing))})`);
  }

  // (b) growth per day, simulated time
  const hours = quick ? 1.5 : 6;
  const mark = quick ? 3660 : 2 * 3600;
  const w = await HistoryWriter.open(join(dir, 'growth.db'), 1 << 30, log);
  const t0 = Date.UTC(2026, 0, 1);
  let snap = sampler.sample();
  let at1h = null;
  const started = performance.now();
  for (let s = 0; s < hours * 3600; s++) {
    if (s % 30 === 0) snap = sampler.sample();
    snap.time = t0 + s * 1000;
    w.record(snap);
    if (s === mark) at1h = w.db.sizeBytes();
  }
  const end = w.db.sizeBytes();
  const perDay = (end - at1h) / ((hours * 3600 - mark) / 86_400);
  res.growth = {
    simulatedHours: hours,
    markSeconds: mark,
    bytesAtMark: at1h,
    bytesAtEnd: end,
    fileBytesAtEnd: w.db.fileBytes(),
    growthMiBPerDay: r1(perDay / 1048576),
    daysTo64MiBCap: r1(((64 << 20) - at1h) / perDay),
    pointsAtEnd: w.db.pointCount(),
    seriesAtEnd: w.db.seriesCount(),
    bytesPerPoint: r1(end / w.db.pointCount()),
    // Each series adds 1440 one-minute and 96 fifteen-minute points a day once its raw hour is full.
    derivedKiBPerSeriesPerDay: r1(((end / w.db.pointCount()) * 1536) / 1024),
    cpuSecondsForSimulation: r1((performance.now() - started) / 1000),
  };
  log(`growth: ${r1(perDay / 1048576)} MiB/day (${r1(at1h / 1048576)} MiB at ${mark} s, ${r1(end / 1048576)} MiB at the end)`);
  w.close();
  sampler.close();
} finally {
  killAll(sleepers);
  cleanupAll();
  rmSync(dir, { recursive: true, force: true });
}
const out = new URL('results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('history-latest.json', out), JSON.stringify(res, null, 2) + '\n');
const md = [
  `# History (oomtop record) cost, ${res.date}`,
  '',
  `Machine: ${res.machine.cores} cores, ${res.machine.ramGiB} GiB, kernel ${res.machine.kernel}, node ${res.machine.node}, load ${res.machine.loadavg}. ${res.note}.`,
  `Processes: ${res.processes}.`,
  '',
  '| selection | points/tick | write median | p95 | max |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...Object.entries(res.write).map(([k, v]) => `| ${k} | ${v.pointsPerTick} | ${v.medianMs} ms | ${v.p95Ms} ms | ${v.maxMs} ms |`),
  '',
  `File growth (default selection, 1 s ticks, ${res.growth.simulatedHours} h of simulated time, a real snapshot every 30 ticks): ${r1(res.growth.bytesAtMark / 1048576)} MiB in use at ${res.growth.markSeconds / 3600} h (the raw hour full), ${r1(res.growth.bytesAtEnd / 1048576)} MiB at the end (${res.growth.pointsAtEnd} points): ${res.growth.growthMiBPerDay} MiB/day (one-minute and fifteen-minute aggregates); the 64 MiB default cap is reached after about ${res.growth.daysTo64MiBCap} days, after which the oldest points go first.`,
  `Live forecast in the monitor (src/store/forecast.ts, real snapshots one simulated second apart): ${res.forecast.plainTickMedianMs} ms a tick, ${res.forecast.analysisTickMedianMs} ms median (max ${res.forecast.analysisTickMaxMs} ms) on the ticks that run the analysis (every 5 s); ${res.forecast.leakSuspectsAtEnd} leak suspects at the end.`,
  '',
  `Per series: ${res.growth.bytesPerPoint} bytes a point (index included), 1536 aggregate points a day once its raw hour is full: about ${res.growth.derivedKiBPerSeriesPerDay} KiB per series per day (${res.growth.seriesAtEnd} series in this file; the simulated snapshot repeats, so fewer processes grow and get picked than on a live box: ${res.growth.growthMiBPerDay} MiB/day measured is a lower bound, series × ${res.growth.derivedKiBPerSeriesPerDay} KiB the estimate).`,
  '',
].join('\n');
writeFileSync(new URL('history-latest.md', out), md);
process.stdout.write(md);
