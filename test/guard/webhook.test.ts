import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGuardArgs } from '../../src/cli/guard-args.js';
import { makeEvent } from '../../src/guard/decide.js';
import { GuardEngine } from '../../src/guard/engine.js';
import { GuardLoop } from '../../src/guard/loop.js';
import { formatJson } from '../../src/guard/output.js';
import { buildScopes } from '../../src/guard/setup.js';
import type { GuardEvent } from '../../src/guard/types.js';
import { WEBHOOK_QUEUE_MAX, WebhookSender, redact, retryable } from '../../src/guard/webhook.js';
import { until } from '../helpers/wait.js';
import { policy, sample } from './helpers.js';
import { TestCgroup, realSkipReason } from './realcg.js';

/** A receiver on loopback: records each POST; `answer` decides the status (null: never answers). */
async function receiver(answer: (n: number) => number | null = () => 200) {
  const bodies: string[] = [];
  const sockets = new Set<Socket>();
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      bodies.push(body);
      const status = answer(++n);
      if (status !== null) res.writeHead(status).end('ok');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-token`;
  const close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  cleanups.push(close);
  return { url, bodies, requests: () => n };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ev = (i: number): GuardEvent =>
  makeEvent('kill', '/app', sample(40), Date.UTC(2025, 0, 1) + i, { pid: 100 + i, name: `p${i}`, signal: 'SIGKILL', level: 'kill', trigger: 'memory', rssKiB: 1024 });

describe('--webhook options', () => {
  it('parses URLs, the format and the timeout; rejects what is not http(s)', () => {
    const p = policy(['--webhook', 'http://127.0.0.1:9/a', '--webhook', 'https://hooks.example/x', '--webhook-format', 'slack', '--webhook-timeout', '2', '--notify', '--wall']);
    expect(p).toMatchObject({ webhooks: ['http://127.0.0.1:9/a', 'https://hooks.example/x'], webhookFormat: 'slack', webhookTimeoutMs: 2000, notify: true, wall: true });
    expect(() => parseGuardArgs(['--webhook', 'ftp://x/'])).toThrow(/--webhook: "ftp:\/\/x\/": only http/);
    expect(() => parseGuardArgs(['--webhook', 'not a url'])).toThrow(/is not a URL/);
    expect(() => parseGuardArgs(['--webhook', 'http://x/', '--webhook-format', 'xml'])).toThrow(/"xml" is not a format/);
    expect(() => parseGuardArgs(['--webhook-format', 'slack'])).toThrow(/need --webhook/);
  });

  it('retries only what may succeed later, and never logs the URL path (a token)', () => {
    expect([null, 429, 500, 503].map(retryable)).toEqual([true, true, true, true]);
    expect([400, 404, 410].map(retryable)).toEqual([false, false, false]);
    expect(redact('https://hooks.slack.com/services/T0/B0/XYZ')).toBe('https://hooks.slack.com/…');
  });
});

describe('webhook delivery to a receiver on loopback', () => {
  it('POSTs each event as its --json line, in order', async () => {
    const r = await receiver();
    const problems: string[] = [];
    const w = new WebhookSender({ urls: [r.url], format: 'json', timeoutMs: 5000, problem: (m) => problems.push(m) });
    for (let i = 0; i < 3; i++) w.push(ev(i));
    await until(() => r.bodies.length === 3, 10_000);
    expect(r.bodies).toEqual([0, 1, 2].map((i) => formatJson(ev(i))));
    await until(() => w.stats()[0]!.delivered === 3, 5000);
    expect(problems).toEqual([]);
  });

  it('--webhook-format slack sends {"text": ...} with the human line, sanitized', async () => {
    const r = await receiver();
    const w = new WebhookSender({ urls: [r.url], format: 'slack', timeoutMs: 5000, problem: () => {} });
    w.push(makeEvent('kill', '/app', sample(40), Date.UTC(2025, 0, 1), { pid: 7, name: 'evil\u001b[2J', signal: 'SIGKILL', level: 'kill', trigger: 'memory' }));
    await until(() => r.bodies.length === 1, 10_000);
    const body = JSON.parse(r.bodies[0]!) as { text: string };
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(/^oomtop: 2025-01-01T00:00:00.000Z guard \/app: sent SIGKILL to PID 7 \(evil/);
    expect(body.text).not.toContain('\u001b');
  });

  it('retries a 503 and then delivers; a 404 is reported and not retried', async () => {
    const r = await receiver((n) => (n === 1 ? 503 : 200));
    const problems: string[] = [];
    const w = new WebhookSender({ urls: [r.url], format: 'json', timeoutMs: 5000, problem: (m) => problems.push(m), backoffMs: () => 10 });
    w.push(ev(1));
    await until(() => w.stats()[0]!.delivered === 1, 10_000);
    expect(r.bodies).toEqual([formatJson(ev(1)), formatJson(ev(1))]);
    expect(problems).toEqual([`webhook ${redact(r.url)}: HTTP 503; retrying`]);
    expect(problems.join()).not.toContain('secret-token');

    const gone = await receiver(() => 404);
    const p2: string[] = [];
    const w2 = new WebhookSender({ urls: [gone.url], format: 'json', timeoutMs: 5000, problem: (m) => p2.push(m), backoffMs: () => 10 });
    w2.push(ev(2));
    await until(() => p2.length === 1, 10_000);
    expect(p2[0]).toMatch(/HTTP 404; event not delivered/);
    await new Promise((res) => setTimeout(res, 100));
    expect(gone.requests()).toBe(1);
  });

  it('a receiver that never answers: push returns at once, the queue stays bounded, the request times out', async () => {
    const r = await receiver(() => null);
    const problems: string[] = [];
    const w = new WebhookSender({ urls: [r.url], format: 'json', timeoutMs: 300, problem: (m) => problems.push(m), attempts: 1 });
    for (let i = 0; i < 3 * WEBHOOK_QUEUE_MAX; i++) w.push(ev(i));
    const s = w.stats()[0]!;
    expect(s.queued).toBe(WEBHOOK_QUEUE_MAX);
    expect(s.dropped).toBe(3 * WEBHOOK_QUEUE_MAX - WEBHOOK_QUEUE_MAX - 1);
    expect(problems[0]).toMatch(/queue full \(100\), dropping the oldest events/);
    await until(() => problems.some((p) => /no answer in 300 ms; event not delivered/.test(p)), 10_000);
    await w.close(0);
    expect(w.stats()[0]!.queued).toBe(0);
  });
});

const skip = realSkipReason();
describe.skipIf(skip !== null)('the guard with a webhook receiver that never answers (real cgroup)', () => {
  it('still ends a hog before the kernel OOM killer, and a live receiver gets the same JSON', async () => {
    const dead = await receiver(() => null);
    const live = await receiver();
    const g = new TestCgroup(256);
    cleanups.push(() => g.cleanup());
    const state = mkdtempSync(join(tmpdir(), 'oomtop-webhook-state-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    const p = policy(['--cgroup', g.path, '--state-dir', state, '--webhook', dead.url, '--webhook', live.url, '--webhook-timeout', '30']);
    const setup = buildScopes(p);
    if (!setup.ok) throw new Error(setup.message);
    const events: GuardEvent[] = [];
    const engine = new GuardEngine({ policy: p, emit: (e) => events.push(e), stateDir: state });
    for (const rd of setup.readers) engine.addScope(rd);
    const loop = new GuardLoop(engine, { reportMs: null, emit: (e) => events.push(e) });
    loop.start();
    cleanups.push(() => (loop.stop(), engine.shutdown()));
    await until(() => events.some((e) => e.event === 'notice' && /holding the cgroup/.test(e.message ?? '')), 5000);
    const before = g.oomControl().oomKill;
    const hog = await g.startHog(['--rate', '500']);
    const sig = await Promise.race([hog.exited, new Promise((res) => setTimeout(() => res('timeout'), 20_000))]);
    expect(sig === 'SIGTERM' || sig === 'SIGKILL').toBe(true);
    expect(g.oomControl().oomKill).toBe(before);
    await until(() => events.some((e) => e.event === 'exited' && e.pid === hog.pid), 5000);
    // The dead receiver holds its first request open; the live one got every alert event as its JSON line.
    expect(dead.requests()).toBe(1);
    const sent = events.filter((e) => ['level', 'term', 'kill', 'exited'].includes(e.event)).map(formatJson);
    await until(() => sent.every((s) => live.bodies.includes(s)), 10_000);
    expect(live.bodies.map((b) => (JSON.parse(b) as GuardEvent).event)).toContain('exited');
  });
});
