/**
 * Where the guard's events go besides its log: --webhook (every alert event), --notify and
 * --wall (when the guard acts, or a scope reaches high or critical). push() never waits:
 * each destination queues or drops on its own, so a slow receiver never slows the guard.
 */
import { LEVELS } from '../proc/pressure-level.js';
import { formatHuman } from './output.js';
import { sanitize } from '../text/sanitize.js';
import { DesktopNotifier, WallBroadcaster, type Urgency } from './notify.js';
import { DEFAULT_WEBHOOK_TIMEOUT_MS, WebhookSender } from './webhook.js';
import type { GuardEvent, GuardEventKind, GuardPolicy } from './types.js';

/** The events a webhook receives (the same object as the --json line). */
export const WEBHOOK_EVENTS: ReadonlySet<GuardEventKind> = new Set<GuardEventKind>([
  'level',
  'term',
  'kill',
  'would-term',
  'would-kill',
  'exited',
  'stuck',
  'no-victim',
  'handler',
  'oom-kill',
]);

const ACTS = new Set<GuardEventKind>(['term', 'kill', 'would-term', 'would-kill', 'oom-kill']);

/** Does a person get told (--notify, --wall)? When the guard acts, or a scope reaches high or critical. */
export function isPersonAlert(e: GuardEvent): boolean {
  if (ACTS.has(e.event)) return true;
  return e.event === 'level' && (e.pressure === 'high' || e.pressure === 'critical') && levelRank(e.pressure) > levelRank(e.previous);
}

function levelRank(l: string | undefined): number {
  return (LEVELS as readonly string[]).indexOf(l ?? 'normal');
}

/** A notification's title, body and urgency (names sanitized, as in the log). */
export function personMessage(e: GuardEvent): { title: string; body: string; urgency: Urgency } {
  const body = formatHuman(e).replace(/^\S+ /, '');
  const scope = sanitize(e.scope);
  const who = e.pid !== undefined ? `PID ${e.pid} (${sanitize(e.name ?? '?')})` : '';
  const title =
    e.event === 'kill' || e.event === 'term'
      ? `oomtop ended ${who} in ${scope}`
      : e.event === 'oom-kill'
        ? `The kernel's OOM killer ended ${who} in ${scope}`
      : e.event === 'would-kill' || e.event === 'would-term'
        ? `oomtop would end ${who} in ${scope} (dry run)`
        : `Memory pressure ${e.pressure} in ${scope}`;
  const urgency: Urgency = e.event === 'kill' || e.event === 'term' || e.event === 'oom-kill' || e.pressure === 'critical' ? 'critical' : 'normal';
  return { title, body, urgency };
}

export type AlertPolicy = Pick<GuardPolicy, 'webhooks' | 'webhookFormat' | 'webhookTimeoutMs' | 'notify' | 'wall'>;

export function wantsAlerts(p: AlertPolicy): boolean {
  return (p.webhooks?.length ?? 0) > 0 || p.notify === true || p.wall === true;
}

export class Alerts {
  readonly webhooks: WebhookSender | null;
  readonly desktop: DesktopNotifier | null;
  readonly wall: WallBroadcaster | null;

  /** problem: a delivery problem or a status line, for the guard's own log. */
  constructor(p: AlertPolicy, problem: (message: string) => void, env: { runUser?: string; path?: string } = {}) {
    this.webhooks =
      (p.webhooks?.length ?? 0) > 0
        ? new WebhookSender({ urls: p.webhooks!, format: p.webhookFormat ?? 'json', timeoutMs: p.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS, problem })
        : null;
    this.desktop = p.notify ? new DesktopNotifier({ ...env, problem }) : null;
    this.wall = p.wall ? new WallBroadcaster({ path: env.path, problem }) : null;
  }

  /** One line per destination of what it can reach (for the start of the log). */
  describe(): string[] {
    return [this.desktop?.describe(), this.wall?.describe(), this.webhooks ? `webhook: ${this.webhooks.stats().length} URL(s)` : undefined].filter(
      (x): x is string => x !== undefined,
    );
  }

  push(e: GuardEvent): void {
    if (this.webhooks && WEBHOOK_EVENTS.has(e.event)) this.webhooks.push(e);
    if ((this.desktop || this.wall) && isPersonAlert(e)) {
      const m = personMessage(e);
      this.desktop?.notify(m.title, m.body, m.urgency);
      void this.wall?.broadcast(`${m.title}\n${m.body}`);
    }
  }

  close(graceMs: number): Promise<void> {
    return this.webhooks?.close(graceMs) ?? Promise.resolve();
  }
}
