import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adjOf } from '../helpers/children.js';
import { canMakeMemcg, memcgSkipReason, TestMemcg } from '../helpers/memcg.js';
import { hasTmux, TmuxSession } from '../helpers/tmux.js';

/**
 * What the table, the detail pane, the tree and the event log show, read back from the real
 * binary in tmux at 80×24 and 120×40 (issue 11: defects 2, 13, 18, 20 and the htop extras).
 */
const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const SIZES: [number, number][] = [
  [80, 24],
  [120, 40],
];
const MYDAEMON = '/tmp/x/some/very/long/directory/path/mydaemon';

const sessions: TmuxSession[] = [];
const children: ChildProcess[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  sessions.splice(0).forEach((s) => s.kill());
  // Only what this file started, by PID; grandchildren first.
  for (const c of children.splice(0).reverse()) {
    if (!c.pid || c.exitCode !== null || c.signalCode !== null) continue;
    for (const kid of childPids(c.pid)) kill(kid);
    kill(c.pid);
  }
  for (const c of cleanups.splice(0)) await c();
});
if (!hasTmux) console.warn('tmux is not installed: skipping the end-to-end screen tests');

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A copy of sleep at a long path (other tests may run it at once: copy aside, then rename). */
function mydaemon(): string {
  if (!existsSync(MYDAEMON)) {
    mkdirSync(dirname(MYDAEMON), { recursive: true });
    const tmp = `${MYDAEMON}.${process.pid}`;
    copyFileSync('/bin/sleep', tmp);
    chmodSync(tmp, 0o755);
    renameSync(tmp, MYDAEMON);
  }
  return MYDAEMON;
}
function startMydaemon(arg: string): ChildProcess {
  const c = spawn(mydaemon(), [arg], { stdio: 'ignore' });
  children.push(c);
  return c;
}
function start(args: string, cols: number, rows: number): TmuxSession {
  const s = new TmuxSession(`node ${bin} ${args}; echo "EXITED:$?"; sleep 60`, cols, rows);
  sessions.push(s);
  return s;
}
/** The table row of a PID: badges, then the PID. */
function rowOf(screen: string, pid: number): string | undefined {
  return screen.split('\n').find((l) => new RegExp(`^[ *VCNPE]*${pid} `).test(l));
}
function header(screen: string): string {
  return screen.split('\n').find((l) => /^\s+PID\b/.test(l) && l.includes('COMMAND'))!;
}
/** Move the selection (the inverse row) onto a PID. */
async function select(s: TmuxSession, pid: number): Promise<void> {
  await s.keys('Home');
  for (let i = 0; i < 30; i++) {
    const line = s.capture(true).split('\n').find((l) => l.replace(/\u001b\[[0-9;]*m/g, '').match(new RegExp(`^[ *VCNPE]*${pid} `)));
    if (line && /\u001b\[(?:\d+;)*7m/.test(line)) return;
    await s.keys('Down');
  }
  throw new Error(`could not select PID ${pid}`);
}

describe.skipIf(!hasTmux || !built)('oomtop screens in tmux', () => {
  it.each(SIZES)('%ix%i: the program name of a long path is visible, COMMAND keeps its room, the sort column is marked', async (cols, rows) => {
    const d = startMydaemon('3000');
    const s = start('--filter mydaemon --interval 0.5', cols, rows);
    const screen = await s.waitFor((t) => rowOf(t, d.pid!) !== undefined, 10_000, 'the mydaemon row');
    // Name first, then the arguments; before, COMMAND showed "/tmp/x/some…" at 80 columns.
    expect(rowOf(screen, d.pid!)).toMatch(/[ /]mydaemon 3000\s*$/);
    const head = header(screen);
    expect(cols - head.indexOf('COMMAND')).toBeGreaterThanOrEqual(32);
    expect(head).toMatch(/RISK▼/);
    await s.keys('s');
    await s.waitFor((t) => /RSS▼/.test(header(t) ?? ''), 5000, 'the RSS sort marked');
    await s.keys('I');
    await s.waitFor((t) => /RSS▲/.test(header(t) ?? ''), 5000, 'the inverted sort marked');
  });

  it('columns grow with the terminal: CGROUP is wider than 18 at 200 columns', async () => {
    const d = startMydaemon('3000');
    const s = start('--filter mydaemon --interval 0.5', 200, 40);
    const screen = await s.waitFor((t) => rowOf(t, d.pid!) !== undefined, 10_000, 'the row');
    const head = header(screen);
    expect(head.indexOf('COMMAND') - head.indexOf('CGROUP')).toBeGreaterThan(25);
    // The full path fits: it is shown, the name still whole.
    expect(rowOf(screen, d.pid!)).toContain(`${MYDAEMON} 3000`);
  });

  it.each(SIZES)("%ix%i: oomtop marks its own row and lowers its own adj where the kernel lets it", async (cols, rows) => {
    const s = start('--filter oomtop.js --interval 0.5', cols, rows);
    // (Its own row has its command line read from the first tick, so the filter finds it.)
    await s.waitFor((t) => t.includes('(this monitor)'), 10_000, 'the own row');
    const shell = Number(s.display('#{pane_pid}'));
    const self = childPids(shell).find((k) => readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('oomtop.js'))!;
    const screen = s.capture();
    expect(rowOf(screen, self)).toContain('oomtop (this monitor)');
    const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
    if (((capEff >> 24n) & 1n) === 1n) expect(adjOf(self)).toBe(-1000);
    else {
      // Without CAP_SYS_RESOURCE the kernel refuses; oomtop says so.
      expect(adjOf(self)).toBe(0);
      // Its row shows adj 0, and the event log says why: among the first events, before the
      // kernel's past kills (e, then Home: the first event), read across wrapped lines.
      expect(rowOf(screen, self)).toMatch(/\s0\s/);
      await s.keys('e');
      await s.waitFor((t) => t.includes('Events —'), 5000, 'the events view');
      await s.keys('Home');
      const flat = (t: string) => t.split('\n').map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');
      await s.waitFor((t) => flat(t).includes('oomtop could not lower its own oom_score_adj'), 5000, 'the reason in the event log');
    }
  });

  it.each(SIZES)('%ix%i: t shows the tree, children under their parent', async (cols, rows) => {
    // The parent is a script: its comm (mydaemon-parent) matches the filter from the first tick.
    const script = `${dirname(MYDAEMON)}/mydaemon-parent`;
    if (!existsSync(script)) {
      writeFileSync(`${script}.${process.pid}`, `#!/bin/sh\n${mydaemon()} 3101 &\n${mydaemon()} 3102 &\nwait\n`, { mode: 0o755 });
      renameSync(`${script}.${process.pid}`, script);
    }
    const sh = spawn(script, [], { stdio: 'ignore' });
    children.push(sh);
    const s = start('--filter mydaemon --interval 0.5', cols, rows);
    await s.waitFor((t) => (t.match(/[ /]mydaemon 310[12]/g) ?? []).length === 2 && rowOf(t, sh.pid!) !== undefined, 10_000, 'the three rows');
    await s.keys('t');
    const tree = await s.waitFor((t) => /├─ \S*mydaemon 310[12]/.test(t) && /└─ \S*mydaemon 310[12]/.test(t), 5000, 'the tree');
    const lines = tree.split('\n');
    const parent = lines.findIndex((l) => l === rowOf(tree, sh.pid!));
    expect(lines[parent + 1]).toMatch(/├─ \S*mydaemon 310[12]/);
    expect(lines[parent + 2]).toMatch(/└─ \S*mydaemon 310[12]/);
    await s.keys('t');
    await s.waitFor((t) => !/─ \S*mydaemon/.test(t) && /[ /]mydaemon 3101/.test(t), 5000, 'the flat view again');
  });
});

describe.skipIf(!hasTmux || !built || !canMakeMemcg)('oomtop screens in tmux, with a real memory cgroup', () => {
  if (!canMakeMemcg) console.warn(`skipping the cgroup screen tests: ${memcgSkipReason}`);

  it.each(SIZES)('%ix%i: every badge shows (CE), and Enter opens the detail pane with the score arithmetic, the cgroup chain and the history', async (cols, rows) => {
    const cg = new TestMemcg(256);
    cleanups.push(() => cg.remove());
    const d = cg.spawn(`${mydaemon()} 3001`);
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(`/proc/${d.pid}/oom_score_adj`, '300');
    const s = start('--filter mydaemon --interval 0.5', cols, rows);
    // Alone in its cgroup: its next victim (C); adj 300: expendable (E). Before, only C showed.
    const screen = await s.waitFor((t) => /^\s*V?CE\s/.test(rowOf(t, d.pid!) ?? ''), 10_000, 'the CE badges');
    expect(rowOf(screen, d.pid!)).toMatch(/[ /]mydaemon 3001\s*$/);
    await select(s, d.pid!);
    await s.keys('Enter');
    const top = await s.waitFor((t) => t.includes('Process details') && t.includes(`PID ${d.pid}  mydaemon`), 5000, 'the detail pane');
    expect(top).toContain(`${MYDAEMON} 3001`);
    expect(top).toMatch(/system OOM: rss \d+ \+ swap \d+ \+ page tables \d+ = \d+ pages/);
    expect(top).toMatch(/adj 300 × ⌊\d+ pages \(RAM \+ swap\) \/ 1000⌋ = \d+ pages/);
    expect(top).toMatch(/oom_score = \(1000 \+ \d+\) × 2\/3 = \d+/);
    await s.keys('End');
    const bottom = await s.waitFor((t) => t.includes('History: the last'), 5000, 'the end of the pane');
    expect(bottom).toMatch(new RegExp(`/${cg.name}: usage \\S+, limit 256M, working set \\d+%\\s+← its OOM`));
    expect(bottom).toMatch(/RSS\s+[▁▂▃▄▅▆▇█]+\s+\S+ … \S+, now \S+/);
    expect(bottom).toMatch(/oom_score [▁▂▃▄▅▆▇█]+\s+\d+ … \d+, now \d+/);
    await s.keys('Escape');
    await s.waitFor((t) => !t.includes('Process details') && rowOf(t, d.pid!) !== undefined, 5000, 'the table again');
    // The help has a legend of the badges.
    await s.keys('?');
    await s.waitFor((t) => t.includes('oomtop help'), 5000, 'the help');
    // The legend closes the help: at 80x24 it is below the keys (help scrolls).
    await s.keys('End');
    const help = await s.waitFor((t) => t.includes('every badge that applies'), 5000, 'the legend');
    expect(help).toMatch(/V C N P E \*\s+every badge that applies \(VE, CP\)/);
  });

  it.each(SIZES)('%ix%i: live and past kernel kills are told apart at the start of the line', async (cols, rows) => {
    const cg = new TestMemcg(32);
    cleanups.push(() => cg.remove());
    const exit = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
    const past = cg.spawn('tail /dev/zero');
    await exit(past);
    const s = start(`--filter no-such-process-${cg.name} --interval 0.5`, cols, rows);
    await s.waitFor((t) => t.includes('klog: kmsg'), 10_000, 'the kernel log follower');
    const live = cg.spawn('tail /dev/zero');
    await exit(live);
    const line = (t: string, pid: number) => t.split('\n').find((l) => l.includes(`PID ${pid} (tail)`));
    const shown = await s.waitFor((t) => line(t, live.pid!) !== undefined, 8000, 'the live kill');
    expect(line(shown, live.pid!)).toMatch(/^LIVE \d\d:\d\d:\d\d oom-kill /);
    // The earlier kill is in the list of events: scroll up to it.
    await s.keys('e');
    let screen = '';
    for (let i = 0; i < 80 && !line(screen, past.pid!); i++) {
      await s.keys('Up');
      screen = s.capture();
    }
    expect(line(screen, past.pid!)).toMatch(/^past \d\d:\d\d:\d\d oom-kill /);
  });
});
