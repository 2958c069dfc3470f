import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adjOf, killStarted, startSleeper } from '../helpers/children.js';
import { hasTmux, sleep, TmuxSession, until } from '../helpers/tmux.js';

/*
 * What the screen shows and how keys behave, on the real binary in tmux, at 80×24 and 120×40:
 * modes in a fixed place, the guard's arming question, htop's function keys, the live filter,
 * keys that arrive in one chunk, wrapped messages and scrolling help.
 */
const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const sessions: TmuxSession[] = [];
afterEach(() => {
  sessions.splice(0).forEach((s) => s.kill());
  killStarted();
});

// The guard is armed in one test: thresholds of 0 % can never be crossed, so it acts on nothing.
const SAFE_GUARD = `--guard-opts='--mem-term 0 --mem-kill 0 --swap-term 0 --swap-kill 0'`;

function start(args: string, cols: number, rows: number, env: Record<string, string> = {}): TmuxSession {
  const s = new TmuxSession(`node ${bin} ${args}; echo "EXITED:$?"; sleep 60`, cols, rows, env);
  sessions.push(s);
  return s;
}
const lines = (screen: string) => screen.split('\n');
/** The screen as one line of words: wrapped text read across its line breaks. */
const flat = (screen: string) => lines(screen).map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');
const header4 = (screen: string) => lines(screen)[3]!;
const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
const hasSysResource = ((capEff >> 24n) & 1n) === 1n;
const rowOf = (screen: string, pid: number) => lines(screen).find((l) => new RegExp(`^\\s*\\S?\\s+${pid} `).test(l));

describe.skipIf(!hasTmux || !built).each([
  [80, 24],
  [120, 40],
])('oomtop keys and modes at %i×%i', (cols, rows) => {
  it('always shows the guard state, sort, filter and pause on the header; arming the guard asks first', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid} --interval 0.5 ${SAFE_GUARD}`, cols, rows);
    let t = await s.waitFor((x) => rowOf(x, c.pid!) !== undefined, 10_000, 'the row');
    expect(header4(t)).toMatch(/guard: OFF/);
    expect(header4(t)).toMatch(/sort: risk↓/);
    expect(header4(t)).toContain(`filter: "pid:${c.pid}"`);
    expect(t).toMatch(/F1Help/);

    await s.keys('Z');
    t = await s.waitFor((x) => header4(x).includes('PAUSED'), 5000, 'PAUSED');
    await s.keys('g');
    t = await s.waitFor((x) => /guard: DRY-RUN/.test(header4(x)), 5000, 'dry-run');
    // The status message replaced the footer: the modes stay where they were.
    expect(header4(t)).toMatch(/PAUSED/);
    expect(header4(t)).toMatch(/sort: risk/);

    await s.keys('g');
    t = await s.waitFor((x) => x.includes('Arm the guard?'), 5000, 'the question');
    expect(header4(t)).toMatch(/guard: DRY-RUN/);
    await s.keys('n');
    t = await s.waitFor((x) => x.includes('the guard stays in dry-run'), 5000, 'no');
    expect(header4(t)).toMatch(/guard: DRY-RUN/);

    await s.keys('g');
    await s.waitFor((x) => x.includes('Arm the guard?'), 5000, 'the question again');
    await s.keys('y');
    t = await s.waitFor((x) => /guard: ARMED/.test(header4(x)), 5000, 'armed');
    expect(header4(t)).toMatch(/PAUSED/);
    expect(header4(t)).toContain('filter: "pid:');
    // ARMED in a warning colour: red background.
    expect(lines(s.capture(true))[3]).toMatch(/\u001b\[[0-9;]*41m[^\u001b]*guard: ARMED/);
    await s.keys('g');
    await s.waitFor((x) => /guard: OFF/.test(header4(x)), 5000, 'off again');
    for (const l of lines(s.capture())) expect(l.length).toBeLessThanOrEqual(cols);
  });

  it('--read-only: READ-ONLY stays on the header while a message shows; the footer offers no kill or adj keys', async () => {
    const c = startSleeper();
    const s = start(`--read-only --filter pid:${c.pid} --interval 0.5`, cols, rows);
    let t = await s.waitFor((x) => rowOf(x, c.pid!) !== undefined && /F10Quit/.test(x), 10_000, 'the row');
    expect(header4(t)).toMatch(/READ-ONLY/);
    const footer = lines(t).filter((l) => /F1Help/.test(l))[0]!;
    expect(footer).not.toMatch(/F9|Kill|F7|F8|Adj|protect|k kill/);
    await s.keys('k');
    t = await s.waitFor((x) => x.includes('--read-only: killing is disabled'), 5000, 'the refusal');
    expect(header4(t)).toMatch(/READ-ONLY/);
  });

  it('F1 opens help and it stays; help wraps and scrolls to its legend; F10 quits', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid}`, cols, rows);
    await s.waitFor((x) => rowOf(x, c.pid!) !== undefined, 10_000, 'the row');
    await s.keys('F1');
    await s.waitFor((x) => x.includes('oomtop help'), 5000, 'help');
    await sleep(1500); // two refreshes: still help
    let t = s.capture();
    expect(t).toContain('oomtop help');
    for (const l of lines(t)) expect(l.length).toBeLessThanOrEqual(cols);
    // Descriptions wrap instead of being cut.
    expect(t).not.toMatch(/…\s*$/m);
    await s.keys('End');
    // The end of help is the end of the legend (its last entry, COMMAND).
    t = await s.waitFor((x) => flat(x).includes('oomtop itself'), 5000, 'the end of the legend');
    expect(flat(t)).toMatch(/"\(this monitor\)": oomtop itself/);
    await s.keys('Home');
    await s.waitFor((x) => x.includes('oomtop help'), 5000, 'the top again');
    await s.keys('x');
    await s.waitFor((x) => !x.includes('oomtop help') && rowOf(x, c.pid!) !== undefined, 5000, 'back');
    await s.keys('F10');
    await s.waitFor((x) => x.includes('EXITED:0'), 5000, 'the exit');
  });

  it('filters live as you type; digits match PID and command line, pid:N the PID only; Backspace in a chunk edits; Esc clears', async () => {
    const s = start('--interval 0.5', cols, rows);
    await s.waitFor((x) => /F1Help/.test(x), 10_000, 'the first frame');
    // Started after oomtop: new processes are read at once (the filter's own reach is issue 11 defect 1).
    const a = startSleeper(600);
    const b = startSleeper(a.pid!); // "sleep <a's PID>": its command line holds a's PID
    await sleep(1500);
    await s.keys('/');
    for (const ch of String(a.pid)) await s.keys(ch);
    let t = await s.waitFor((x) => rowOf(x, a.pid!) !== undefined && rowOf(x, b.pid!) !== undefined, 5000, 'both rows, before Enter');
    expect(t).toMatch(new RegExp(`Filter: ${a.pid}█`));
    expect(rowOf(t, b.pid!)).toContain(`sleep ${a.pid}`);
    await s.keys('Enter');
    t = await s.waitFor((x) => header4(x).includes(`filter: "${a.pid}"`), 5000, 'the kept filter');
    await s.keys('Escape');
    t = await s.waitFor((x) => !header4(x).includes('filter:') && x.includes('filter cleared'), 5000, 'cleared');
    // One chunk: "/pid:<a>x<Backspace><Enter>".
    await s.type(`/pid:${a.pid}x\u007f\r`);
    t = await s.waitFor((x) => header4(x).includes(`filter: "pid:${a.pid}"`), 5000, 'pid: filter');
    expect(rowOf(t, a.pid!)).toBeDefined();
    expect(rowOf(t, b.pid!)).toBeUndefined();
    expect(t).not.toMatch(/Filter:/);
  });

  it('applies each key of ]] typed in one chunk; refuses a pasted mix of action keys and says so', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid} --interval 0.5`, cols, rows);
    await s.waitFor((x) => rowOf(x, c.pid!) !== undefined, 10_000, 'the row');
    await s.type(']]');
    await until(() => adjOf(c.pid!) === 200, 5000, 'adj 200');
    await s.waitFor((x) => x.includes('oom_score_adj 100 → 200'), 5000, 'both steps in the log');
    await s.type('x]');
    const t = await s.waitFor((x) => x.includes('ignored x ]'), 5000, 'the refusal');
    expect(t).toMatch(/pressed on its own/);
    expect(adjOf(c.pid!)).toBe(200);
  });

  it('paused, the frozen table shows an adj change', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid} --interval 0.5`, cols, rows);
    await s.waitFor((x) => rowOf(x, c.pid!) !== undefined, 10_000, 'the row');
    await s.keys('Z');
    await s.waitFor((x) => header4(x).includes('PAUSED'), 5000, 'paused');
    await s.keys('x');
    await until(() => adjOf(c.pid!) === 500, 5000, 'adj 500');
    const t = await s.waitFor((x) => /\s500\s/.test(rowOf(x, c.pid!) ?? ''), 5000, 'adj 500 in the frozen row');
    expect(header4(t)).toMatch(/PAUSED/);
  });

  it.skipIf(hasSysResource)('wraps an error on the status line and in the details view: the fix is readable', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid} --interval 0.5`, cols, rows);
    await s.waitFor((x) => rowOf(x, c.pid!) !== undefined, 10_000, 'the row');
    await s.keys('p'); // protect: lowering adj below 0 without CAP_SYS_RESOURCE fails EACCES
    let t = await s.waitFor((x) => x.includes('fix:'), 5000, 'the error with its fix');
    // The fix, from "fix:" to the end of the screen (the footer), is whole: no line is cut.
    const all = lines(t);
    const fix = all.slice(all.findLastIndex((l) => l.includes('fix:'))).filter((l) => l.trim() !== '');
    expect(fix.join(' ').replace(/\s+/g, ' ')).toMatch(/fix: \S+/);
    for (const l of fix) expect(l).not.toMatch(/…\s*$/);
    await s.keys('e');
    t = await s.waitFor((x) => x.includes('Events —'), 5000, 'the details view');
    // The entry: its first line (ISO time) and the indented lines that continue it.
    const all2 = lines(t);
    const first = all2.findIndex((l) => /^\d{4}-\d\d-\d\dT/.test(l));
    expect(first).toBeGreaterThan(0);
    const end = all2.findIndex((l, i) => i > first && !l.startsWith(' '));
    const detail = all2.slice(first, end < 0 ? undefined : end).filter((l) => l.trim() !== '');
    expect(detail.length).toBeGreaterThan(1);
    expect(detail.join(' ').replace(/\s+/g, ' ')).toMatch(/fix: \S+/);
    for (const l of detail) expect(l).not.toMatch(/…\s*$/);
  });

  it('the header shows task count, load and uptime', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid}`, cols, rows);
    const t = await s.waitFor((x) => /Tasks \d+/.test(lines(x)[0]!), 10_000, 'tasks');
    expect(lines(t)[0]).toMatch(/Load \d+\.\d\d/);
    if (cols >= 120) expect(lines(t)[0]).toMatch(/(Uptime|up) (\d+d )?\d\d:\d\d/);
    expect(lines(t)[0]).toMatch(/pressure: NORMAL|pressure: ELEVATED|pressure: HIGH|pressure: CRITICAL|NORMAL|ELEVATED/);
  });
});

describe.skipIf(!hasTmux || !built)('oomtop at its small sizes, and the mouse', () => {
  it('at 60×20 help wraps and scrolls down to its whole legend', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid}`, 60, 20);
    await s.waitFor((x) => rowOf(x, c.pid!) !== undefined, 10_000, 'the row');
    await s.keys('?');
    await s.waitFor((x) => x.includes('oomtop help'), 5000, 'help');
    await s.keys('End');
    const t = await s.waitFor((x) => flat(x).includes('oomtop itself'), 5000, 'the end of the legend');
    for (const l of lines(t)) expect(l.length).toBeLessThanOrEqual(60);
    // Wrapped, not cut: the last entry is whole, and no line ends in an ellipsis.
    expect(flat(t)).toMatch(/"\(this monitor\)": oomtop itself/);
    for (const l of lines(t)) expect(l).not.toMatch(/…\s*$/);
  });

  it('at 30×8, the minimum, the header still shows pause, the guard, the sort and the filter', async () => {
    const c = startSleeper();
    const s = start(`--filter pid:${c.pid} --interval 0.5 ${SAFE_GUARD}`, 30, 8);
    await s.waitFor((x) => /risk/.test(header4(x)), 10_000, 'the first frame');
    // One at a time: on a loaded box two keys sent back to back can arrive in one read, and
    // g (an action key) is refused in a chunk of several keys, as a paste would be.
    await s.keys('Z');
    await s.waitFor((x) => /PAUSED/.test(header4(x)), 5000, 'the pause');
    await s.keys('g');
    const t = await s.waitFor((x) => /PAUSED/.test(header4(x)) && /DRY/.test(header4(x)), 5000, 'the modes');
    expect(header4(t)).toMatch(/risk↓/);
    expect(header4(t)).toMatch(/f:"pid/);
    for (const l of lines(t)) expect(l.length).toBeLessThanOrEqual(30);
  });

  it('turns mouse reports on, selects the clicked row, and turns them off on the way out', async () => {
    // Sleepers of their own length: the filter shows these two only, whatever else runs (a
    // soak's churn of short sleeps would move rows between the capture and the click).
    const a = startSleeper(6061);
    const b = startSleeper(6061);
    const s = start(`--filter 'sleep 6061' --sort pid --interval 0.5`, 120, 40);
    let t = await s.waitFor((x) => rowOf(x, a.pid!) !== undefined && rowOf(x, b.pid!) !== undefined, 10_000, 'both rows');
    expect(s.display('#{mouse_sgr_flag}')).toBe('1');
    const y = lines(t).findIndex((l) => l === rowOf(t, b.pid!)) + 1;
    await s.type(`\u001b[<0;20;${y}M\u001b[<0;20;${y}m`);
    // Selected: that row is drawn inverse (the header's row position may give way to a long
    // last-kill text on a busy box, so the row itself is what tells).
    await until(() => /\u001b\[7m/.test(s.capture(true).split('\n')[y - 1] ?? ''), 5000, 'the clicked row selected');
    expect(s.capture(true).split('\n')[y - 1]).toContain(String(b.pid));
    await s.keys('q');
    await s.waitFor((x) => x.includes('EXITED:0'), 5000, 'the exit');
    expect(s.display('#{mouse_sgr_flag}')).toBe('0');
  });
});
