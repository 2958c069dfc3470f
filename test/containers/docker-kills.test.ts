import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerNamer, defaultSources } from '../../src/containers/index.js';
import { createOomtopStore } from '../../src/store/store.js';
import { followKernelLog } from '../../src/tui/kernel-events.js';
import { dockerSkipReason, TestDocker } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A kernel OOM kill inside a real container (private dockerd, 32 MiB limit): the TUI's event
 * log names the container and its image, and logs the Engine's own oom event beside it;
 * `oomtop analyze --json` names it too and agrees with the Engine's OOMKilled and oom event.
 */

const repo = resolve(import.meta.dirname, '../..');
const skip = dockerSkipReason() ?? (existsSync('/dev/kmsg') ? null : 'no /dev/kmsg');
if (skip) console.warn(`docker kill tests skipped: ${skip}`);

function analyze(env: Record<string, string>): Promise<string> {
  return new Promise((res, rej) =>
    execFile(process.execPath, [resolve(repo, 'bin/oomtop.js'), 'analyze', '--json'], { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? rej(new Error(`analyze: ${stderr || err.message}`)) : res(stdout),
    ),
  );
}

interface AnalyzedEvent {
  memcg: { taskMemcg: string | null } | null;
  victim: { comm: string } | null;
  container: { name: string | null; image: string | null; compose: unknown; engine: { oomKilled: boolean | null; oomEvent: string | null; exists: boolean } | null } | null;
}

describe.skipIf(skip !== null)('kills inside a real Docker container', () => {
  let d: TestDocker;
  beforeAll(async () => {
    d = await TestDocker.start();
  }, 120_000);
  afterAll(async () => {
    await d?.stop();
  }, 120_000);

  it('the event log names the container and image, and logs the Engine oom event beside the kernel report', async () => {
    const env = { DOCKER_HOST: d.host };
    const namer = new ContainerNamer({ sources: defaultSources(env) });
    await namer.refresh(); // opens the event stream
    await waitFor(() => (namer.following() ? true : undefined), 5000, 'the event stream');
    const store = createOomtopStore();
    const follower = followKernelLog(store, { procRoot: '/proc', namer });
    try {
      const id = await d.run({ name: 'victim-1', memory: '32m', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'worker' } }, ['/bin/hog', '4', '0']);
      const path = `/docker/${id}`;
      const kill = await waitFor(() => store.getState().events.find((e) => e.kind === 'oom-kill' && e.oom?.memcg?.taskMemcg === path && !e.oom.past), 30_000, 'the kernel report of the kill');
      // The name may come a moment later (the Engine's start event): the line is filled in then.
      const text = await waitFor(() => {
        const t = store.getState().events.find((e) => e.id === kill.id)!.text;
        return t.includes('victim-1') ? t : undefined;
      }, 10_000, 'the container name in the kill line');
      expect(text).toBe(text.replace(/ in .*/, '') + ` in docker container victim-1 (image oomtop-test, compose shop/worker) ${id.slice(0, 12)} (limit 32M)`);
      expect(text).toMatch(/^OOM kill: PID \d+ \(hog\) anon-rss \d+(\.\d)?M/);
      const witness = await waitFor(() => store.getState().events.find((e) => e.text.startsWith('Docker Engine: container victim-1')), 10_000, 'the Engine oom line');
      expect(witness.text).toBe(`Docker Engine: container victim-1 (image oomtop-test) ${id.slice(0, 12)} hit its memory limit (oom event)`);
      // The Engine sets OOMKilled when it handles the container's exit, which may come a
      // moment after its oom event.
      let oomKilled = false;
      for (let i = 0; i < 100 && !oomKilled; i++) {
        oomKilled = (await d.inspect(id)).State.OOMKilled === true;
        if (!oomKilled) await new Promise((r) => setTimeout(r, 100));
      }
      expect(oomKilled).toBe(true);
    } finally {
      follower.stop();
      namer.stop();
    }
  }, 120_000);

  it('analyze --json names the container and agrees with the Engine (OOMKilled, oom event), also once it is gone', async () => {
    const env = { DOCKER_HOST: d.host };
    const id = await d.run({ name: 'victim-2', memory: '32m' }, ['/bin/hog', '4', '0']);
    for (let i = 0; i < 200 && (await d.inspect(id)).State.Running; i++) await new Promise((r) => setTimeout(r, 100));
    const find = (j: { events: AnalyzedEvent[] }) => j.events.find((e) => e.memcg?.taskMemcg === `/docker/${id}`);
    const a = find(JSON.parse(await analyze(env)) as { events: AnalyzedEvent[] })!;
    expect(a.victim?.comm).toBe('hog');
    expect(a.container).toMatchObject({ name: 'victim-2', image: 'oomtop-test', compose: null, engine: { oomKilled: true, exists: true } });
    expect(a.container!.engine!.oomEvent).toMatch(/^\d{4}-\d\d-\d\dT/);

    await d.docker(['rm', '-f', id]);
    const b = find(JSON.parse(await analyze(env)) as { events: AnalyzedEvent[] })!;
    expect(b.container).toMatchObject({ name: 'victim-2', image: 'oomtop-test', engine: { oomKilled: null, exists: false } });
    expect(b.container!.engine!.oomEvent).toBe(a.container!.engine!.oomEvent);

    // Without an Engine to ask, the kill still names its container by id, and says the Engine was not asked.
    const c = find(JSON.parse(await analyze({ DOCKER_HOST: `unix://${d.dir}/nothing.sock` })) as { events: AnalyzedEvent[] })!;
    expect(c.container).toMatchObject({ name: null, engine: null });
  }, 120_000);
});
