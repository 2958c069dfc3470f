/**
 * A container runtime socket that accepts and never answers, or answers a byte at a time
 * forever (a wedged dockerd): every lookup the TUI, the guard and analyze make must give up
 * within its timeout. Real unix-socket servers in a temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectContainer, pastEvents, watchEvents } from '../../src/containers/engine.js';
import { containersOfKills } from '../../src/containers/kills.js';
import { dockerSocketSource } from '../../src/containers/sources.js';

let dir: string;
const servers: Server[] = [];
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

function serve(name: string, onConn: (s: Socket) => void): Promise<string> {
  const path = join(dir, name);
  const srv = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onConn(s);
  });
  servers.push(srv);
  return new Promise((resolve) => srv.listen(path, () => resolve(path)));
}

let silent: string;
let trickle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oomtop-sock-'));
  silent = await serve('silent.sock', () => undefined); // reads the request, never writes a byte
  trickle = await serve('trickle.sock', (s) => {
    // Headers, then a body of one byte every 100 ms that never ends: no idle timeout ever fires.
    s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n[');
    const t = setInterval(() => s.writable && s.write(' '), 100);
    timers.push(t);
    s.on('close', () => clearInterval(t));
  });
});

afterAll(() => {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with what the promise settled to, or 'hung' after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<{ ok: T } | { error: Error } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)));
  try {
    return await Promise.race([p.then((ok) => ({ ok }), (error: Error) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a container runtime socket that never answers', () => {
  for (const which of ['silent', 'trickle'] as const) {
    const sock = () => (which === 'silent' ? silent : trickle);
    it(`${which}: the name table (TUI, guard --all-containers) gives up within its timeout`, async () => {
      const r = await within(dockerSocketSource(sock()).list(500), 10_000);
      expect(r).not.toBe('hung');
      expect(r).toMatchObject({ error: { code: 'ETIMEDOUT' } });
    });

    it(`${which}: inspect and past events (analyze, the guard's Engine witness) give up within theirs`, async () => {
      expect(await within(inspectContainer(sock(), 'web', 500), 10_000)).toMatchObject({ error: { code: 'ETIMEDOUT' } });
      expect(await within(pastEvents(sock(), 0, 500), 10_000)).toMatchObject({ error: { code: 'ETIMEDOUT' } });
    });

    it(`${which}: a kill in a Docker cgroup is still reported, without the Engine's word`, async () => {
      const id = 'a'.repeat(64);
      const r = await within(containersOfKills([{ memcgPath: `/docker/${id}`, timeMs: Date.now(), pid: 1 } as never], sock(), 500), 10_000);
      expect(r).not.toBe('hung');
      if (r === 'hung' || 'error' in r) throw new Error(`containersOfKills: ${JSON.stringify(r)}`);
      expect(r.ok).toHaveLength(1);
    });
  }

  it('the event stream of a silent socket closes with a reason after its connect timeout', async () => {
    const reason = await within(new Promise<string>((resolve) => watchEvents(silent, () => undefined, resolve, { connectTimeoutMs: 500 })), 10_000);
    expect(reason).toMatchObject({ ok: expect.stringMatching(/no answer on \/events|closed/) });
  });
});
