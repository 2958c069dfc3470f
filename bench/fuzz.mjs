#!/usr/bin/env node
/**
 * npm run fuzz: every parser of outside input (test/fuzz/targets.ts) over mutated real samples,
 * 1,000,000 inputs by default, niced (the box is shared). Writes bench/results/fuzz-latest.{md,json}.
 *
 *   node bench/fuzz.mjs [--inputs N] [--seed S] [--out PREFIX]
 *
 * It is the CI test (test/fuzz/fuzz.test.ts, 20,000 inputs) at scale: replay a failure with
 * FUZZ_SEED=S FUZZ_TOTAL=N npx vitest run --project host test/fuzz/fuzz.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const repo = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { inputs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } } });
const inputs = values.inputs ?? '1000000';
if (!/^\d+$/.test(inputs)) {
  console.error(`fuzz: --inputs ${inputs} is not a whole number`);
  process.exit(2);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const out = resolve(values.out ?? `${repo}/bench/results/fuzz-latest`);
console.log(`fuzz: ${inputs} inputs, seed ${seed}, report ${out}.{md,json}`);
const r = spawnSync('nice', ['-n', '10', 'npx', 'vitest', 'run', '--project', 'host', 'test/fuzz/fuzz.test.ts'], {
  cwd: repo,
  stdio: 'inherit',
  env: { FUZZ_INPUT_MS: '2000', ...process.env, FUZZ_TOTAL: inputs, FUZZ_SEED: seed, FUZZ_REPORT: out },
});
process.exit(r.status ?? 1);
