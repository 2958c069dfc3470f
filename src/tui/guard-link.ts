import type { StoreApi } from 'zustand/vanilla';
import { formatHuman, GuardController, type GuardEvent, type GuardPolicy } from '../guard/index.js';
import type { LogSeverity } from '../store/events.js';
import { oomKillEvent } from '../guard/kernel-kills.js';
import type { OomEvent } from '../kernel/types.js';
import type { OomtopState } from '../store/store.js';

const SEVERITY: Partial<Record<string, LogSeverity>> = { term: 'bad', kill: 'bad', 'would-kill': 'warn', exited: 'good', error: 'bad' };

const LEVEL_SEVERITY: Record<string, LogSeverity> = { normal: 'good', elevated: 'warn', high: 'bad', critical: 'bad' };

/** The TUI's guard: off until `g`, its decisions in the event log, its state in the header. */
export class GuardLink {
  private constructor(
    readonly controller: GuardController,
    store: StoreApi<OomtopState>,
  ) {
    controller.onDecision((e: GuardEvent) => {
      // The monitor logs the machine's own pressure level already (src/store/detect.ts).
      if (e.event === 'level' && e.scope === 'system') return;
      if (e.event === 'oom-kill') return; // logged by the kernel log's follower already
      const severity = e.event === 'handler' ? (e.exitCode === 0 ? 'info' : 'warn') : e.event === 'level' ? LEVEL_SEVERITY[e.pressure ?? 'normal'] : undefined;
      const text = formatHuman(e).replace(/^\S+ /, ''); // the log has its own clock
      store.getState().log('guard', severity ?? SEVERITY[e.event] ?? 'info', text);
    });
  }

  /** A message instead when a scope of the policy cannot be watched. */
  static create(store: StoreApi<OomtopState>, policy: GuardPolicy): GuardLink | string {
    const c = GuardController.fromPolicy(policy);
    return typeof c === 'string' ? c : new GuardLink(c, store);
  }

  /** A live kernel OOM kill (the monitor's kernel log follower) to the guard's webhooks, --notify and --wall. */
  kernelKill(ev: OomEvent): void {
    this.controller.alert(oomKillEvent(ev, Date.now()));
  }

  cycle(): string {
    const mode = this.controller.cycleMode();
    return mode === 'armed' ? 'guard ARMED: it will signal processes when thresholds are crossed' : `guard ${mode}`;
  }

  headerLine(): string {
    const s = this.controller.status();
    const scopes = s.scopes.map((x) => `${x.scope} ${x.level}`).join(', ');
    const handlers = this.controller.policy.onLevel?.length ?? 0;
    return `guard: ${s.mode.toUpperCase()} (${s.thresholds}${s.mode !== 'off' && scopes ? `; ${scopes}` : ''})${handlers > 0 ? `; handlers: ${handlers}` : ''}`;
  }

  dispose(): void {
    this.controller.dispose();
  }
}
