import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerSkipReason, TestDocker } from '../helpers/docker.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';

/** The real TUI in tmux beside a real Docker Engine (private dockerd): containers by name in the cgroup view and in kills. */

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const skip = dockerSkipReason() ?? (hasTmux ? null : 'no tmux') ?? (built ? null : 'not built (npm run build)');
if (skip) console.warn(`docker TUI tests skipped: ${skip}`);

describe.skipIf(skip !== null)('the TUI with a real Docker Engine', () => {
  let d: TestDocker;
  let s: TmuxSession | null = null;
  beforeAll(async () => {
    d = await TestDocker.start();
  }, 120_000);
  afterAll(async () => {
    s?.kill();
    await d?.stop();
  }, 120_000);

  it('the cgroup view shows a container by name and image; a kill inside a container is logged with its name, and the Engine oom event beside it', async () => {
    const web = await d.run({ name: 'tui-web', memory: '128m' }, ['/bin/hog', '8', '0', '24']);
    s = new TmuxSession(`node ${bin} --interval 0.5 --filter no-such-process-xyz; sleep 60`, 200, 45, { DOCKER_HOST: d.host });
    await s.waitFor((t) => t.includes('klog: kmsg'), 15_000, 'the kernel log follower');
    await s.keys('c');
    const view = await s.waitFor((t) => t.includes(`tui-web (oomtop-test)  /docker/${web}`.slice(0, 60)), 15_000, 'the container in the cgroup view');
    const line = view.split('\n').find((l) => l.includes('tui-web (oomtop-test)'))!;
    expect(line).toMatch(/128M/);
    await s.keys('Escape');

    const victim = await d.run({ name: 'tui-victim', memory: '32m' }, ['/bin/hog', '4', '0']);
    await s.waitFor((t) => /OOM kill: PID \d+ \(hog\)/.test(t) && t.includes('Docker Engine: container tui-victim'), 20_000, 'the kill and the Engine witness');
    await s.waitFor((t) => t.includes(`in docker container tui-victim (image oomtop-test) ${victim.slice(0, 12)} (limit 32M)`), 10_000, 'the container named in the kill line');
  }, 120_000);
});
