import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerNamer, execaRunner } from '../../src/containers/names.js';
import {
  cliSources,
  dockerSocketSource,
  parseCrictlPods,
  parseCrictlPs,
  parseDockerApi,
  parseDockerPs,
  parseKubectlPods,
  parsePodmanPs,
  type NameSource,
  type NameTable,
  type Runner,
} from '../../src/containers/sources.js';
import type { ContainerInfo } from '../../src/cgroup/types.js';
import { FIXTURES } from '../cgroup/fixtures.js';

const rt = (f: string) => readFileSync(join(FIXTURES, 'runtime', f), 'utf8');
const A = 'ab'.repeat(32);
const B = '1f'.repeat(32);
const P = '2e'.repeat(32);
const C = '3d'.repeat(32);
const UID = '0b6b2c1d-8f3e-4a5b-9c7d-1e2f3a4b5c6d';

describe('runtime listing parsers', () => {
  it('Docker Engine API', () => {
    const t = parseDockerApi(rt('docker-api.json'));
    expect(t.containers.get(A)).toBe('web');
    expect(t.containers.get(B)).toBe('k8s_api_api-7d9f_default_0b6b2c1d-8f3e-4a5b-9c7d-1e2f3a4b5c6d_0');
    expect(t.containers.size).toBe(2);
    expect(t.pods.get(UID)).toBe('default/api-7d9f');
  });

  it('docker ps with a tab format', () => {
    const t = parseDockerPs(rt('docker-ps.txt'));
    expect(t.containers.get(A)).toBe('web');
    expect(t.pods.get(UID)).toBe('default/api-7d9f');
    expect(t.pods.size).toBe(1);
  });

  it('podman ps --format json', () => {
    expect(parsePodmanPs(rt('podman-ps.json')).containers.get(C)).toBe('quirky_lamarr');
  });

  it('crictl ps / pods', () => {
    const ps = parseCrictlPs(rt('crictl-ps.json'));
    expect(ps.containers.get(B)).toBe('api');
    expect(ps.pods.get(UID)).toBe('default/api-7d9f');
    const pods = parseCrictlPods(rt('crictl-pods.json'));
    expect(pods.pods.get(UID)).toBe('default/api-7d9f');
    expect(pods.containers.get(P)).toBe('POD');
  });

  it('kubectl get pods -o json: pods and their (init) container ids', () => {
    const t = parseKubectlPods(rt('kubectl-pods.json'));
    expect(t.pods.get(UID)).toBe('default/api-7d9f');
    expect(t.pods.get('ffffffff-0000-4000-8000-000000000000')).toBe('jobs/pending');
    expect(t.containers.get(B)).toBe('api');
    expect(t.containers.get(C)).toBe('migrate');
  });

  it('malformed output throws (the namer counts the source as failed)', () => {
    expect(() => parseCrictlPs('not json')).toThrow();
    expect(parseCrictlPs('{}').containers.size).toBe(0);
  });
});

describe('CLI sources', () => {
  it('run the listing commands with the timeout and parse their output', async () => {
    const calls: string[] = [];
    const outputs: Record<string, string> = {
      docker: rt('docker-ps.txt'),
      podman: rt('podman-ps.json'),
      'crictl ps': rt('crictl-ps.json'),
      'crictl pods': rt('crictl-pods.json'),
      kubectl: rt('kubectl-pods.json'),
    };
    const run: Runner = async (cmd, args, { timeoutMs }) => {
      calls.push(`${cmd} ${args.join(' ')} @${timeoutMs}`);
      const key = cmd === 'crictl' ? `crictl ${args[0]}` : cmd;
      return { stdout: outputs[key]! };
    };
    const tables = await Promise.all(cliSources(run).map((s) => s.list(1500)));
    expect(tables.map((t) => t.containers.size)).toEqual([2, 1, 2, 2]);
    expect(calls).toContain('kubectl get pods -A -o json --request-timeout=1s @1500');
    expect(calls.some((c) => c.startsWith('docker ps -a --no-trunc --format {{.ID}}\t{{.Names}}'))).toBe(true);
    expect(calls.filter((c) => c.startsWith('crictl'))).toHaveLength(2);
  });
});

describe('Docker socket source', () => {
  let dir: string;
  let server: Server;
  let hang: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oomtop-sock-'));
    server = createServer((req, res) => {
      if (req.url === '/containers/json?all=1') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(rt('docker-api.json'));
      } else {
        res.writeHead(404);
        res.end('{}');
      }
    });
    hang = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => server.listen(join(dir, 'docker.sock'), r));
    await new Promise<void>((r) => hang.listen(join(dir, 'hang.sock'), r));
  });
  afterAll(async () => {
    hang.closeAllConnections();
    await new Promise((r) => server.close(r));
    await new Promise((r) => hang.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists containers over the unix socket', async () => {
    const t = await dockerSocketSource(join(dir, 'docker.sock')).list(1000);
    expect(t.containers.get(A)).toBe('web');
  });

  it('gives up after the timeout when the daemon hangs', async () => {
    const t0 = Date.now();
    await expect(dockerSocketSource(join(dir, 'hang.sock')).list(200)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a missing socket fails fast', async () => {
    await expect(dockerSocketSource(join(dir, 'none.sock')).list(1000)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('execaRunner', () => {
  it('an absent binary rejects with ENOENT', async () => {
    await expect(execaRunner('oomtop-no-such-runtime-cli', [], { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a hanging command is killed at the timeout, with the children holding its output open', async () => {
    const t0 = Date.now();
    await expect(execaRunner('sh', ['-c', 'sleep 10; echo late'], { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      timedOut: true,
    });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a failing command rejects with its exit code', async () => {
    await expect(execaRunner('sh', ['-c', 'echo nope >&2; exit 3'], { timeoutMs: 2000 })).rejects.toMatchObject({ exitCode: 3 });
  });

  it('returns stdout', async () => {
    expect((await execaRunner('sh', ['-c', 'echo hi'], { timeoutMs: 2000 })).stdout).toBe('hi');
  });
});

function table(containers: [string, string][], pods: [string, string][] = []): NameTable {
  return { containers: new Map(containers), pods: new Map(pods), details: new Map() };
}

function source(name: string, impl: () => Promise<NameTable>): NameSource & { calls: number } {
  const s = {
    name,
    calls: 0,
    list: async () => {
      s.calls++;
      return impl();
    },
  };
  return s;
}

const enoent = () => Promise.reject(Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' }));
const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
const docker = (id: string): ContainerInfo => ({ runtime: 'docker', id, name: null, pod: null });

describe('ContainerNamer', () => {
  it('lookup never waits: a miss returns null at once and the name arrives with onUpdate', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = source('fake', async () => {
      await gate;
      return table([[A, 'web']]);
    });
    const namer = new ContainerNamer({ sources: [s] });
    let updates = 0;
    namer.onUpdate(() => updates++);
    expect(namer.lookup(docker(A))).toBeNull();
    expect(namer.lookup(docker(A))).toBeNull(); // one refresh in flight, not two
    expect(s.calls).toBe(1);
    release();
    await namer.idle();
    expect(updates).toBe(1);
    expect(namer.lookup(docker(A))).toBe('web');
    expect(namer.status()).toEqual({ reachable: ['fake'], message: null });
  });

  it('resolve fills container and pod names', async () => {
    const s = source('crictl', async () => table([[B, 'api']], [[UID, 'default/api-7d9f']]));
    const namer = new ContainerNamer({ sources: [s] });
    await namer.refresh();
    const info: ContainerInfo = { runtime: 'containerd', id: B, name: null, pod: { uid: UID, qos: 'burstable', name: null } };
    expect(namer.resolve(info)).toEqual({ ...info, name: 'api', pod: { uid: UID, qos: 'burstable', name: 'default/api-7d9f' } });
    expect(info.name).toBeNull(); // the input is not mutated
  });

  it('systemd units and sessions never trigger a runtime lookup', () => {
    const s = source('fake', async () => table([]));
    const namer = new ContainerNamer({ sources: [s] });
    expect(namer.lookup({ runtime: 'systemd-service', id: 'nginx.service', name: null, pod: null })).toBeNull();
    expect(namer.lookup({ runtime: 'lxc', id: 'web1', name: null, pod: null })).toBeNull();
    expect(s.calls).toBe(0);
  });

  it('says once that no runtime is reachable, and skips absent ones for a long time', async () => {
    let now = 0;
    const absent = source('podman', enoent);
    const down = source('docker', refused);
    const namer = new ContainerNamer({ sources: [absent, down], now: () => now, refreshMs: 30_000, missRetryMs: 5_000 });
    const said: string[] = [];
    namer.onStatus((m) => said.push(m));
    namer.lookup(docker(A));
    await namer.idle();
    expect(said).toEqual(['no container runtime reachable (tried podman, docker): showing short IDs']);
    expect(namer.status().message).toBe(said[0]);
    // Misses inside missRetryMs do not ask again.
    now = 1000;
    namer.lookup(docker(A));
    await namer.idle();
    expect(down.calls).toBe(1);
    // After missRetryMs the daemon that refused is asked again, the absent CLI is not.
    now = 6000;
    namer.lookup(docker(A));
    await namer.idle();
    expect(down.calls).toBe(1); // refused → retried after refreshMs, not missRetryMs
    now = 31_000;
    namer.lookup(docker(A));
    await namer.idle();
    expect(down.calls).toBe(2);
    expect(absent.calls).toBe(1);
    expect(said).toHaveLength(1);
    // A late subscriber hears the message too.
    const late: string[] = [];
    namer.onStatus((m) => late.push(m));
    expect(late).toHaveLength(1);
  });

  it('keeps names when a runtime fails later, and refreshes a stale table', async () => {
    let now = 0;
    let ok = true;
    let name = 'web';
    const s = source('docker', async () => (ok ? table([[A, name]]) : refused()));
    const namer = new ContainerNamer({ sources: [s], now: () => now, refreshMs: 30_000 });
    await namer.refresh();
    ok = false;
    now = 40_000;
    expect(namer.lookup(docker(A))).toBe('web'); // stale: schedules a refresh
    await namer.idle();
    expect(s.calls).toBe(2);
    expect(namer.lookup(docker(A))).toBe('web');
    ok = true;
    name = 'web-renamed';
    now = 50_000; // neither stale nor a miss: nobody is asked
    namer.lookup(docker(A));
    await namer.idle();
    expect(s.calls).toBe(2);
    now = 70_000; // stale again, and the failed source is due
    namer.lookup(docker(A));
    await namer.idle();
    expect(s.calls).toBe(3);
    expect(namer.lookup(docker(A))).toBe('web-renamed');
  });

  it('caps the per-call timeout at 2 s', async () => {
    const seen: number[] = [];
    const s: NameSource = { name: 'x', list: async (t) => (seen.push(t), table([])) };
    await new ContainerNamer({ sources: [s], timeoutMs: 10_000 }).refresh();
    expect(seen).toEqual([2000]);
  });
});
