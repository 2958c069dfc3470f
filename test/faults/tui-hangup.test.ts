/**
 * The terminal hung up while the TUI draws (--interval 0.1, a frame every tick): the tmux
 * server killed (its clients and panes get SIGHUP), the terminal's master end closed by a
 * SIGKILL of the tmux server (a dropped SSH link), or SIGHUP straight to the TUI. The TUI must
 * exit, and leave no process behind (kernel-log followers, runtime CLIs). The real binary.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';
import { sleep, until } from '../helpers/wait.js';

const repo = resolve(import.meta.dirname, '../..');
const built = existsSync(join(repo, 'dist/cli/main.js'));
const sessions: TmuxSession[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
});

/** pid → [ppid, starttime] of every process now. */
function table(): Map<number, [number, string]> {
  const out = new Map<number, [number, string]>();
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const st = readFileSync(`/proc/${n}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(Number(n), [Number(f[1]), f[19]!]);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The process and everything under it, with start times (a PID reused later is not it). */
function tree(root: number): Map<number, string> {
  const t = table();
  const out = new Map<number, string>();
  const walk = (p: number) => {
    const me = t.get(p);
    if (!me) return;
    out.set(p, me[1]);
    for (const [c, [pp]] of t) if (pp === p) walk(c);
  };
  walk(root);
  return out;
}

const alive = (procs: Map<number, string>) => {
  const now = table();
  return [...procs].filter(([p, start]) => now.get(p)?.[1] === start).map(([p]) => p);
};

describe.skipIf(!hasTmux || !built)('the TUI when its terminal hangs up mid-frame', () => {
  for (const how of ['tmux kill-server', 'SIGKILL of the terminal (tmux server)', 'SIGHUP to the TUI'] as const) {
    it(`${how}: the TUI exits and leaves no process behind`, async () => {
      const s = new TmuxSession(`exec node ${join(repo, 'bin/oomtop.js')} --interval 0.1`, 120, 40);
      sessions.push(s);
      await s.waitFor((screen) => /PID/.test(screen) && /CPU|MEM|RSS/.test(screen), 30_000, 'the first frame');
      const tui = Number(s.display('#{pane_pid}'));
      const server = Number(s.display('#{pid}'));
      expect(readFileSync(`/proc/${tui}/cmdline`, 'utf8')).toContain('oomtop.js');
      await sleep(1500); // frames keep coming every 100 ms
      const mine = tree(tui);
      if (how === 'tmux kill-server') s.kill();
      else if (how === 'SIGHUP to the TUI') process.kill(tui, 'SIGHUP');
      else process.kill(server, 'SIGKILL');
      await until(() => alive(mine).length === 0, 15_000, `the TUI (${tui}) and its ${mine.size - 1} children gone`);
      expect(alive(mine)).toEqual([]);
    });
  }
});
