/**
 * Level handlers (--on-level LEVEL=CMD): a command run when a scope enters a pressure level
 * (normal / elevated / high / critical, with the hysteresis of src/proc/pressure-level.ts),
 * once per entry, rising or falling. The decision part is pure (stepLevel, planLaunch,
 * levelEnv); HandlerRunner starts the commands through the kill hooks' runner (hooks.ts:
 * /bin/sh -c CMD with the user's own CMD, facts only in the environment, a timeout that
 * kills the process group) and never waits for them, so a slow handler never delays a kill.
 */
import { LEVELS, stepPressure, type PressureInputs, type PressureState } from '../proc/pressure-level.js';
import { makeEvent } from './decide.js';
import { runHook, type HookResult } from './hooks.js';
import { pct } from './level.js';
import type { GuardEvent, LevelHandler, PressureLevel, ScopeSample } from './types.js';

export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;

/** "LEVEL=CMD" → a handler, or the reason it is not one. */
export function parseOnLevel(arg: string): LevelHandler | string {
  const eq = arg.indexOf('=');
  if (eq < 0) return `"${arg}" is not LEVEL=CMD (LEVEL: ${LEVELS.join(', ')})`;
  const level = arg.slice(0, eq).trim().toLowerCase();
  const cmd = arg.slice(eq + 1);
  if (!(LEVELS as readonly string[]).includes(level)) return `"${arg.slice(0, eq)}" is not a level (use ${LEVELS.join(', ')})`;
  if (cmd.trim() === '') return `${level}: empty command`;
  return { level: level as PressureLevel, cmd };
}

/** A guard sample as the pressure level's inputs: available memory of the scope's total, PSI when read. */
export function levelInputs(s: ScopeSample): PressureInputs {
  return { availablePct: pct(s.availableKiB, s.totalKiB), someAvg10: s.psiSomeAvg10 ?? null, fullAvg10: s.psiFullAvg10 };
}

export interface LevelChange {
  from: PressureLevel;
  to: PressureLevel;
}

/** One sample through the hysteresis; the change when the level moved. */
export function stepLevel(st: PressureState, s: ScopeSample): { state: PressureState; change: LevelChange | null } {
  const next = stepPressure(st, levelInputs(s));
  return { state: next, change: next.level === st.level ? null : { from: LEVELS[st.level]!, to: LEVELS[next.level]! } };
}

/** A handler's identity for "at most one running": the scope and the handler's place on the command line. */
export function handlerKey(scope: string, index: number): string {
  return `${index}\u0000${scope}`;
}

export interface PlannedHandler {
  key: string;
  index: number;
  handler: LevelHandler;
}

/**
 * Which handlers a level change starts in a scope: every handler of the level entered,
 * except one whose previous run in this scope is still going (reported, not started again).
 */
export function planLaunch(
  handlers: readonly LevelHandler[],
  change: LevelChange,
  scope: string,
  running: ReadonlySet<string>,
): { start: PlannedHandler[]; busy: PlannedHandler[] } {
  const start: PlannedHandler[] = [];
  const busy: PlannedHandler[] = [];
  handlers.forEach((handler, index) => {
    if (handler.level !== change.to) return;
    const key = handlerKey(scope, index);
    (running.has(key) ? busy : start).push({ key, index, handler });
  });
  return { start, busy };
}

export interface LevelContext {
  change: LevelChange;
  scope: string;
  sample: ScopeSample;
  /** The process the guard would end next in the scope (null: none may be ended). */
  victim: { pid: number; name: string } | null;
  dryRun: boolean;
}

const fig = (n: number | null | undefined) => (n === null || n === undefined ? '' : n.toFixed(2));

/** The facts a handler gets, all as environment values (a process name never reaches a shell string). */
export function levelEnv(c: LevelContext): Record<string, string> {
  const s = c.sample;
  return {
    OOMTOP_HOOK: 'level',
    OOMTOP_LEVEL: c.change.to,
    OOMTOP_PREVIOUS_LEVEL: c.change.from,
    OOMTOP_SCOPE: c.scope,
    OOMTOP_AVAILABLE_PCT: pct(s.availableKiB, s.totalKiB).toFixed(1),
    OOMTOP_AVAILABLE_KIB: String(Math.round(s.availableKiB)),
    OOMTOP_TOTAL_KIB: String(Math.round(s.totalKiB)),
    OOMTOP_SWAP_FREE_KIB: String(Math.round(s.swapFreeKiB)),
    OOMTOP_SWAP_TOTAL_KIB: String(Math.round(s.swapTotalKiB)),
    OOMTOP_PSI_SOME_AVG10: fig(s.psiSomeAvg10),
    OOMTOP_PSI_FULL_AVG10: fig(s.psiFullAvg10),
    OOMTOP_NEXT_VICTIM_PID: c.victim ? String(c.victim.pid) : '',
    OOMTOP_NEXT_VICTIM_NAME: c.victim ? c.victim.name : '',
    OOMTOP_DRY_RUN: c.dryRun ? '1' : '0',
  };
}

/** The event a finished handler leaves: exit status and the first line of its output. */
export function handlerEvent(scope: string, p: PlannedHandler, h: HookResult, afterMs: number, timeoutMs: number, timeMs: number): GuardEvent {
  const status = h.timedOut ? `timed out after ${timeoutMs} ms` : h.error !== null ? `could not run: ${h.error}` : `exit ${h.code ?? 'by signal'}`;
  const line = h.firstLine ? `: ${h.firstLine}` : '';
  return makeEvent('handler', scope, null, timeMs, {
    pressure: p.handler.level,
    command: p.handler.cmd,
    exitCode: h.code,
    ...(h.firstLine !== undefined && h.firstLine !== '' ? { output: h.firstLine } : {}),
    afterMs: Math.round(afterMs),
    message: `${p.handler.level} handler #${p.index + 1} ${status} after ${Math.round(afterMs)} ms${line}`,
  });
}

export interface RunnerOptions {
  handlers: readonly LevelHandler[];
  timeoutMs: number;
  procRoot: string;
  emit: (e: GuardEvent) => void;
  now: () => number;
}

/** Starts the handlers a level change asks for, at most one per handler and scope, without waiting. */
export class HandlerRunner {
  private readonly running = new Set<string>();

  constructor(private readonly opts: RunnerOptions) {}

  /** Does entering this level start anything (so the caller looks up the next victim)? */
  wants(level: PressureLevel): boolean {
    return this.opts.handlers.some((h) => h.level === level);
  }

  get runningCount(): number {
    return this.running.size;
  }

  launch(c: LevelContext): void {
    const o = this.opts;
    const plan = planLaunch(o.handlers, c.change, c.scope, this.running);
    for (const p of plan.busy) {
      o.emit(
        makeEvent('handler', c.scope, null, o.now(), {
          pressure: p.handler.level,
          command: p.handler.cmd,
          exitCode: null,
          message: `${p.handler.level} handler #${p.index + 1} still runs from an earlier entry: not started again`,
        }),
      );
    }
    if (plan.start.length === 0) return;
    const env = levelEnv(c);
    for (const p of plan.start) {
      this.running.add(p.key);
      const t0 = o.now();
      void runHook(p.handler.cmd, env, o.timeoutMs, o.procRoot, { capture: true }).then((h) => {
        this.running.delete(p.key);
        const t = o.now();
        o.emit(handlerEvent(c.scope, p, h, t - t0, o.timeoutMs, t));
      });
    }
  }
}
