/** Run the fuzz targets: each input timed, every failure kept with its seed and path for replay. */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { PropertyFailure, type Target } from './targets.js';

export interface TargetResult {
  name: string;
  covers: string[];
  runs: number;
  seed: number;
  ms: number;
  maxInputMs: number;
  failure: string | null;
}

/**
 * Generous: a parse of one sample takes micro- to milliseconds; this catches hangs and quadratic
 * blow-ups (the ones found took 3 to 10 s on a 70,000-character input). The reader targets
 * write and read files, which a loaded shared box can stall: `npm test` allows 5 s
 * (FUZZ_INPUT_MS), npm run fuzz 2 s.
 */
export const INPUT_LIMIT_MS = Number(process.env.FUZZ_INPUT_MS ?? 5000);

export function runTarget(t: Target, runs: number, seed: number): TargetResult {
  let maxInputMs = 0;
  const started = performance.now();
  const out = fc.check(
    fc.property(t.arb(), (input) => {
      t.prepare?.(input as never);
      const t0 = performance.now();
      let dt = 0;
      try {
        t.check(input as never);
      } finally {
        dt = performance.now() - t0;
        t.finish?.(input as never);
      }
      if (dt > maxInputMs) maxInputMs = dt;
      if (dt > INPUT_LIMIT_MS) throw new PropertyFailure(`one input took ${dt.toFixed(0)} ms (limit ${INPUT_LIMIT_MS} ms)`);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  const ms = performance.now() - started;
  let failure: string | null = null;
  if (out.failed) {
    const ex = JSON.stringify(out.counterexample, (_k, v) => (v instanceof Uint8Array ? [...v] : v))?.slice(0, 600);
    const err = out.errorInstance instanceof Error ? out.errorInstance.stack ?? out.errorInstance.message : String(out.errorInstance);
    failure = `seed ${seed} path ${out.counterexamplePath}: ${err.split('\n').slice(0, 4).join(' | ')}\ninput: ${ex}`;
  }
  return { name: t.name, covers: t.covers, runs: out.numRuns, seed, ms, maxInputMs, failure };
}
