/**
 * The sampler's refresh policy, per process and per tick, as pure functions: what to read for
 * a process given what is known of it and what the caller asked for. The sampler does the
 * reading (src/sampler/sampler.ts); these decide.
 *
 * Every tick reads the two held files of every process (statm, oom_score). On top of that:
 * - stat: for a process not known yet (or whose held statm stopped answering), and for the
 *   processes asked about (below);
 * - status, oom_score_adj, and the command line once: for new processes (but not at the light
 *   first tick), after an exec, and for the processes asked about;
 * - the cgroup: for new processes and in the round robin;
 * - asked about: the rows on screen and the tagged ones (detailPids), last tick's victims, a
 *   full read, and the round robin (each process every `refreshEvery` ticks); a row that
 *   stays on screen with its memory unchanged is settled: status and adj wait for the round
 *   robin (a changed adj shows in the score first, and is read then);
 * - a filter in force (`names`): every process whose command line and user were never read
 *   gets them now, so the filter matches everything at once rather than after the round robin.
 */

export interface ReadRequest {
  /** Read these in full this tick: the rows on screen, the tagged ones. */
  detailPids?: ReadonlySet<number>;
  /** Read every process in full (--once, the first tick of a filtered start). */
  full?: boolean;
  /** A filter is in force: every process needs its command line and user now. */
  names?: boolean;
}

export interface TickPlan {
  /** A kernel thread not due for its recheck: nothing to read. */
  skip: boolean;
  /** Read stat and the details even when the held files answer. */
  asked: boolean;
  /** This process's turn in the round robin. */
  roundRobin: boolean;
}

const SKIP: TickPlan = Object.freeze({ skip: true, asked: false, roundRobin: false });
const PLANS: readonly TickPlan[] = [
  Object.freeze({ skip: false, asked: false, roundRobin: false }),
  Object.freeze({ skip: false, asked: true, roundRobin: false }),
  Object.freeze({ skip: false, asked: true, roundRobin: true }),
];

/** Before anything is read for `pid` at `tick`. Returns shared frozen plans (no allocation per process). */
export function planTick(
  known: { kernelThread: boolean } | undefined,
  pid: number,
  tick: number,
  req: ReadRequest,
  wasVictim: boolean,
  refreshEvery: number,
): TickPlan {
  const roundRobin = (tick + pid) % refreshEvery === 0;
  // Kernel threads never gain an mm: recheck them only now and then (PID reuse).
  if (known?.kernelThread && !roundRobin) return SKIP;
  if (roundRobin) return PLANS[2]!;
  const asked = req.full === true || req.detailPids?.has(pid) === true || wasVictim;
  return PLANS[asked ? 1 : 0]!;
}

export interface DetailFacts {
  /** First seen this tick (or its PID now names another process). */
  fresh: boolean;
  /** Its name changed since the last stat: it exec'd. */
  exec: boolean;
  /** Status and command line were read for it before. */
  hasDetails: boolean;
  tick: number;
  /**
   * Asked about last tick too (a row still on screen), read in full before, and its memory
   * (statm size and resident) unchanged since last tick: its status would say what it said,
   * so only the round robin, a full read or a victim's turn re-reads it. Omitted: false.
   */
  settled?: boolean;
}

export interface DetailPlan {
  /** The light first tick: adj and cgroup only; status and command line wait. */
  light: boolean;
  status: boolean;
  adj: boolean;
  cmdline: boolean;
  cgroup: boolean;
}

const NOTHING: DetailPlan = Object.freeze({ light: false, status: false, adj: false, cmdline: false, cgroup: false });
const LIGHT: DetailPlan = Object.freeze({ light: true, status: false, adj: true, cmdline: false, cgroup: true });
/** Full detail reads, by [cmdline][cgroup]. */
const DETAIL: readonly (readonly DetailPlan[])[] = [false, true].map((cmdline) =>
  [false, true].map((cgroup) => Object.freeze({ light: false, status: true, adj: true, cmdline, cgroup })),
);

/** Once stat (when it was read) has said whether the process is new or exec'd. Shared frozen plans. */
export function planDetails(t: TickPlan, f: DetailFacts, req: ReadRequest): DetailPlan {
  const full = req.full === true;
  const names = req.names === true;
  // At first sight of a whole system the rows on screen get their details before the first
  // frame (Sampler.fillDetails) and the rest in the round robin, unless they are asked
  // about or a filter needs them.
  if (f.fresh && f.tick === 1 && !full && !names && !t.asked) return LIGHT;
  const asked = t.asked && !(f.settled === true && f.hasDetails && !t.roundRobin && !full);
  const detail = f.fresh || f.exec || asked || (names && !f.hasDetails);
  if (!detail) return NOTHING;
  const cmdline = !f.hasDetails || f.exec || full;
  const cgroup = f.fresh || t.roundRobin || full;
  return DETAIL[cmdline ? 1 : 0]![cgroup ? 1 : 0]!;
}
