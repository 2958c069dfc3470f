/**
 * --webhook URL: each alert event POSTed as JSON (the --json line, or Slack/Mattermost's
 * {"text": ...} with --webhook-format slack), off the guard's path: push() only queues.
 * One request in flight per URL, a timeout on each, a bounded retry with backoff, and a
 * bounded queue that drops the oldest event (counted, and said) when a receiver is slow
 * or gone. node:http/https only: the headless guard loads no package.
 */
import { createRequire } from 'node:module';
import { formatHuman, formatJson } from './output.js';
import type { GuardEvent } from './types.js';

// Loaded on the first POST: node:https brings TLS and crypto (about 4 MiB of RSS, measured),
// which a guard without --webhook should not carry for months.
const load = createRequire(import.meta.url);
let httpMod: typeof import('node:http') | null = null;
let httpsMod: typeof import('node:https') | null = null;
const http = () => (httpMod ??= load('node:http') as typeof import('node:http'));
const https = () => (httpsMod ??= load('node:https') as typeof import('node:https'));

export type WebhookFormat = 'json' | 'slack';

export const WEBHOOK_QUEUE_MAX = 100;
export const WEBHOOK_ATTEMPTS = 3;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;

/** A URL the guard may POST to, or why not. */
export function checkWebhookUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `"${url}": only http:// and https:// URLs`;
  return null;
}

/** The request body for one event. */
export function webhookBody(e: GuardEvent, format: WebhookFormat): string {
  return format === 'slack' ? JSON.stringify({ text: `oomtop: ${formatHuman(e)}` }) : formatJson(e);
}

/** Retry after a network error, a timeout, 429 or a 5xx; a 2xx is done; any other answer is final. */
export function retryable(status: number | null): boolean {
  return status === null || status === 429 || status >= 500;
}

/** One POST; resolves with the status (null: no answer in time, or a network error) and never rejects. */
export function post(url: string, body: string, timeoutMs: number): Promise<{ status: number | null; error: string | null }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, error });
    };
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https() : http();
    const req = mod.request(u, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'oomtop' },
    });
    // The whole exchange, not only an idle socket: a receiver that trickles is cut off too.
    const timer = setTimeout(() => {
      req.destroy();
      done(null, `no answer in ${timeoutMs} ms`);
    }, timeoutMs);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? null, null));
      res.on('error', (e) => done(null, e.message));
    });
    req.on('error', (e) => done(null, e.message));
    req.end(body);
  });
}

export interface WebhookOptions {
  urls: readonly string[];
  format: WebhookFormat;
  timeoutMs: number;
  /** A delivery problem, for the guard's own log (never itself sent to a webhook). */
  problem: (message: string) => void;
  queueMax?: number;
  attempts?: number;
  /** Backoff before retry n (1-based), ms. */
  backoffMs?: (attempt: number) => number;
}

interface Target {
  url: string;
  queue: Array<{ body: string; attempt: number }>;
  busy: boolean;
  dropped: number;
  /** A failure was reported and nothing got through since (one message per outage). */
  failing: boolean;
  delivered: number;
}

export class WebhookSender {
  private readonly targets: Target[];
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: WebhookOptions) {
    this.targets = opts.urls.map((url) => ({ url, queue: [], busy: false, dropped: 0, failing: false, delivered: 0 }));
  }

  /** Queue an event for every URL; O(1), no I/O here. */
  push(e: GuardEvent): void {
    if (this.closed) return;
    const body = webhookBody(e, this.opts.format);
    const max = this.opts.queueMax ?? WEBHOOK_QUEUE_MAX;
    for (const t of this.targets) {
      if (t.queue.length >= max) {
        t.queue.shift();
        if (t.dropped++ === 0) this.opts.problem(`webhook ${redact(t.url)}: queue full (${max}), dropping the oldest events`);
      }
      t.queue.push({ body, attempt: 1 });
      this.pump(t);
    }
  }

  /** Queued plus in flight, per URL (for tests and the report). */
  stats(): Array<{ url: string; queued: number; busy: boolean; dropped: number; delivered: number }> {
    return this.targets.map((t) => ({ url: t.url, queued: t.queue.length, busy: t.busy, dropped: t.dropped, delivered: t.delivered }));
  }

  private pump(t: Target): void {
    if (t.busy || this.closed) return;
    const item = t.queue.shift();
    if (!item) {
      this.checkIdle();
      return;
    }
    t.busy = true;
    void post(t.url, item.body, this.opts.timeoutMs).then(({ status, error }) => {
      t.busy = false;
      if (status !== null && status >= 200 && status < 300) {
        t.delivered++;
        t.failing = false;
      } else {
        const why = error ?? `HTTP ${status}`;
        const attempts = this.opts.attempts ?? WEBHOOK_ATTEMPTS;
        if (retryable(status) && item.attempt < attempts && !this.closed) {
          // Retried first, after a backoff during which nothing else is sent (order is kept).
          const wait = (this.opts.backoffMs ?? ((n) => 1000 * 2 ** (n - 1)))(item.attempt);
          t.busy = true;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            t.busy = false;
            t.queue.unshift({ body: item.body, attempt: item.attempt + 1 });
            this.pump(t);
          }, wait);
          this.timers.add(timer);
          if (!t.failing) this.opts.problem(`webhook ${redact(t.url)}: ${why}; retrying`);
          t.failing = true;
          return;
        }
        this.opts.problem(`webhook ${redact(t.url)}: ${why}; event not delivered`);
        t.failing = true;
      }
      this.pump(t);
    });
  }

  private checkIdle(): void {
    if (this.targets.every((t) => !t.busy && t.queue.length === 0)) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Wait up to graceMs for the queues to drain, then drop what is left; no timer outlives this. */
  async close(graceMs: number): Promise<void> {
    if (!this.targets.every((t) => !t.busy && t.queue.length === 0)) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, graceMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const t of this.targets) t.queue.length = 0;
  }
}

/** A webhook URL in a log line without its secret part (Slack's token is the path). */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : '/'}`;
  } catch {
    return '(bad URL)';
  }
}
