/**
 * The monitor's guard with --guard-opts '--on-level ...': the header counts the handlers,
 * and a handler's run lands in the event log. A real hog in a small v1 memory cgroup, the
 * real store, the guard in dry-run mode (as after one `g`).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGuardArgs } from '../../src/cli/guard-args.js';
import { createOomtopStore } from '../../src/store/store.js';
import { GuardLink } from '../../src/tui/guard-link.js';
import { TestCgroup, realSkipReason } from '../guard/realcg.js';
import { until } from '../helpers/wait.js';
import { followKernelLog } from '../../src/tui/kernel-events.js';
import { guardDetail } from '../../src/ui/App.js';
import { modeSegments, type Modes } from '../../src/ui/Header.js';
import { makeTheme } from '../../src/ui/theme.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const skip = realSkipReason();
const modesOf = (line: string): Modes => ({
  paused: false, readOnly: false, sort: 'risk', inverted: false, filter: '', cgroupFilter: null, tagged: 0,
  position: { index: 1, rows: 1, total: 1 },
  guard: { mode: 'off', ...guardDetail(line) },
});
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe.skipIf(skip !== null)('TUI guard with --on-level handlers', () => {
  it('shows "handlers: 1" in the header and logs the handler of the level the cgroup entered', async () => {
    const g = new TestCgroup(1024);
    cleanups.push(() => g.cleanup());
    const hog = await g.startHog(['--rate', 'max', '--total', '160', '--trace']);
    await until(() => hog.trace.at(-1)?.mib === 160, 20_000);
    writeFileSync(join(g.dir, 'memory.limit_in_bytes'), `${Math.ceil(g.usageBytes() / 0.925 / 4096) * 4096}\n`);
    const out = mkdtempSync(join(tmpdir(), 'oomtop-tui-handlers-'));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));
    const state = mkdtempSync(join(tmpdir(), 'oomtop-tui-handlers-state-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));

    const args = parseGuardArgs(['--cgroup', g.path, '--mem-term', '1', '--mem-kill', '0.5', '--max-interval', '50', '--state-dir', state, '--on-level', `high=touch '${out}'/ran; echo "cleaned $OOMTOP_SCOPE"`]);
    if (args.help) throw new Error('help');
    const store = createOomtopStore();
    const link = GuardLink.create(store, args.policy);
    if (typeof link === 'string') throw new Error(link);
    cleanups.unshift(() => link.dispose());
    expect(link.headerLine()).toMatch(/^guard: OFF \(.*\); handlers: 1$/);
    // What the header takes from that line: the thresholds and the handlers' count (it lost both once).
    expect(guardDetail(link.headerLine())).toEqual({ detail: expect.stringMatching(/^\(.+\)$/), handlers: 1 });
    expect(modeSegments(modesOf(link.headerLine()), '', undefined, makeTheme(false)).map((x) => x.variants[0])).toEqual(expect.arrayContaining(['guard: OFF', 'handlers: 1']));
    link.cycle(); // off -> dry-run
    await until(() => store.getState().events.some((e) => /high handler #1 exit 0/.test(e.text)), 15_000);
    const entry = store.getState().events.find((e) => /high handler #1/.test(e.text))!;
    expect(entry.text).toContain(`cleaned ${g.path}`);
    expect(store.getState().events.some((e) => e.text.includes(`memory pressure normal -> high`))).toBe(true);
    expect(readdirSync(out)).toEqual(['ran']);
    expect(link.headerLine()).toMatch(/^guard: DRY-RUN .*; handlers: 1$/);
  });

  it('a live kernel OOM kill seen by the monitor goes to the guard\'s --webhook', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => (bodies.push(b), res.writeHead(200).end()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
    const state = mkdtempSync(join(tmpdir(), 'oomtop-tui-webhook-state-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    const args = parseGuardArgs(['--mem-term', '1', '--mem-kill', '0.5', '--state-dir', state, '--webhook', url]);
    if (args.help) throw new Error('help');
    const store = createOomtopStore();
    const link = GuardLink.create(store, args.policy);
    if (typeof link === 'string') throw new Error(link);
    cleanups.unshift(() => link.dispose());
    link.cycle(); // dry-run: the guard runs, its alert destinations with it
    const follower = followKernelLog(store, { procRoot: '/proc', onLiveKill: (ev) => link.kernelKill(ev) });
    cleanups.unshift(() => follower.stop());
    await until(() => store.getState().kernelLog?.source === 'kmsg', 10_000, 'the kernel log');
    const g = new TestCgroup(64);
    cleanups.push(() => g.cleanup());
    const hog = await g.startHog(['--rate', 'max']);
    expect(await hog.exited).toBe('SIGKILL');
    await until(() => bodies.some((b) => b.includes('"oom-kill"') && b.includes(`"pid":${hog.pid},`)), 15_000, 'the POST');
    const got = JSON.parse(bodies.find((b) => b.includes(`"pid":${hog.pid},`))!) as Record<string, unknown>;
    expect(got).toMatchObject({ event: 'oom-kill', scope: g.path, name: 'node' });
    // The monitor logs the kill once (its own line), not a second time from the guard.
    expect(store.getState().events.filter((e) => e.text.includes(`the kernel killed PID ${hog.pid}`))).toEqual([]);
  });
});
