/**
 * The TUI stopped (SIGSTOP: Ctrl-Z's cousin, a debugger, a cgroup freezer, a box so short of
 * memory that it sat in reclaim) and continued. Nothing is drawn while it is stopped; after
 * SIGCONT it draws a fresh sample within a refresh (no burst of old ones), and the keys typed
 * at the frozen screen, which the terminal queued and now delivers in one read, change no
 * process: the person typed them at a screen that no longer says what is selected. The real
 * binary in tmux, a sleeper the test starts as the only row.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adjOf, startSleeper } from '../helpers/children.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import { sleep } from '../helpers/wait.js';

const repo = resolve(import.meta.dirname, '../..');
const built = existsSync(join(repo, 'dist/cli/main.js'));
const sessions: TmuxSession[] = [];
const started: { kill(sig?: NodeJS.Signals): boolean }[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
  for (const c of started.splice(0)) c.kill('SIGKILL');
});

/** The one child of `pid` (the TUI under its shell). */
function childOf(pid: number): number {
  const kids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try {
      const st = readFileSync(`/proc/${n}/stat`, 'utf8');
      return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
  expect(kids).toHaveLength(1);
  return Number(kids[0]);
}

const stateOf = (pid: number) => {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return st.slice(st.lastIndexOf(')') + 2).split(' ')[0];
};

/** The header's first line: it carries the uptime, which moves every second. */
const header = (screen: string) => screen.split('\n')[0] ?? '';

describe.skipIf(!hasTmux || !built)('the TUI stopped and continued', () => {
  it('SIGSTOP for 5 s, then SIGCONT: frames resume within a refresh; the keys typed meanwhile arrive in one chunk and change no process', async () => {
    const target = startSleeper(300);
    started.push(target);
    // Under a shell, not exec'd: tmux continues a pane's own process at once when it stops
    // (so does an interactive shell's job control, on fg), and the test must hold it stopped.
    const s = new TmuxSession(`sh -c 'node ${join(repo, 'bin/oomtop.js')} --interval 0.5 --filter pid:${target.pid}; sleep 600'`, 100, 30);
    sessions.push(s);
    await s.waitFor((screen) => new RegExp(`^\\s*\\S{0,3}\\s*${target.pid}\\s`, 'm').test(screen), 30_000, 'the sleeper as the only row');
    const shell = Number(s.display('#{pane_pid}'));
    const tui = childOf(shell);
    expect(readFileSync(`/proc/${tui}/cmdline`, 'utf8')).toContain('oomtop.js');
    // Running: the header moves on its own.
    const h0 = header(s.capture());
    await s.waitFor((screen) => header(screen) !== h0, 5_000, 'the header to move while running');

    process.kill(tui, 'SIGSTOP');
    await sleep(300);
    expect(stateOf(tui)).toBe('T');
    const frozen = s.capture();
    // "Make it expendable, then one step more", typed at the frozen screen.
    await s.keys('x', ']');
    await sleep(5_000);
    expect(stateOf(tui)).toBe('T');
    expect(s.capture()).toBe(frozen);

    process.kill(tui, 'SIGCONT');
    const after = await s.waitFor((screen) => /ignored x \]/.test(screen), 10_000, 'the two queued keys refused');
    expect(adjOf(target.pid!)).toBe(0);
    // Drawing again, every refresh: the header keeps moving after the pause.
    await s.waitFor((screen) => header(screen) !== header(after), 5_000, 'the header to move after SIGCONT');
    // And a key pressed on its own now acts.
    await s.keys('x');
    await s.waitFor(() => adjOf(target.pid!) !== 0, 10_000, 'x on its own to set the adj');
    expect(adjOf(target.pid!)).toBeGreaterThan(0);
  }, 90_000);
});
