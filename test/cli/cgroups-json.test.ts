import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, killStarted, startHog } from '../helpers/children.js';
import { canMakeMemcg, V1_MEMORY } from '../helpers/memcg.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const top = `oomtop-test-${randomBytes(4).toString('hex')}`;
const dockerId = randomBytes(32).toString('hex');
const podUid = '6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b';
const criId = randomBytes(32).toString('hex');
const made: string[] = [];
const hogs: Awaited<ReturnType<typeof startHog>>[] = [];

function mkcg(rel: string, limitMiB?: number): string {
  const dir = join(V1_MEMORY, rel);
  mkdirSync(dir, { recursive: true });
  for (let d = rel; d && d !== '.'; d = d.split('/').slice(0, -1).join('/')) if (!made.includes(d)) made.push(d);
  if (limitMiB !== undefined) writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitMiB << 20));
  return dir;
}
async function hogIn(dir: string, mib: number, adj: number) {
  const h = await startHog(mib, { cgroupDir: dir });
  writeFileSync(`/proc/${h.pid}/oom_score_adj`, String(adj));
  hogs.push(h);
  return h;
}

afterAll(async () => {
  killStarted();
  await Promise.all(hogs.map(exited));
  for (const d of made.sort((a, b) => b.split('/').length - a.split('/').length)) {
    for (let i = 0; i < 30; i++) {
      try {
        rmdirSync(join(V1_MEMORY, d));
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
});
if (!canMakeMemcg) console.warn('not root or no writable cgroup v1 memory hierarchy: skipping the real cgroup JSON test');

describe.skipIf(!canMakeMemcg || !built)('--once --json with real memory cgroups', () => {
  it('shows limit, usage, container and pod identity, and the kernel per-cgroup victim', async () => {
    const docker = mkcg(`${top}/docker/${dockerId}`, 300);
    const pod = mkcg(`${top}/kubepods/burstable/pod${podUid}`, 200);
    const cri = mkcg(`${top}/kubepods/burstable/pod${podUid}/${criId}`);
    // Inside a 300 MiB cgroup: 100 MiB at adj 0 outweighs 10 MiB at adj 100 (100 + 0.1×300 = 40 MiB).
    // System-wide (24 GiB) adj 100 is worth ~2.4 GiB: there the small one ranks first.
    const big = await hogIn(docker, 100, 0);
    const small = await hogIn(docker, 10, 100);
    const podHog = await hogIn(cri, 20, 0);

    const r = spawnSync(process.execPath, [bin, '--once', '--json'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    const cg = (path: string) => doc.cgroups.find((c: { path: string }) => c.path === path);
    const proc = (pid: number) => doc.processes.find((p: { pid: number }) => p.pid === pid);

    const d = cg(`/${top}/docker/${dockerId}`);
    expect(d).toBeDefined();
    expect(d.limitKiB).toBe(300 * 1024);
    expect(d.usageKiB).toBeGreaterThan(110 * 1024);
    expect(d.container).toMatchObject({ runtime: 'docker', id: dockerId });
    expect(d.nextVictimPid).toBe(big.pid);
    expect(proc(big.pid!)).toMatchObject({ cgroup: `/${top}/docker/${dockerId}`, cgroupVictim: true });
    expect(proc(small.pid!).oomScore).toBeGreaterThan(proc(big.pid!).oomScore);
    expect(proc(big.pid!).limitPct).toBeGreaterThan(30);

    const p = cg(`/${top}/kubepods/burstable/pod${podUid}`);
    expect(p.limitKiB).toBe(200 * 1024);
    expect(p.container?.pod).toMatchObject({ uid: podUid, qos: 'burstable' });
    const c = cg(`/${top}/kubepods/burstable/pod${podUid}/${criId}`);
    expect(c.limitKiB).toBeNull();
    expect(c.effectiveLimitKiB).toBe(200 * 1024);
    expect(c.container).toMatchObject({ id: criId, pod: { uid: podUid, qos: 'burstable' } });
    expect(c.nextVictimPid).toBe(podHog.pid);
    // Unlimited cgroups say so instead of printing a giant number.
    expect(cg(`/${top}`).limitKiB).toBeNull();
  });
});
