import { GuardEngine } from './engine.js';
import { defaultStateDir, recoverStale } from './intercept.js';
import { pct } from './level.js';
import { GuardLoop } from './loop.js';
import { describeThresholds } from './policy.js';
import { buildScopes } from './setup.js';
import type { ScopeReader } from './scope.js';
import type { GuardEvent, GuardMode, GuardPolicy, Level } from './types.js';

export interface GuardScopeStatus {
  scope: string;
  level: Level;
  availablePct: number;
  intervalMs: number;
  intercept: boolean;
}

export interface GuardStatus {
  mode: GuardMode;
  /** "mem 10%/5% swap 10%/5%" for the header. */
  thresholds: string;
  scopes: GuardScopeStatus[];
}

const NEXT: Record<GuardMode, GuardMode> = { off: 'dry-run', 'dry-run': 'armed', armed: 'off' };

/**
 * The guard for the TUI: off / dry-run / armed, with every decision delivered to
 * listeners (the event log). It owns its loop; dispose() (or setMode('off')) stops it and
 * puts back any cgroup setting it changed.
 */
export class GuardController {
  private mode: GuardMode = 'off';
  private engine: GuardEngine | null = null;
  private loop: GuardLoop | null = null;
  private readonly listeners = new Set<(e: GuardEvent) => void>();
  private readers: ScopeReader[];
  private discover: (() => ScopeReader[]) | null;

  private constructor(
    readonly policy: GuardPolicy,
    setup: { readers: ScopeReader[]; discover: (() => ScopeReader[]) | null },
  ) {
    this.readers = setup.readers;
    this.discover = setup.discover;
  }

  /** Build from a policy (src/cli/guard-args.ts parses `oomtop guard` options into one); an error string when a scope cannot be watched. */
  static fromPolicy(policy: GuardPolicy): GuardController | string {
    const setup = buildScopes(policy);
    if (!setup.ok) return setup.message;
    return new GuardController(policy, setup);
  }

  getMode(): GuardMode {
    return this.mode;
  }

  /** off → dry-run → armed → off (the `g` key). */
  cycleMode(): GuardMode {
    this.setMode(NEXT[this.mode]);
    return this.mode;
  }

  setMode(mode: GuardMode): void {
    if (mode === this.mode) return;
    const prev = this.mode;
    this.mode = mode;
    if (mode === 'off') {
      this.loop?.stop();
      this.engine?.shutdown();
      this.loop = null;
      this.engine = null;
    } else if (prev === 'off') {
      this.start(mode === 'dry-run');
    } else {
      this.engine!.setDryRun(mode === 'dry-run');
    }
    this.emit({ time: new Date().toISOString(), timeMs: Date.now(), event: 'notice', scope: 'guard', message: `guard ${mode}` });
  }

  private start(dry: boolean): void {
    const stateDir = this.policy.stateDir ?? defaultStateDir();
    recoverStale(stateDir, this.policy.procRoot);
    const engine = new GuardEngine({ policy: { ...this.policy, dryRun: dry }, emit: (e) => this.emit(e), stateDir });
    // Readers are reused across off/on cycles: they only cache limits.
    for (const r of this.readers) engine.addScope(r);
    this.engine = engine;
    engine.announceAlerts();
    this.loop = new GuardLoop(engine, { reportMs: null, emit: (e) => this.emit(e), discover: this.discover });
    this.loop.start();
  }

  /** An event from outside the guard (a kernel OOM kill) to its alert destinations, while it runs. */
  alert(e: GuardEvent): void {
    this.engine?.alert(e);
  }

  /** Subscribe to decisions and notices; returns the unsubscribe function. */
  onDecision(cb: (e: GuardEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(e: GuardEvent): void {
    for (const cb of this.listeners) {
      try {
        cb(e);
      } catch {
        /* a listener's bug must not stop the guard */
      }
    }
  }

  status(): GuardStatus {
    return {
      mode: this.mode,
      thresholds: describeThresholds(this.policy),
      scopes: (this.engine?.scopes ?? []).map((rt) => ({
        scope: rt.reader.label,
        level: rt.level,
        availablePct: Math.round(pct(rt.sample.availableKiB, rt.sample.totalKiB) * 10) / 10,
        intervalMs: rt.intervalMs,
        intercept: rt.intercept !== null,
      })),
    };
  }

  dispose(): void {
    this.setMode('off');
    this.listeners.clear();
  }
}
