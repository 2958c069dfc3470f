/**
 * The fuzz targets (test/fuzz/targets.ts) at a fixed share every run: FUZZ_TOTAL inputs in
 * all (20,000 by default), split by the targets' weights, from a random seed that is printed
 * (replay a failure with FUZZ_SEED=N). `npm run fuzz` (bench/fuzz.mjs) runs the same with
 * FUZZ_TOTAL=1000000 and writes bench/results/fuzz-latest.{md,json} (FUZZ_REPORT).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { INPUT_LIMIT_MS, runTarget, type TargetResult } from './run.js';
import { targets } from './targets.js';

const total = Number(process.env.FUZZ_TOTAL ?? 20_000);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const report = process.env.FUZZ_REPORT;
console.log(`fuzz: ${total} inputs, seed ${seed} (replay with FUZZ_SEED=${seed})`);

const list = targets();
const weights = list.reduce((a, t) => a + t.weight, 0);
const results: TargetResult[] = [];
const startedAt = new Date();

describe('fuzz: parsers of outside input', () => {
  list.forEach((t, i) => {
    const runs = Math.max(50, Math.round((total * t.weight) / weights));
    // ~30 ms an input under load for the heaviest targets (whole logs), never less than a minute.
    it(`${t.name} (${runs} inputs)`, () => {
      const r = runTarget(t, runs, seed + i);
      results.push(r);
      console.log(`fuzz: ${t.name}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s, slowest ${r.maxInputMs.toFixed(1)} ms${r.failure ? `\n  FAILED ${r.failure}` : ''}`);
      expect(r.failure).toBeNull();
      expect(r.runs).toBe(runs);
    }, Math.max(60_000, runs * 30));
  });
  afterAll(() => {
    for (const t of list) t.cleanup?.();
    if (!report) return;
    const inputs = results.reduce((a, r) => a + r.runs, 0);
    const failures = results.filter((r) => r.failure !== null).length;
    const seconds = results.reduce((a, r) => a + r.ms, 0) / 1000;
    const summary = {
      date: startedAt.toISOString(),
      seed,
      inputs,
      requested: total,
      failures,
      seconds: Math.round(seconds),
      inputLimitMs: INPUT_LIMIT_MS,
      node: process.version,
      host: { kernel: os.release(), cpus: os.cpus().length, load: os.loadavg().map((x) => Number(x.toFixed(2))) },
      targets: results.map((r) => ({ ...r, ms: Math.round(r.ms), maxInputMs: Number(r.maxInputMs.toFixed(2)) })),
    };
    mkdirSync(dirname(report), { recursive: true });
    writeFileSync(`${report}.json`, `${JSON.stringify(summary, null, 2)}\n`);
    const md = [
      `# npm run fuzz, ${summary.date}`,
      '',
      `${inputs.toLocaleString('en')} inputs, ${failures} failures, seed ${seed} (replay: FUZZ_SEED=${seed} FUZZ_TOTAL=${total} npx vitest run --project host test/fuzz/fuzz.test.ts), ${summary.seconds} s under nice -n 10 on ${summary.host.cpus} CPUs (load ${summary.host.load.join(' ')}), Node ${summary.node}, Linux ${summary.host.kernel}.`,
      '',
      '| target | parsers | inputs | time, s | slowest input, ms | result |',
      '|---|---|---:|---:|---:|---|',
      ...results.map((r) => `| ${r.name} | ${r.covers.join(', ')} | ${r.runs.toLocaleString('en')} | ${(r.ms / 1000).toFixed(1)} | ${r.maxInputMs.toFixed(1)} | ${r.failure ? 'FAILED' : 'ok'} |`),
      '',
    ].join('\n');
    writeFileSync(`${report}.md`, md);
  });
});
