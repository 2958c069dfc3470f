import { parseGuardArgs } from '../../src/cli/guard-args.js';
import type { Candidate, GuardPolicy, ScopeSample } from '../../src/guard/types.js';

export function policy(argv: string[] = []): GuardPolicy {
  const r = parseGuardArgs(argv);
  if (r.help) throw new Error('help');
  return r.policy;
}

const MiB = 1024;

/** A 1000 MiB scope without swap; available given in MiB. */
export function sample(availableMiB: number, timeMs = 1_000_000, extra: Partial<ScopeSample> = {}): ScopeSample {
  return {
    timeMs,
    totalKiB: 1000 * MiB,
    availableKiB: availableMiB * MiB,
    swapTotalKiB: 0,
    swapFreeKiB: 0,
    psiFullAvg10: null,
    held: false,
    ...extra,
  };
}

let nextStart = 1000;
export function proc(pid: number, rssMiB: number, extra: Partial<Candidate> = {}): Candidate {
  return {
    pid,
    startTimeTicks: extra.startTimeTicks ?? nextStart++,
    name: `p${pid}`,
    cmdline: `/usr/bin/p${pid} --flag`,
    rssKiB: rssMiB * MiB,
    swapKiB: 0,
    pteKiB: 0,
    oomScoreAdj: 0,
    kernelThread: false,
    zombie: false,
    ...extra,
  };
}
