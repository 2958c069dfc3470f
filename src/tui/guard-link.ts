import type { StoreApi } from 'zustand/vanilla';
import { formatHuman, GuardController, type GuardEvent, type GuardPolicy } from '../guard/index.js';
import type { LogSeverity } from '../store/events.js';
import type { OomtopState } from '../store/store.js';

const SEVERITY: Partial<Record<string, LogSeverity>> = { term: 'bad', kill: 'bad', 'would-kill': 'warn', exited: 'good', error: 'bad' };

/** The TUI's guard: off until `g`, its decisions in the event log, its state in the header. */
export class GuardLink {
  private constructor(
    readonly controller: GuardController,
    store: StoreApi<OomtopState>,
  ) {
    controller.onDecision((e: GuardEvent) => {
      const text = formatHuman(e).replace(/^\S+ /, ''); // the log has its own clock
      store.getState().log('guard', SEVERITY[e.event] ?? 'info', text);
    });
  }

  /** A message instead when a scope of the policy cannot be watched. */
  static create(store: StoreApi<OomtopState>, policy: GuardPolicy): GuardLink | string {
    const c = GuardController.fromPolicy(policy);
    return typeof c === 'string' ? c : new GuardLink(c, store);
  }

  cycle(): string {
    const mode = this.controller.cycleMode();
    return mode === 'armed' ? 'guard ARMED: it will signal processes when thresholds are crossed' : `guard ${mode}`;
  }

  headerLine(): string {
    const s = this.controller.status();
    const scopes = s.scopes.map((x) => `${x.scope} ${x.level}`).join(', ');
    return `guard: ${s.mode.toUpperCase()} (${s.thresholds}${s.mode !== 'off' && scopes ? `; ${scopes}` : ''})`;
  }

  dispose(): void {
    this.controller.dispose();
  }
}
