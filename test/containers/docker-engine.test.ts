import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memcgResolver } from '../../src/cgroup/resolve.js';
import { Sampler } from '../../src/sampler/sampler.js';
import { CgroupView, cgroupRows } from '../../src/ui/CgroupView.js';
import { makeTheme } from '../../src/ui/theme.js';
import { ContainerNamer, defaultSources } from '../../src/containers/index.js';
import { dockerHost, inspectContainer, pastEvents, type EngineEvent } from '../../src/containers/engine.js';
import type { NameSource } from '../../src/containers/sources.js';
import { dockerSkipReason, TestDocker } from '../helpers/docker.js';
import { until, waitFor } from '../helpers/wait.js';

/**
 * Names from a real Docker Engine (its own dockerd on a private socket, started and stopped
 * here): listed once over the socket, then kept current by the Engine's event stream.
 */

const repo = resolve(import.meta.dirname, '../..');

function oomtop(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [resolve(repo, 'bin/oomtop.js'), ...args], { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

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

  it('--once --json and the cgroup view name the container with its image, Compose labels and limit; the filter takes a container name', async () => {
    const id = await d.run({ name: 'api-1', memory: '128m', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' } }, ['/bin/hog', '8', '0', '24']);
    const pid = (await d.inspect(id)).State.Pid as number;
    const path = await d.memcgPath(id);
    expect(path).toBe(`/docker/${id}`);
    const env = { DOCKER_HOST: d.host };
    const r = await oomtop(['--once', '--json'], env);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as { processes: { pid: number; container: string | null; cmdline: string }[]; cgroups: { path: string; limitKiB: number | null; label: string; container: Record<string, unknown> | null }[] };
    const cg = j.cgroups.find((c) => c.path === path)!;
    expect(cg.label).toBe('api-1');
    expect(cg.limitKiB).toBe(128 * 1024);
    expect(cg.container).toMatchObject({ runtime: 'docker', id, name: 'api-1', image: 'oomtop-test', compose: { project: 'shop', service: 'api' } });
    expect(j.processes.find((p) => p.pid === pid)?.container).toBe('api-1');

    const f = JSON.parse((await oomtop(['--once', '--json', '--filter', 'API-1'], env)).stdout) as typeof j;
    expect(f.processes.map((p) => p.pid)).toContain(pid);
    // Everything else it matched is oomtop itself (its command line holds the filter).
    expect(f.processes.filter((p) => p.container !== 'api-1').every((p) => p.cmdline.includes('API-1'))).toBe(true);

    // The cgroup view (c) of the TUI, on a real snapshot with the Engine's names.
    const { memoryCgroupOf, hierarchy } = memcgResolver('/proc', null);
    const namer = new ContainerNamer({ sources: defaultSources(env).slice(0, 1), follow: false });
    const sampler = new Sampler({ procRoot: '/proc', memoryCgroupOf, hierarchy, namer });
    sampler.sample({ full: true });
    await namer.refresh();
    const snap = sampler.sample({ full: true });
    const i = cgroupRows(snap).findIndex((c) => c.memory.path === path);
    expect(i).toBeGreaterThanOrEqual(0);
    const view = render(React.createElement(CgroupView, { snapshot: snap, index: i, width: 200, height: 40, theme: makeTheme(false) }));
    try {
      const line = view.lastFrame()!.split('\n').find((l) => l.includes(path))!;
      expect(line).toMatch(/api-1 \(oomtop-test\)/);
      expect(line).toMatch(/128M/);
      expect(line).toContain(`${pid} hog`);
    } finally {
      view.unmount();
    }
  }, 120_000);
});
