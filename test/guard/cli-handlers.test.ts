/**
 * `oomtop guard --json --on-level ... --webhook URL` end to end (bin/oomtop.js, built):
 * a hog in a small v1 memory cgroup drives the group to "high"; the handler's run is a JSON
 * line, and a receiver on loopback gets exactly the JSON lines of the alert events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { TestCgroup, realSkipReason } from './realcg.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const skip = realSkipReason() ?? (built ? null : 'not built (npm run build)');

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(skip !== null)('oomtop guard with --on-level and --webhook', () => {
  it('prints the handler run as a JSON line and POSTs the same JSON lines', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => (bodies.push(b), res.writeHead(204).end()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;

    const g = new TestCgroup(1024);
    cleanups.push(() => g.cleanup());
    const hog = await g.startHog(['--rate', 'max', '--total', '160', '--trace']);
    await until(() => hog.trace.at(-1)?.mib === 160, 20_000);
    writeFileSync(join(g.dir, 'memory.limit_in_bytes'), `${Math.ceil(g.usageBytes() / 0.925 / 4096) * 4096}\n`);
    const state = mkdtempSync(join(tmpdir(), 'oomtop-cli-handlers-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));

    const guard: ChildProcess = spawn(
      process.execPath,
      [bin, 'guard', '--json', '--cgroup', g.path, '--mem-term', '1', '--mem-kill', '0.5', '--max-interval', '50', '--state-dir', state,
        '--on-level', 'high=echo "victim $OOMTOP_NEXT_VICTIM_PID"', '--webhook', url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => guard.exitCode === null && guard.kill('SIGKILL'));
    let out = '';
    guard.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    await until(() => lines().some((e) => e.event === 'handler'), 20_000, 'the handler line');
    const h = lines().find((e) => e.event === 'handler')!;
    expect(h).toMatchObject({ scope: g.path, pressure: 'high', exitCode: 0, output: `victim ${hog.pid}` });
    expect(lines().find((e) => e.event === 'start')?.message).toMatch(/handlers: 1/);
    expect(lines().some((e) => e.event === 'notice' && e.message === 'webhook: 1 URL(s)')).toBe(true);

    const exited = new Promise<number | null>((r) => guard.on('exit', (c) => r(c)));
    guard.kill('SIGTERM');
    expect(await exited).toBe(0);
    const raw = out.split('\n').filter(Boolean);
    const alertLines = raw.filter((l) => ['level', 'handler'].includes((JSON.parse(l) as { event: string }).event));
    expect(alertLines.length).toBeGreaterThanOrEqual(2);
    // Queued events had their moment to go out before the guard exited.
    expect(bodies).toEqual(alertLines);
  });

  it('a kernel OOM kill the guard did not prevent (a cgroup it does not watch) is a JSON line and a POST', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => (bodies.push(b), res.writeHead(200).end()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
    const state = mkdtempSync(join(tmpdir(), 'oomtop-cli-oomkill-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    // The system scope only, with thresholds it will not reach: the kernel gets the hog.
    const guard = spawn(process.execPath, [bin, 'guard', '--json', '--dry-run', '--mem-term', '1', '--mem-kill', '0.5', '--state-dir', state, '--webhook', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => guard.exitCode === null && guard.kill('SIGKILL'));
    let out = '';
    guard.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    await until(() => lines().some((e) => e.event === 'start'), 10_000, 'the start line');
    const g = new TestCgroup(64);
    cleanups.push(() => g.cleanup());
    const hog = await g.startHog(['--rate', 'max']);
    expect(await hog.exited).toBe('SIGKILL');
    await until(() => lines().some((e) => e.event === 'oom-kill' && e.pid === hog.pid), 10_000, 'the oom-kill line');
    const line = out.split('\n').find((l) => l.includes('"oom-kill"') && l.includes(`"pid":${hog.pid},`))!;
    expect(JSON.parse(line)).toMatchObject({ scope: g.path, name: 'node', message: expect.stringMatching(/^kernel OOM kill: PID \d+ \(node\).* in cgroup /) });
    await until(() => bodies.includes(line), 10_000, 'the POST');
  });
});
