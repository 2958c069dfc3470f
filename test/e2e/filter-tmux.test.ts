import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const base = mkdtempSync(join(tmpdir(), 'oomtop-x-'));
const children: ChildProcess[] = [];
const sessions: TmuxSession[] = [];
afterAll(() => {
  sessions.forEach((s) => s.kill());
  for (const c of children) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!hasTmux || !built)('the filter in tmux', () => {
  it('finds a process that started before oomtop within one refresh (not after the 30-tick round robin)', async () => {
    const dir = join(base, 'some/very/long/directory/path');
    mkdirSync(dir, { recursive: true });
    copyFileSync('/bin/sleep', join(dir, 'mydaemon'));
    const child = spawn(join(dir, 'mydaemon'), ['3000'], { stdio: 'ignore' });
    children.push(child);
    // A long refresh: the round robin would take 30 of them.
    const s = new TmuxSession(`node ${bin} --interval 2`, 120, 40);
    sessions.push(s);
    await s.waitFor((t) => /OOM kills\b/.test(t), 15_000, 'the first frame');
    await new Promise((r) => setTimeout(r, 2500));
    await s.keys('/');
    for (const ch of '/directory') await s.keys(ch);
    await s.keys('Enter');
    // Within one refresh (2 s) plus drawing: the daemon's row, by its PID.
    const screen = await s.waitFor((t) => new RegExp(`\\b${child.pid}\\b`).test(t), 4_000, 'the daemon in the filtered table');
    expect(screen).not.toMatch(/no process matches/);
  }, 40_000);
});
