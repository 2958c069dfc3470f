import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podmanSkipReason, TestPodman } from '../helpers/podman.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The same for rootful Podman (private storage and `podman system service` socket): names
 * and image through its Docker-compatible API with DOCKER_HOST pointing at it, a kernel kill
 * in a podman container named by analyze, and guard --container winning the race.
 */

const repo = resolve(import.meta.dirname, '../..');
const skip = podmanSkipReason();
if (skip) console.warn(`podman tests skipped: ${skip}`);

function oomtop(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((res, rej) =>
    execFile(process.execPath, [resolve(repo, 'bin/oomtop.js'), ...args], { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? rej(new Error(stderr || err.message)) : res(stdout),
    ),
  );
}

const oomKillOf = (path: string) => Number(/^oom_kill (\d+)/m.exec(readFileSync(`/sys/fs/cgroup/memory${path}/memory.oom_control`, 'utf8'))![1]);

describe.skipIf(skip !== null)('a real rootful Podman', () => {
  let p: TestPodman;
  beforeAll(async () => {
    p = await TestPodman.start();
  }, 180_000);
  afterAll(async () => {
    await p?.stop();
  }, 180_000);

  it('--once --json names a podman container with its image and Compose labels over the compatible API', async () => {
    const id = await p.run({ name: 'pod-web', memory: '128m', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' } }, ['/bin/hog', '0', '0']);
    const j = JSON.parse(await oomtop(['--once', '--json'], { DOCKER_HOST: p.host })) as { cgroups: { path: string; limitKiB: number | null; container: Record<string, unknown> | null }[] };
    const cg = j.cgroups.find((c) => c.path.endsWith(`/libpod-${id}`))!;
    expect(cg.limitKiB).toBe(128 * 1024);
    expect(cg.container).toMatchObject({ runtime: 'podman', id, name: 'pod-web', image: 'localhost/oomtop-test:latest', compose: { project: 'shop', service: 'web' } });
  }, 120_000);

  it('analyze --json names a kernel kill inside a podman container', async () => {
    const id = await p.run({ name: 'pod-victim', memory: '32m' }, ['/bin/hog', '4', '0']);
    let ev: { container: Record<string, unknown> | null } | undefined;
    for (let i = 0; i < 50 && !ev; i++) {
      const a = JSON.parse(await oomtop(['analyze', '--json'], { DOCKER_HOST: p.host })) as { events: { memcg: { taskMemcg: string | null } | null; container: Record<string, unknown> | null }[] };
      ev = a.events.find((e) => e.memcg?.taskMemcg?.endsWith(`/libpod-${id}`));
      if (!ev) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ev?.container).toMatchObject({ runtime: 'podman', id, name: 'pod-victim', image: 'localhost/oomtop-test:latest' });
    // conmon marks the OOM event with an empty file "oom" in its working directory: the
    // helper's private directory, not the checkout the tests run from (where it once landed).
    await waitFor(() => existsSync(join(p.dir, 'oom')), 10_000, "conmon's oom file in the podman directory");
    for (const d of new Set([process.cwd(), repo])) expect(existsSync(join(d, 'oom'))).toBe(false);
  }, 120_000);

  it('guard --container wins the race in a 256 MiB podman container at full speed', async () => {
    const id = await p.run({ name: 'pod-race', memory: '256m' }, ['/bin/hog', '0', '0']);
    const stateDir = mkdtempSync(join(tmpdir(), 'oomtop-guard-state-'));
    const g = spawn(process.execPath, [resolve(repo, 'bin/oomtop.js'), 'guard', '--json', '--state-dir', stateDir, '--container', 'pod-race'], {
      env: { ...process.env, DOCKER_HOST: p.host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: { event: string; scope: string; name?: string; message?: string }[] = [];
    let rest = '';
    g.stdout.setEncoding('utf8').on('data', (c: string) => {
      const lines = (rest + c).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) events.push(JSON.parse(l));
    });
    let stderr = '';
    g.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise((r) => g.once('exit', r));
    try {
      const held = await waitFor(() => events.find((e) => e.scope.endsWith(`/libpod-${id}`) && /holding the cgroup/.test(e.message ?? '')), 15_000, `the intercept (${stderr})`);
      const before = oomKillOf(held.scope);
      let code: number | null = 0;
      try {
        await p.podman(['exec', 'pod-race', '/bin/hog', '16', '0'], { timeoutMs: 30_000 });
      } catch (e) {
        code = (e as { exitCode?: number | null }).exitCode ?? null;
      }
      expect([137, 143]).toContain(code);
      const acted = await waitFor(() => events.find((e) => e.scope === held.scope && (e.event === 'term' || e.event === 'kill')), 5000, 'the guard to act');
      expect(acted.name).toBe('hog');
      expect(oomKillOf(held.scope)).toBe(before);
    } finally {
      g.kill('SIGTERM');
      await exited;
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 120_000);
});
