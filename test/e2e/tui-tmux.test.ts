import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adjOf, exited, killStarted, startHog, startSleeper } from '../helpers/children.js';
import { hasTmux, TmuxSession, until } from '../helpers/tmux.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const sessions: TmuxSession[] = [];
afterEach(() => {
  sessions.splice(0).forEach((s) => s.kill());
  killStarted();
});
if (!hasTmux) console.warn('tmux is not installed: skipping the end-to-end TUI tests');

function start(args: string, cols = 120, rows = 40, env: Record<string, string> = {}): TmuxSession {
  const s = new TmuxSession(`node ${bin} ${args}; echo "EXITED:$?"; sleep 60`, cols, rows, env);
  sessions.push(s);
  return s;
}
const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
const hasSysResource = ((capEff >> 24n) & 1n) === 1n;

describe.skipIf(!hasTmux || !built)('oomtop in tmux', () => {
  it('draws the table, changes the real oom_score_adj with keys, explains EACCES, kills with k, quits cleanly', async () => {
    const hog = await startHog(32);
    const pid = hog.pid!;
    // Filter by PID: only the test's own child is on screen, so keys act on nothing else.
    const s = start(`--filter pid:${pid} --interval 0.5`);
    const first = await s.waitFor((t) => new RegExp(`\\b${pid}\\b`).test(t) && /OOM kills\b/.test(t), 10_000, 'the first frame');
    expect(first).toMatch(/pressure: (NORMAL|ELEVATED|HIGH|CRITICAL)/);
    expect(s.display('#{alternate_on}')).toBe('1');

    await s.keys('x');
    await until(() => adjOf(pid) === 500, 5000, 'adj 500');
    await s.waitFor((t) => t.includes(`PID ${pid} (node): oom_score_adj 0 → 500`), 5000, 'the action in the log');
    // adj 500 makes it the system-wide next victim, and expendable: both badges show.
    await s.waitFor((t) => new RegExp(`\\bVE\\s+${pid}\\b.*\\b500\\b`).test(t), 5000, 'the VE badges and adj 500');

    await s.keys(']');
    await until(() => adjOf(pid) === 600, 5000, 'adj 600');
    await s.keys('0');
    await until(() => adjOf(pid) === 0, 5000, 'adj 0');

    if (!hasSysResource) {
      await s.keys('p');
      await s.waitFor((t) => /CAP_SYS_RESOURCE/.test(t), 5000, 'the EACCES explanation');
      expect(adjOf(pid)).toBe(0);
    }

    await s.keys('k');
    await s.waitFor((t) => t.includes(`Send a signal to PID ${pid} (node)`), 5000, 'the kill dialog');
    await s.keys('Enter');
    await exited(hog);
    expect(hog.signalCode).toBe('SIGTERM');
    await s.waitFor((t) => t.includes(`PID ${pid} (node) exited`), 8000, 'the exit in the log');

    await s.keys('q');
    await s.waitFor((t) => t.includes('EXITED:0'), 5000, 'the exit');
    expect(s.display('#{alternate_on}')).toBe('0');
  });

  it('SIGTERM to a process that ignores it asks about SIGKILL after the grace period', async () => {
    const hog = await startHog(8, { ignoreTerm: true });
    const pid = hog.pid!;
    const s = start(`--filter pid:${pid} --interval 0.5 --kill-grace 1`);
    await s.waitFor((t) => new RegExp(`\\b${pid}\\b`).test(t), 10_000, 'the row');
    await s.keys('k');
    await s.waitFor((t) => t.includes(`Send a signal to PID ${pid}`), 5000, 'the kill dialog');
    await s.keys('Enter');
    await s.waitFor((t) => t.includes('still alive') && t.includes('Send SIGKILL?'), 8000, 'the escalation question');
    expect(hog.exitCode).toBeNull();
    await s.keys('y');
    await exited(hog);
    expect(hog.signalCode).toBe('SIGKILL');
    await s.waitFor((t) => t.includes(`PID ${pid} (node) exited after SIGKILL`), 5000, 'the outcome');
  });

  it('follows resizes, says when the terminal is too small, and draws without colour under NO_COLOR', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid}`, 100, 30, { NO_COLOR: '1' });
    await s.waitFor((t) => t.includes(String(c.pid)), 10_000, 'the row');
    // No SGR colour codes (30-37, 90-97, 38;5) anywhere: only bold/inverse.
    expect(s.capture(true)).not.toMatch(/\u001b\[[0-9;]*(3[0-7]|9[0-7]|38;5;\d+)m/);
    s.resize(60, 16);
    await s.waitFor((t) => t.split('\n').every((l) => l.length <= 60) && t.includes('oomtop') && t.includes(String(c.pid)), 5000, 'a 60×16 frame');
    s.resize(25, 6);
    await s.waitFor((t) => t.includes('too small'), 5000, 'the too-small notice');
    s.resize(80, 24);
    await s.waitFor((t) => t.includes('Mem [') && t.includes(String(c.pid)), 5000, 'the frame after growing back');
    const rows = s.capture().split('\n');
    expect(rows[0]).toMatch(/^oomtop/); // the header did not scroll away
  });

  it('draws live frames even when CI=true is set in an interactive terminal', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid} --interval 0.5`, 100, 30, { CI: 'true', CONTINUOUS_INTEGRATION: '1' });
    await s.waitFor((t) => t.includes(String(c.pid)) && t.includes('Mem ['), 10_000, 'a live frame');
  });

  it('leaves the alternate screen when killed by SIGTERM', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid}`);
    await s.waitFor((t) => t.includes(String(c.pid)), 10_000, 'the row');
    const oomtopPid = Number(s.display('#{pane_pid}'));
    // The pane runs sh -c; its child is node (oomtop).
    const kids = readFileSync(`/proc/${oomtopPid}/task/${oomtopPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const node = kids.find((k) => readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('oomtop.js'))!;
    process.kill(node, 'SIGTERM');
    await s.waitFor((t) => /EXITED:\d+/.test(t), 5000, 'the exit');
    expect(s.display('#{alternate_on}')).toBe('0');
  });
});
