/**
 * The guard's decisions as the exporter shows them (oomtop guard --listen): the signals it
 * sent, by scope and signal, from the guard's own event stream. Structural types only: the
 * exporter does not import the guard.
 */
import type { GuardStats } from './collectors.js';

export interface GuardEventLike {
  event: string;
  scope: string;
  signal?: string;
}

export class GuardKillCounter {
  private readonly kills = new Map<string, { scope: string; signal: string; n: number }>();

  constructor(
    private readonly armed: boolean,
    /** Scopes come and go (containers): keep at most this many (scope, signal) pairs. */
    private readonly max = 1000,
  ) {}

  /** One guard event: `term` and `kill` are signals sent (the dry run's `would-*` are not). */
  observe(ev: GuardEventLike): void {
    if ((ev.event !== 'term' && ev.event !== 'kill') || !ev.signal) return;
    const k = `${ev.scope}\u0000${ev.signal}`;
    const e = this.kills.get(k) ?? { scope: ev.scope, signal: ev.signal, n: 0 };
    e.n++;
    this.kills.delete(k);
    this.kills.set(k, e);
    while (this.kills.size > this.max) this.kills.delete(this.kills.keys().next().value!);
  }

  stats(): GuardStats {
    return { armed: this.armed, kills: this.kills };
  }
}
