import type { ClientRequest } from 'node:http';
import { createRequire } from 'node:module';

// node:http on the first request to the Engine: a guard or a monitor on a box without Docker
// never loads it (with its streams and sockets, about 2.5 MiB of RSS, measured).
let httpRequest: typeof import('node:http').request | null = null;
const request: typeof import('node:http').request = ((...args: Parameters<typeof import('node:http').request>) =>
  (httpRequest ??= (createRequire(import.meta.url)('node:http') as typeof import('node:http')).request)(...args)) as typeof import('node:http').request;

/**
 * The Docker Engine API over its unix socket (node:http only, so the headless guard can use
 * it): where the socket is (DOCKER_HOST), the container list, one container's state, and the
 * streaming GET /events that keeps a name cache current without polling. Parsers are pure and
 * tested against the real Engine's answers.
 */

export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

export interface ComposeInfo {
  project: string;
  service: string | null;
}

/** What the Engine says about one container, cached by its full id. */
export interface ContainerDetails {
  id: string;
  name: string;
  image: string | null;
  compose: ComposeInfo | null;
}

export type DockerHost = { socket: string; error?: undefined } | { socket?: undefined; error: string };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The Engine's socket from DOCKER_HOST (unix:// only; tcp:// and ssh:// are left to the docker CLI). */
export function dockerHost(env: Record<string, string | undefined> = process.env): DockerHost {
  const h = env.DOCKER_HOST?.trim();
  if (!h) return { socket: DEFAULT_DOCKER_SOCKET };
  const m = /^unix:\/\/(\/.*)$/.exec(h);
  if (m) return { socket: m[1]! };
  if (h.startsWith('/')) return { socket: h };
  return { error: `DOCKER_HOST=${h} is not a unix socket (unix:///path); oomtop reads the Engine over a local socket only` };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function composeOf(labels: Json | null | undefined): ComposeInfo | null {
  const project = str(labels?.[COMPOSE_PROJECT]);
  return project ? { project, service: str(labels?.[COMPOSE_SERVICE]) ?? null } : null;
}

/** GET /containers/json?all=1 → one entry per container. */
export function parseContainerList(text: string): ContainerDetails[] {
  const out: ContainerDetails[] = [];
  for (const c of arr(JSON.parse(text))) {
    const o = obj(c);
    const id = str(o?.Id);
    const name = str(arr(o?.Names)[0]);
    if (id && name) out.push({ id, name: name.replace(/^\//, ''), image: str(o?.Image) ?? null, compose: composeOf(obj(o?.Labels)) });
  }
  return out;
}

export interface ContainerState extends ContainerDetails {
  running: boolean;
  /** Main process (host PID namespace); null when not running. */
  pid: number | null;
  oomKilled: boolean;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** GET /containers/{id}/json. */
export function parseInspect(text: string): ContainerState {
  const o = obj(JSON.parse(text));
  const id = str(o?.Id);
  const name = str(o?.Name);
  if (!id || !name) throw new Error('Engine answer without Id or Name');
  const cfg = obj(o?.Config);
  const st = obj(o?.State);
  const pid = typeof st?.Pid === 'number' && st.Pid > 0 ? st.Pid : null;
  const time = (v: unknown) => {
    const s = str(v);
    return s && !s.startsWith('0001-') ? s : null;
  };
  return {
    id,
    name: name.replace(/^\//, ''),
    image: str(cfg?.Image) ?? null,
    compose: composeOf(obj(cfg?.Labels)),
    running: st?.Running === true,
    pid,
    oomKilled: st?.OOMKilled === true,
    exitCode: typeof st?.ExitCode === 'number' ? st.ExitCode : null,
    startedAt: time(st?.StartedAt),
    finishedAt: time(st?.FinishedAt),
  };
}

/** One container event of GET /events (the Actor's attributes carry name, image and labels). */
export interface EngineEvent {
  action: string;
  id: string;
  name: string | null;
  image: string | null;
  compose: ComposeInfo | null;
  /** Epoch ms (from timeNano). */
  timeMs: number;
  exitCode: number | null;
}

/** The actions oomtop follows: enough to keep names current and to witness OOM kills. */
export const FOLLOWED_ACTIONS = ['create', 'start', 'restart', 'rename', 'die', 'oom', 'destroy'] as const;

export function eventsPath(opts: { since?: number; until?: number } = {}): string {
  const filters = JSON.stringify({ type: ['container'], event: FOLLOWED_ACTIONS });
  const q = new URLSearchParams({ filters });
  if (opts.since !== undefined) q.set('since', String(opts.since));
  if (opts.until !== undefined) q.set('until', String(opts.until));
  return `/events?${q.toString()}`;
}

export function parseEngineEvent(line: string): EngineEvent | null {
  let o: Json | null;
  try {
    o = obj(JSON.parse(line));
  } catch {
    return null;
  }
  if (!o || (str(o.Type) ?? str(o.type)) !== 'container') return null;
  const action = str(o.Action) ?? str(o.status);
  const actor = obj(o.Actor);
  const id = str(actor?.ID) ?? str(o.id);
  if (!action || !id) return null;
  const attrs = obj(actor?.Attributes);
  const nano = typeof o.timeNano === 'number' ? o.timeNano / 1e6 : typeof o.time === 'number' ? o.time * 1000 : Date.now();
  const exit = str(attrs?.exitCode);
  return {
    // "exec_start: sh -c …" and "health_status: healthy" carry a suffix; keep the verb.
    action: action.split(':')[0]!,
    id,
    name: str(attrs?.name) ?? null,
    image: str(attrs?.image) ?? str(o.from) ?? null,
    compose: composeOf(attrs),
    timeMs: Math.round(nano),
    exitCode: exit !== undefined && /^\d+$/.test(exit) ? Number(exit) : null,
  };
}

/** One request on the socket; resolves with status and body (no rejection on HTTP errors). */
/**
 * One GET on the Engine's socket, whole answer within timeoutMs. The socket's idle timeout alone
 * is not enough: an Engine that trickles a byte now and then never goes idle (a test's server
 * sending one byte every 100 ms kept every lookup waiting forever), so a deadline ends it too.
 */
export function engineRequest(socketPath: string, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const timeout = () => Object.assign(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
    const deadline = setTimeout(() => req.destroy(timeout()), timeoutMs);
    const done = () => clearTimeout(deadline);
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs, headers: { Host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        done();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => {
        done();
        reject(e);
      });
    });
    req.on('timeout', () => req.destroy(timeout()));
    req.on('error', (e) => {
      done();
      reject(e);
    });
    req.end();
  });
}

/** The Engine's state of one container by name or id; null when it does not exist. */
export async function inspectContainer(socketPath: string, idOrName: string, timeoutMs = 2000): Promise<ContainerState | null> {
  const r = await engineRequest(socketPath, `/containers/${encodeURIComponent(idOrName)}/json`, timeoutMs);
  if (r.status === 404) return null;
  if (r.status !== 200) throw Object.assign(new Error(`HTTP ${r.status} from ${socketPath}: ${r.body.trim().slice(0, 200)}`), { code: 'EHTTP' });
  return parseInspect(r.body);
}

/** Past container events still held by the Engine (it keeps the last ones in memory). */
export async function pastEvents(socketPath: string, sinceSec: number, timeoutMs = 2000): Promise<EngineEvent[]> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const r = await engineRequest(socketPath, eventsPath({ since: Math.max(0, Math.floor(sinceSec)), until }), timeoutMs);
  if (r.status !== 200) throw Object.assign(new Error(`HTTP ${r.status} from ${socketPath}`), { code: 'EHTTP' });
  return r.body.split('\n').map(parseEngineEvent).filter((e): e is EngineEvent => e !== null);
}

export interface EventWatch {
  close(): void;
}

/**
 * Follow GET /events (a response that never ends: one JSON object per line). onClose is
 * called once, with the reason, when the Engine goes away (not after close()).
 */
export function watchEvents(
  socketPath: string,
  onEvent: (ev: EngineEvent) => void,
  onClose: (reason: string) => void,
  opts: { onOpen?: () => void; connectTimeoutMs?: number } = {},
): EventWatch {
  let closed = false;
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    onClose(reason);
  };
  const req: ClientRequest = request({ socketPath, path: eventsPath(), method: 'GET', headers: { Host: 'docker' } }, (res) => {
    clearTimeout(connect);
    if (res.statusCode !== 200) {
      res.resume();
      finish(`HTTP ${res.statusCode} on /events`);
      return;
    }
    opts.onOpen?.();
    let rest = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const ev = l.trim() === '' ? null : parseEngineEvent(l);
        if (ev && !closed) onEvent(ev);
      }
    });
    res.on('end', () => finish('the Engine closed the event stream'));
    res.on('error', (e) => finish(e.message));
  });
  const connect = setTimeout(() => req.destroy(new Error('no answer on /events')), opts.connectTimeoutMs ?? 2000);
  connect.unref?.();
  req.on('error', (e) => finish(e.message));
  req.on('close', () => finish('the event stream closed'));
  req.end();
  // The stream must not keep a headless process alive on its own.
  req.on('socket', (s) => s.unref());
  return {
    close: () => {
      clearTimeout(connect);
      if (!closed) {
        closed = true;
        req.destroy();
      }
    },
  };
}
