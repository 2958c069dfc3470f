import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCgroup, realSkipReason } from '../guard/realcg.js';
import { hasTmux, TmuxSession, until } from '../helpers/tmux.js';

/*
 * Level handlers in the real monitor, end to end: the built binary in tmux, its guard given
 * through --guard-opts with handler commands that have spaces and quotes in them (split as
 * a shell splits words, never on every blank), a real hog in a small v1 memory cgroup at
 * "high", the header's "handlers: 2", both handlers' runs in the event log, the same events
 * POSTed to a --webhook receiver on loopback, and what --notify can reach.
 */
const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const skip = realSkipReason() ?? (hasTmux ? null : 'no tmux') ?? (built ? null : 'not built (npm run build)');
if (skip) console.log(`TUI handler tests skipped: ${skip}`);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One word for the tmux session's /bin/sh. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const header4 = (screen: string) => screen.split('\n')[3]!;

describe.skipIf(skip !== null)('the monitor with --guard-opts "--on-level ..." (tmux)', () => {
  it('counts two handlers in the header, runs the high one with its quoted command and the normal one on recovery', async () => {
    const g = new TestCgroup(1024);
    cleanups.push(() => g.cleanup());
    const hog = await g.startHog(['--rate', 'max', '--total', '160', '--trace']);
    await until(() => hog.trace.at(-1)?.mib === 160, 20_000, 'the hog');
    // 7.5 % of the limit available: "high" (5..10 %), far above the thresholds below.
    writeFileSync(join(g.dir, 'memory.limit_in_bytes'), `${Math.ceil(g.usageBytes() / 0.925 / 4096) * 4096}\n`);
    const out = mkdtempSync(join(tmpdir(), 'oomtop-tui-handlers-e2e-'));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));
    const state = mkdtempSync(join(tmpdir(), 'oomtop-tui-handlers-e2e-state-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));

    // A webhook receiver on loopback, and --notify: the monitor's guard tells them too.
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => (bodies.push(b), res.writeHead(204).end()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;

    const opts = [
      `--cgroup ${g.path} --mem-term 1 --mem-kill 0.5 --max-interval 50 --state-dir ${state} --webhook ${url} --notify`,
      // Single quotes keep $OOMTOP_... for the handler's own shell; "..." groups too.
      `--on-level 'high=printf "%s|%s" "$OOMTOP_LEVEL" "$OOMTOP_NEXT_VICTIM_PID" > ${out}/high; echo "cleaned up $OOMTOP_SCOPE"'`,
      `--on-level "normal=touch ${out}/normal; echo back to \\$OOMTOP_LEVEL"`,
    ].join(' ');
    const s = new TmuxSession(`node ${bin} --filter pid:${hog.pid} --interval 0.5 --guard-opts ${sq(opts)}; echo "EXITED:$?"; sleep 60`, 200, 40);
    cleanups.push(() => s.kill());
    let t = await s.waitFor((x) => /guard: OFF/.test(header4(x)) || x.includes('EXITED:'), 10_000, 'the first frame');
    expect(t).not.toContain('EXITED:');
    expect(header4(t)).toMatch(/guard: OFF  handlers: 2  /);

    await s.keys('g'); // off -> dry-run: the guard (and its handlers) run, no signal is sent
    // What --notify can reach, said in the event log when the guard comes on.
    await s.waitFor((x) => /notify: (no session bus reachable|\d+ session bus)/.test(x), 10_000, 'the notify notice');
    t = await s.waitFor((x) => x.includes('high handler #1 exit 0'), 20_000, 'the high handler in the event log');
    expect(header4(t)).toMatch(/guard: DRY-RUN  handlers: 2  /);
    const line = t.split('\n').find((l) => l.includes('high handler #1 exit 0'))!;
    expect(line).toContain(`cleaned up ${g.path}`);
    expect(readFileSync(join(out, 'high'), 'utf8')).toBe(`high|${hog.pid}`);
    expect(readdirSync(out)).toEqual(['high']);
    // The webhook got the level change and the handler's run as the guard's JSON lines.
    const posted = () => bodies.map((b) => JSON.parse(b) as Record<string, unknown>);
    await until(() => posted().some((e) => e.event === 'handler' && e.pressure === 'high'), 10_000, 'the POSTs');
    expect(posted().find((e) => e.event === 'level' && e.pressure === 'high')).toMatchObject({ scope: g.path, previous: 'normal' });
    expect(posted().find((e) => e.event === 'handler')).toMatchObject({ scope: g.path, exitCode: 0, output: `cleaned up ${g.path}` });

    // Free the memory: high -> elevated -> normal, and the normal handler runs once.
    process.kill(hog.pid, 'SIGKILL');
    await hog.exited;
    t = await s.waitFor((x) => x.includes('normal handler #2 exit 0'), 20_000, 'the normal handler in the event log');
    expect(t.split('\n').find((l) => l.includes('normal handler #2 exit 0'))).toContain('back to normal');
    expect(readdirSync(out).sort()).toEqual(['high', 'normal']);
    await s.keys('q');
    await s.waitFor((x) => x.includes('EXITED:0'), 10_000, 'the exit');
  });

  it('an unclosed quote in --guard-opts is a one-line usage error, exit 2', async () => {
    const s = new TmuxSession(`node ${bin} --guard-opts ${sq(`--on-level 'high=echo x`)}; echo "EXITED:$?"; sleep 60`, 120, 20);
    cleanups.push(() => s.kill());
    const t = await s.waitFor((x) => x.includes('EXITED:'), 10_000, 'the exit');
    expect(t).toContain("--guard-opts: a ' is not closed");
    expect(t).toContain('EXITED:2');
  });
});
