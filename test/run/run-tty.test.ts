import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memcgSkipReason } from '../helpers/memcg.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';

/* `oomtop run` on a real terminal (tmux): the live status row, Ctrl-C, and a clean screen after. */

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/oomtop.js');
const skip = memcgSkipReason ?? (!hasTmux ? 'no tmux' : !existsSync(join(repo, 'dist/cli/main.js')) ? 'not built' : null);
if (skip) console.warn(`oomtop run terminal tests skipped: ${skip}`);

let work = '';
let alloc = '';
const sessions: TmuxSession[] = [];
beforeAll(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'oomtop-run-tty-'));
  const exe = join(work, 'alloc');
  alloc = spawnSync('cc', ['-O1', '-o', exe, join(import.meta.dirname, 'fixtures/alloc.c')]).status === 0 ? exe : '';
});
afterAll(() => {
  for (const s of sessions) s.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

const STATUS = /oomtop run +\S+ \/ 64M +\d+% \[[| ]{10}\] peak \S+ +\d+:\d\d/;

describe.skipIf(skip !== null)('oomtop run on a terminal', () => {
  it('draws a live status row at the bottom while CMD prints above it, and clears it at the end', async () => {
    const job = alloc
      ? `sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo line $i; sleep 0.1; done; ${alloc} 20'`
      : `sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo line $i; sleep 0.1; done'`;
    const s = new TmuxSession(`${process.execPath} ${bin} run --memory 64M -- ${job}; echo rc=$?; sleep 30`, 100, 12);
    sessions.push(s);
    const during = await s.waitFor((sc) => STATUS.test(sc) && /line \d+/.test(sc), 10_000, 'status row');
    const rows = during.split('\n');
    // The status is on the last row, CMD's lines above it.
    expect(rows[11]).toMatch(STATUS);
    expect(rows.slice(0, 11).some((r) => /^line \d+$/.test(r))).toBe(true);
    const after = await s.waitFor((sc) => sc.includes('rc=0'), 15_000, 'job end');
    expect(after).not.toMatch(STATUS);
    expect(after.replace(/\n/g, '')).toMatch(/oomtop run: sh -c .* exited ?with ?status ?0/);
    expect(after).toContain('line 15');
  });

  it('Ctrl-C reaches CMD; oomtop reports and removes the cgroup', async () => {
    const job = `sh -c 'trap "echo got INT; exit 6" INT; echo ready; while :; do sleep 0.1; done'`;
    const s = new TmuxSession(`${process.execPath} ${bin} run --memory 64M -- ${job}; echo rc=$?; sleep 30`, 100, 20);
    sessions.push(s);
    await s.waitFor((sc) => sc.includes('ready') && STATUS.test(sc), 10_000, 'job ready');
    await s.keys('C-c');
    const after = await s.waitFor((sc) => sc.includes('rc=6'), 10_000, 'job end');
    expect(after).toContain('got INT');
    expect(after.replace(/\n/g, '')).toMatch(/exited ?with ?status ?6/);
    expect(after.replace(/\n/g, '')).toMatch(/; removed/);
    expect(after).not.toMatch(STATUS);
  });
});
