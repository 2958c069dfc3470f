import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerNamer, defaultSources } from '../../src/containers/index.js';
import { dockerHost, inspectContainer, pastEvents, type EngineEvent } from '../../src/containers/engine.js';
import type { NameSource } from '../../src/containers/sources.js';
import { dockerSkipReason, TestDocker } from '../helpers/docker.js';
import { until, waitFor } from '../helpers/wait.js';

/**
 * Names from a real Docker Engine (its own dockerd on a private socket, started and stopped
 * here): listed once over the socket, then kept current by the Engine's event stream.
 */

const skip = dockerSkipReason();
if (skip) console.warn(`docker engine tests skipped: ${skip}`);

describe.skipIf(skip !== null)('names from a real Docker Engine', () => {
  let d: TestDocker;
  beforeAll(async () => {
    d = await TestDocker.start();
  }, 120_000);
  afterAll(async () => {
    await d?.stop();
  }, 120_000);

  it('DOCKER_HOST picks the socket; a tcp host is refused with a reason, not misread', () => {
    expect(dockerHost({ DOCKER_HOST: d.host })).toEqual({ socket: d.socket });
    expect(dockerHost({})).toEqual({ socket: '/var/run/docker.sock' });
    expect(dockerHost({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }).error).toMatch(/not a unix socket/);
    expect(defaultSources({ DOCKER_HOST: d.host })[0]!.name).toBe(`docker socket ${d.socket}`);
  });

  it('lists once, then follows start, rename, oom and destroy on the event stream without polling', async () => {
    const web = await d.run({ name: 'web-1', memory: '64m', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' } }, ['/bin/hog', '0', '0']);
    // Counting wrappers: the socket source's list() and every other source (the CLIs).
    const calls: Record<string, number> = {};
    const sources: NameSource[] = defaultSources({ DOCKER_HOST: d.host }).map((s) => ({
      ...s,
      list: (t: number) => {
        calls[s.name] = (calls[s.name] ?? 0) + 1;
        return s.list(t);
      },
    }));
    const namer = new ContainerNamer({ sources, refreshMs: 50, missRetryMs: 50 });
    const events: EngineEvent[] = [];
    namer.onEngineEvent((e) => events.push(e));
    try {
      const info = { runtime: 'docker' as const, id: web, name: null, pod: null };
      await namer.refresh();
      expect(namer.resolve(info)).toMatchObject({ name: 'web-1', image: 'oomtop-test', compose: { project: 'shop', service: 'web' } });
      await until(() => namer.following(), 5000, 'the event stream to open');
      const listed = calls[`docker socket ${d.socket}`];
      expect(listed).toBe(1);

      // A new container and a rename: known from events alone.
      const db = await d.run({ name: 'db-1' }, ['/bin/hog', '0', '0']);
      await d.docker(['rename', 'web-1', 'web-renamed']);
      await until(() => namer.resolve(info).name === 'web-renamed', 10_000, 'the rename event');
      await until(() => namer.resolve({ ...info, id: db }).name === 'db-1', 10_000, 'the start event of db-1');
      // Lookups of known containers with a short refresh time: still no listing while the stream is open.
      for (let i = 0; i < 5; i++) {
        namer.lookup(info);
        await new Promise((r) => setTimeout(r, 60));
      }
      expect(calls[`docker socket ${d.socket}`]).toBe(1);
      expect(calls.docker ?? 0).toBeLessThanOrEqual(1); // the CLI repeats the Engine: not asked once the socket answered

      // OOM inside a 32 MiB container: the Engine's oom event reaches the namer's listeners.
      const hog = await d.run({ name: 'hog-1', memory: '32m' }, ['/bin/hog', '4', '0']);
      const oom = await waitFor(() => events.find((e) => e.id === hog && e.action === 'oom'), 20_000, 'the oom event');
      expect(oom).toMatchObject({ name: 'hog-1', image: 'oomtop-test' });
      const st = await waitFor(() => events.find((e) => e.id === hog && e.action === 'die'), 20_000, 'the die event');
      expect(st.exitCode).toBe(137);
      expect((await inspectContainer(d.socket, 'hog-1'))?.oomKilled).toBe(true);

      // Gone: the name stays for past events.
      await d.docker(['rm', '-f', 'hog-1']);
      await waitFor(() => events.find((e) => e.id === hog && e.action === 'destroy'), 20_000, 'the destroy event');
      expect(await inspectContainer(d.socket, hog)).toBeNull();
      expect(namer.resolve({ ...info, id: hog })).toMatchObject({ name: 'hog-1', image: 'oomtop-test' });
      expect(calls[`docker socket ${d.socket}`]).toBe(1);

      // The Engine keeps past events: the same oom is there for later readers (analyze).
      const past = await pastEvents(d.socket, 0);
      expect(past.some((e) => e.id === hog && e.action === 'oom')).toBe(true);
    } finally {
      namer.stop();
    }
  }, 120_000);
});
