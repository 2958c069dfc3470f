import type { ActionResult } from '../actions/index.js';
import { assess, pct } from './level.js';
import { processKey } from '../kernel/oom.js';
import { chooseVictim, type OomArithmetic } from './victim.js';
import type {
  Candidate,
  GuardEvent,
  GuardEventKind,
  GuardPolicy,
  Level,
  Pending,
  ScopeSample,
  ScopeState,
  SignalAction,
  Trigger,
  Victim,
} from './types.js';

export const INITIAL_STATE: ScopeState = { pending: null, psiSinceMs: null, skip: [], noVictimReported: false };

/** The skip list is bounded: an endless run of stuck victims must not grow memory. */
const SKIP_MAX = 64;

export type DecidePolicy = Pick<
  GuardPolicy,
  | 'memTerm'
  | 'memKill'
  | 'swapTerm'
  | 'swapKill'
  | 'psi'
  | 'prefer'
  | 'avoid'
  | 'ignore'
  | 'sortByRss'
  | 'termTimeoutMs'
  | 'killWaitMs'
  | 'killGroup'
  | 'dryRun'
>;

export interface DecideInput {
  policy: DecidePolicy;
  state: ScopeState;
  sample: ScopeSample;
  /** The scope's processes; may be null only when wantsProcesses() said no. */
  procs: readonly Candidate[] | null;
  protectedPids: ReadonlySet<number>;
  scope: string;
  /** Page size and kernel rules for oom_badness(); default: 4 KiB pages, current kernels. */
  oom?: OomArithmetic;
}

export interface Decision {
  state: ScopeState;
  level: Level;
  trigger: Trigger;
  actions: SignalAction[];
  events: GuardEvent[];
}

/** Must the loop read the scope's processes before deciding? Only in danger or while waiting on a victim. */
export function wantsProcesses(state: ScopeState, level: Level): boolean {
  return level !== 'ok' || state.pending !== null;
}

export function makeEvent(
  kind: GuardEventKind,
  scope: string,
  sample: ScopeSample | null,
  timeMs: number,
  extra: Partial<GuardEvent> = {},
): GuardEvent {
  const ev: GuardEvent = { time: new Date(timeMs).toISOString(), timeMs, event: kind, scope };
  if (sample) {
    ev.availablePct = round1(pct(sample.availableKiB, sample.totalKiB));
    ev.availableKiB = Math.round(sample.availableKiB);
    ev.totalKiB = Math.round(sample.totalKiB);
    ev.swapFreePct = sample.swapTotalKiB > 0 ? round1(pct(sample.swapFreeKiB, sample.swapTotalKiB)) : null;
  }
  return Object.assign(ev, extra);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function victimFields(v: Victim): Partial<GuardEvent> {
  return { pid: v.pid, name: v.name, rssKiB: v.rssKiB };
}

function isAlive(v: Victim, procs: readonly Candidate[]): boolean {
  for (const p of procs) {
    if (p.pid === v.pid) return p.startTimeTicks === v.startTimeTicks && !p.zombie;
  }
  return false;
}

/**
 * The guard's pure decision for one scope and one sample: what to signal (at most one
 * process), what to report, and the next state. One victim at a time: while a signalled
 * victim runs, nobody else is chosen; once it is gone, the next choice waits for a fresh
 * sample, so one event never ends two processes. A PID whose start time changed is a
 * different process: the victim counts as gone and the new one is never signalled.
 */
export function decide(input: DecideInput): Decision {
  const { policy, sample, scope, procs } = input;
  const now = sample.timeMs;
  const a = assess(policy, sample, input.state.psiSinceMs);
  let state: ScopeState = { ...input.state, psiSinceMs: a.psiSinceMs };
  const events: GuardEvent[] = [];
  const actions: SignalAction[] = [];
  const out = (): Decision => ({ state, level: a.level, trigger: a.trigger, actions, events });

  if (a.level === 'ok' && state.noVictimReported) state = { ...state, noVictimReported: false };

  const pending = state.pending;
  if (pending) {
    if (procs === null) throw new Error('decide: processes are needed while a victim is pending');
    const v = pending.victim;
    const since = now - pending.sentAtMs;
    if (!isAlive(v, procs)) {
      events.push(makeEvent('exited', scope, sample, now, { ...victimFields(v), signal: pending.signal, afterMs: Math.round(since) }));
      state = { ...state, pending: null };
      return out();
    }
    if (pending.signal === 'SIGTERM') {
      if (a.level === 'kill' || (a.level === 'term' && since >= policy.termTimeoutMs)) {
        actions.push({
          kind: 'signal',
          victim: v,
          signal: 'SIGKILL',
          group: policy.killGroup,
          dry: pending.dry,
          level: a.level,
          trigger: a.level === 'kill' ? a.trigger : pending.trigger,
        });
      } else if (a.level === 'ok' && since >= policy.termTimeoutMs) {
        events.push(
          makeEvent('recovered', scope, sample, now, {
            ...victimFields(v),
            level: 'ok',
            message: `memory recovered; PID ${v.pid} still runs after SIGTERM${pending.dry ? ' (dry run)' : ''}, no SIGKILL`,
          }),
        );
        state = { ...state, pending: null };
      }
      return out();
    }
    // SIGKILL sent (or pretended).
    if (pending.dry) {
      if (a.level === 'ok') {
        events.push(makeEvent('recovered', scope, sample, now, { ...victimFields(v), level: 'ok', message: 'memory recovered (dry run)' }));
        state = { ...state, pending: null };
      }
      return out();
    }
    if (since >= policy.killWaitMs) {
      events.push(
        makeEvent('stuck', scope, sample, now, {
          ...victimFields(v),
          signal: 'SIGKILL',
          afterMs: Math.round(since),
          message: `PID ${v.pid} has not exited ${Math.round(since)} ms after SIGKILL (uninterruptible sleep?): choosing another`,
        }),
      );
      state = { ...state, pending: null, skip: addSkip(state.skip, processKey(v)) };
    }
    return out();
  }

  if (a.level === 'ok') return out();
  if (procs === null) throw new Error('decide: processes are needed at a danger level');
  const victim = chooseVictim(procs, sample.oomTotalKiB ?? sample.totalKiB + sample.swapTotalKiB, policy, input.protectedPids, state.skip, input.oom);
  if (victim === null) {
    if (!state.noVictimReported) {
      events.push(
        makeEvent('no-victim', scope, sample, now, {
          level: a.level,
          trigger: a.trigger,
          message: 'memory is low but no process in the scope may be ended',
        }),
      );
      state = { ...state, noVictimReported: true };
    }
    return out();
  }
  actions.push({
    kind: 'signal',
    victim,
    signal: a.level === 'kill' ? 'SIGKILL' : 'SIGTERM',
    group: policy.killGroup,
    dry: policy.dryRun,
    level: a.level,
    trigger: a.trigger,
  });
  return out();
}

function addSkip(skip: readonly string[], id: string): string[] {
  const next = skip.length >= SKIP_MAX ? skip.slice(skip.length - SKIP_MAX + 1) : skip.slice();
  next.push(id);
  return next;
}

/**
 * Fold the outcome of a SignalAction back into the state: on success the victim becomes
 * pending (one at a time); a victim that vanished first counts as exited; a refusal
 * (EPERM, forbidden) reports an error and the victim is never chosen again.
 */
export function settle(
  state: ScopeState,
  action: SignalAction,
  result: ActionResult,
  sample: ScopeSample,
  scope: string,
  timeMs: number,
): { state: ScopeState; event: GuardEvent } {
  const v = action.victim;
  const base = { ...victimFields(v), signal: action.signal, level: action.level, trigger: action.trigger };
  if (result.ok) {
    const kind: GuardEventKind = action.dry
      ? action.signal === 'SIGKILL'
        ? 'would-kill'
        : 'would-term'
      : action.signal === 'SIGKILL'
        ? 'kill'
        : 'term';
    const prev = state.pending;
    const pending: Pending = {
      victim: v,
      signal: action.signal,
      // Escalating keeps the victim; the kill wait starts now.
      sentAtMs: timeMs,
      dry: action.dry,
      trigger: prev && prev.victim.pid === v.pid ? prev.trigger : action.trigger,
    };
    return { state: { ...state, pending }, event: makeEvent(kind, scope, sample, timeMs, base) };
  }
  const { code, message, hint } = result.error;
  if (code === 'ESRCH' || code === 'REUSED') {
    return {
      state: { ...state, pending: null },
      event: makeEvent('exited', scope, sample, timeMs, { ...base, message }),
    };
  }
  return {
    state: { ...state, pending: null, skip: addSkip(state.skip, processKey(v)) },
    event: makeEvent('error', scope, sample, timeMs, { ...base, message: hint ? `${message} (${hint})` : message }),
  };
}
