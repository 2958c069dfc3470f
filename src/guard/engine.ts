import { oomRules } from '../kernel/oom.js';
import { detectPageKiB } from '../proc/pagesize.js';
import { readKernelVersion } from '../proc/system.js';
import { chooseVictim, isForbidden, type OomArithmetic } from './victim.js';
import { PRESSURE_START, type PressureState } from '../proc/pressure-level.js';
import { DEFAULT_HANDLER_TIMEOUT_MS, HandlerRunner, stepLevel, type LevelChange } from './handlers.js';
import { signalProcess, type ActionResult } from '../actions/index.js';
import { readCandidate } from './candidates.js';
import { INITIAL_STATE, decide, makeEvent, settle, wantsProcesses } from './decide.js';
import { hookEnv, runHook } from './hooks.js';
import { Alerts, wantsAlerts } from './alerts.js';
import { Intercept } from './intercept.js';
import { assess, thresholdKiB } from './level.js';
import { FillRate, HOLD_BUDGET_MS, nextIntervalMs } from './pace.js';
import { CgroupScope, emptySample, type ScopeReader } from './scope.js';
import type { Candidate, GuardEvent, GuardPolicy, Level, PressureLevel, ScopeSample, ScopeState, SignalAction } from './types.js';

/** While a signalled victim is pending, its exit is checked this often (ms). */
const PENDING_POLL_MS = 10;
/** On shutdown, queued webhook events get this long to go out. */
const ALERT_GRACE_MS = 2000;

export interface ScopeRuntime {
  reader: ScopeReader;
  state: ScopeState;
  sample: ScopeSample;
  rate: FillRate;
  level: Level;
  intervalMs: number;
  intercept: Intercept | null;
  /** Intercept dropped for this danger episode (held with no victim): re-armed once memory recovers. */
  suspended: boolean;
  ticks: number;
  /** The scope's pressure level (normal..critical, with hysteresis): level events and --on-level. */
  pressure: PressureState;
  pressureLevel: PressureLevel;
}

export interface EngineOptions {
  policy: GuardPolicy;
  emit: (e: GuardEvent) => void;
  /** Where intercept state files go (null: no intercept). */
  stateDir: string | null;
  selfPid?: number;
  now?: () => number;
}

export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Runs the guard over its scopes: samples, decides (pure), signals through src/actions,
 * runs hooks, and owns the v1 intercepts. One tick per call; the loop decides when.
 */
export class GuardEngine {
  readonly scopes: ScopeRuntime[] = [];
  private policy: GuardPolicy;
  private protectedPids = new Set<number>();
  private busy = false;
  /** The page size and the running kernel's OOM rules, for the kernel's badness. */
  private readonly oom: OomArithmetic;
  /** --on-level: started on a level change, never awaited. */
  private readonly handlers: HandlerRunner | null;

  private readonly opts: EngineOptions;
  /** --webhook, --notify, --wall: fed every event, never waited for. */
  readonly alerts: Alerts | null;
  /** Resolves once shutdown() has let the webhook queues drain (at most ALERT_GRACE_MS). */
  alertsClosed: Promise<void> = Promise.resolve();

  constructor(opts: EngineOptions) {
    const alerts = wantsAlerts(opts.policy) ? new Alerts(opts.policy, (message) => this.note('guard', message)) : null;
    this.alerts = alerts;
    this.opts = alerts === null ? opts : { ...opts, emit: (e) => (opts.emit(e), alerts.push(e)) };
    this.policy = { ...opts.policy };
    this.oom = { pageKiB: detectPageKiB(), rules: oomRules(readKernelVersion(opts.policy.procRoot)) };
    const onLevel = opts.policy.onLevel ?? [];
    this.handlers =
      onLevel.length === 0
        ? null
        : new HandlerRunner({
            handlers: onLevel,
            timeoutMs: opts.policy.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
            procRoot: opts.policy.procRoot,
            emit: (e) => this.opts.emit(e),
            now: () => this.now(),
          });
    this.refreshProtected();
  }

  get dryRun(): boolean {
    return this.policy.dryRun;
  }

  get currentPolicy(): GuardPolicy {
    return this.policy;
  }

  private now(): number {
    return (this.opts.now ?? preciseNow)();
  }

  private refreshProtected(): void {
    const s = new Set<number>([this.opts.selfPid ?? process.pid]);
    for (const r of this.scopes) {
      const wd = r.intercept?.watchdogPid;
      if (wd) s.add(wd);
    }
    this.protectedPids = s;
  }

  addScope(reader: ScopeReader): ScopeRuntime {
    const rt: ScopeRuntime = {
      reader,
      state: INITIAL_STATE,
      sample: emptySample(),
      rate: new FillRate(),
      level: 'ok',
      intervalMs: this.policy.minIntervalMs,
      intercept: null,
      suspended: false,
      ticks: 0,
      pressure: PRESSURE_START,
      pressureLevel: 'normal',
    };
    this.scopes.push(rt);
    this.syncIntercept(rt);
    return rt;
  }

  removeScope(rt: ScopeRuntime): void {
    rt.intercept?.release();
    const i = this.scopes.indexOf(rt);
    if (i >= 0) this.scopes.splice(i, 1);
    this.refreshProtected();
  }

  /** Dry run never holds a cgroup (nobody would free it); armed intercepts cgroups that own their limit (v1 oom_kill_disable, v2 memory.high). */
  setDryRun(dry: boolean): void {
    if (this.policy.dryRun === dry) return;
    this.policy = { ...this.policy, dryRun: dry };
    for (const rt of this.scopes) {
      rt.state = INITIAL_STATE;
      this.syncIntercept(rt);
    }
  }

  private wantIntercept(rt: ScopeRuntime): boolean {
    const r = rt.reader;
    return (
      this.policy.intercept &&
      !this.policy.dryRun &&
      this.opts.stateDir !== null &&
      !rt.suspended &&
      r instanceof CgroupScope &&
      r.ownsLimit(this.now())
    );
  }

  /** The v1 intercept holds this scope at its limit now (the kernel pauses a fill there instead of killing). */
  private holding(rt: ScopeRuntime): boolean {
    return rt.intercept !== null && rt.intercept.version === 1 && rt.intercept.isArmed && !rt.suspended;
  }

  private syncIntercept(rt: ScopeRuntime): void {
    const want = this.wantIntercept(rt);
    const r = rt.reader;
    if (want && !rt.intercept && r instanceof CgroupScope) {
      const ic = new Intercept(r.dir, this.opts.stateDir!, this.policy.procRoot, r.version);
      const res = ic.arm();
      if (res.ok) {
        rt.intercept = ic;
        r.intercepting = true;
        this.note(r.label, ic.description);
      } else {
        this.note(r.label, `no intercept: ${res.message}`);
      }
    } else if (!want && rt.intercept) {
      rt.intercept.release();
      rt.intercept = null;
      if (r instanceof CgroupScope) r.intercepting = false;
    }
    this.refreshProtected();
  }

  private note(scope: string, message: string): void {
    this.opts.emit(makeEvent('notice', scope, null, this.now(), { message }));
  }

  /** An event from outside the engine (a kernel OOM kill) to the log and the alert destinations. */
  alert(e: GuardEvent): void {
    this.opts.emit(e);
  }

  /** One notice per alert destination: what it can reach (no session bus, no wall, ...). */
  announceAlerts(): void {
    for (const line of this.alerts?.describe() ?? []) this.note('guard', line);
  }

  /** Set by shutdown(): a tick still waiting on a hook must not act afterwards. */
  private stopped = false;

  /** Release every intercept (synchronous): call on every exit path. */
  shutdown(): void {
    if (!this.stopped && this.alerts) this.alertsClosed = this.alerts.close(ALERT_GRACE_MS);
    this.stopped = true;
    for (const rt of this.scopes) {
      rt.intercept?.release();
      rt.intercept = null;
    }
  }

  /** One pass over every scope; returns how long to sleep before the next. */
  async tick(): Promise<number> {
    if (this.stopped) return this.policy.maxIntervalMs;
    if (this.busy) return this.policy.minIntervalMs;
    this.busy = true;
    try {
      let next = this.policy.maxIntervalMs;
      for (const rt of [...this.scopes]) {
        const ms = await this.tickScope(rt);
        if (ms < next) next = ms;
      }
      return next;
    } finally {
      this.busy = false;
    }
  }

  private async tickScope(rt: ScopeRuntime): Promise<number> {
    const p = this.policy;
    const r = rt.reader;
    const now = this.now();
    if (!r.read(rt.sample, now)) {
      this.opts.emit(makeEvent('error', r.label, null, now, { message: 'scope is gone (cgroup removed?): no longer watched' }));
      this.removeScope(rt);
      return p.maxIntervalMs;
    }
    rt.ticks++;
    const s = rt.sample;
    rt.rate.push(s.timeMs, s.availableKiB);
    const step = stepLevel(rt.pressure, s);
    rt.pressure = step.state;
    if (step.change) {
      rt.pressureLevel = step.change.to;
      this.opts.emit(
        makeEvent('level', r.label, s, now, {
          pressure: step.change.to,
          previous: step.change.from,
          message: `memory pressure ${step.change.from} -> ${step.change.to}`,
        }),
      );
    }
    const a = assess(p, s, rt.state.psiSinceMs);
    let procs = null;
    if (wantsProcesses(rt.state, a.level)) {
      const pend = rt.state.pending;
      if (pend) {
        const c = readCandidate(p.procRoot, pend.victim.pid);
        procs = c ? [c] : [];
      } else {
        procs = r.processes();
      }
    }
    const d = decide({ policy: p, state: rt.state, sample: s, procs, protectedPids: this.protectedPids, scope: r.label, oom: this.oom });
    rt.state = d.state;
    rt.level = d.level;
    for (const e of d.events) this.opts.emit(e);
    for (const action of d.actions) await this.act(rt, action);
    // Stopped while a hook ran: touch neither processes nor cgroup settings any more.
    if (this.stopped) return p.maxIntervalMs;
    // Handlers start after this tick's signal is sent, and are not waited for.
    if (step.change && this.handlers?.wants(step.change.to)) this.startHandlers(rt, step.change, procs);

    // Held at the limit and nothing we may end: let the kernel's OOM killer do it.
    if (rt.intercept && s.held && d.level === 'kill' && rt.state.pending === null && rt.state.noVictimReported) {
      rt.suspended = true;
      this.syncIntercept(rt);
      this.note(r.label, 'held at the limit with no process the guard may end: intercept released, the kernel decides');
    } else if (rt.suspended && d.level === 'ok') {
      rt.suspended = false;
      this.syncIntercept(rt);
    }

    if (rt.state.pending !== null) rt.intervalMs = Math.max(p.minIntervalMs, Math.min(PENDING_POLL_MS, p.maxIntervalMs));
    else {
      const headroom = s.availableKiB - thresholdKiB(p.memTerm, s.totalKiB);
      rt.intervalMs = nextIntervalMs(headroom, rt.rate.rateKiBps(), {
        minMs: p.minIntervalMs,
        maxMs: p.maxIntervalMs,
        assumeRateKiBps: p.assumeRateKiBps,
        // v1 only: oom_kill_disable holds a fast fill at the limit. v2's memory.high only
        // throttles, and per task: measured in the v2 guest (bench/results/guard-v2-idle.md),
        // ~300 ms for one hog at 256 MiB but next to nothing for four at once, so there the
        // full pace stays.
        holdBudgetMs: this.holding(rt) ? HOLD_BUDGET_MS : 0,
      });
    }
    return rt.intervalMs;
  }

  /** The scope's next victim for the handler's environment (the signalled one excluded), then start. */
  private startHandlers(rt: ScopeRuntime, change: LevelChange, procs: readonly Candidate[] | null): void {
    const p = this.policy;
    const pend = rt.state.pending?.victim.pid;
    const list = (procs !== null && pend === undefined ? procs : rt.reader.processes()).filter((c) => c.pid !== pend);
    const s = rt.sample;
    const v = chooseVictim(list, s.oomTotalKiB ?? s.totalKiB + s.swapTotalKiB, p, this.protectedPids, rt.state.skip, this.oom);
    this.handlers!.launch({
      change,
      scope: rt.reader.label,
      sample: { ...s },
      victim: v ? { pid: v.pid, name: v.name } : null,
      dryRun: p.dryRun,
    });
  }

  private async act(rt: ScopeRuntime, action: SignalAction): Promise<void> {
    const p = this.policy;
    const scope = rt.reader.label;
    const ctx = { victim: action.victim, signal: action.signal, scope, sample: { ...rt.sample }, dryRun: action.dry };
    if (!action.dry && p.preKill) {
      const h = await runHook(p.preKill, hookEnv('pre-kill', ctx), p.hookTimeoutMs, p.procRoot);
      if (h.code !== 0) this.hookProblem(scope, 'pre-kill', h);
    }
    if (this.stopped) return; // turned off while the pre-kill hook ran
    const ref = { pid: action.victim.pid, startTimeTicks: action.victim.startTimeTicks, name: action.victim.name };
    // --kill-group: every member must be one the guard could have picked itself (in the
    // scope, not forbidden by the policy), or the group is not signalled.
    const inScope = action.group && !action.dry ? new Set(rt.reader.processes().map((c) => c.pid)) : null;
    const memberAllowed = (pid: number): boolean => {
      const c = readCandidate(p.procRoot, pid);
      return c !== null && inScope !== null && inScope.has(pid) && !isForbidden(c, p, this.protectedPids);
    };
    const result: ActionResult = action.dry
      ? { ok: true }
      : signalProcess(ref, action.signal, { procRoot: p.procRoot, group: action.group, selfPid: this.opts.selfPid, groupMemberAllowed: memberAllowed });
    const out = settle(rt.state, action, result, rt.sample, scope, this.now());
    rt.state = out.state;
    this.opts.emit(out.event);
    if (result.ok && !action.dry && p.postKill) {
      void runHook(p.postKill, hookEnv('post-kill', ctx), p.hookTimeoutMs, p.procRoot).then((h) => {
        if (h.code !== 0) this.hookProblem(scope, 'post-kill', h);
      });
    }
  }

  private hookProblem(scope: string, phase: string, h: { code: number | null; timedOut: boolean; error: string | null }): void {
    const why = h.timedOut ? `timed out after ${this.policy.hookTimeoutMs} ms` : h.error ?? `exit code ${h.code}`;
    this.opts.emit(makeEvent('hook', scope, null, this.now(), { message: `${phase} hook ${why}` }));
  }
}
