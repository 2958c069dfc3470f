import React from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Commands } from '../../src/tui/commands.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { Sampler } from '../../src/sampler/sampler.js';
import { createOomtopStore } from '../../src/store/store.js';
import { App, layout } from '../../src/ui/App.js';
import { makeTheme } from '../../src/ui/theme.js';
import { makeFakeProc, removeFakeProc } from '../helpers/fakeproc.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach(removeFakeProc));

function setup(processes: Parameters<typeof makeFakeProc>[0]['processes']) {
  const root = makeFakeProc({ processes });
  roots.push(root);
  const config = { ...DEFAULT_CONFIG, procRoot: root, color: false };
  const store = createOomtopStore();
  const sampler = new Sampler({ procRoot: root, passwdPath: '/nonexistent', pageKiB: 4 });
  const sample = () => store.getState().applySnapshot(sampler.sample());
  sample();
  let quit = 0;
  const commands = new Commands(store, config, sample);
  const raw = render(<App store={store} commands={commands} config={config} theme={makeTheme(false)} onQuit={() => quit++} />);
  // Frames without SGR styling (bold, inverse), to match on text.
  const frame = raw.lastFrame;
  const ui = Object.assign(raw, { lastFrame: () => frame()?.replace(/\u001b\[[0-9;]*m/g, '') });
  return { ui, store, root, quits: () => quit };
}
const tick = () => new Promise((r) => setTimeout(r, 30));

describe('App', () => {
  it('shows the header, the highest score first with the V badge, and the footer keys', () => {
    const { ui } = setup([{ pid: 10, comm: 'small', rssPages: 1000 }, { pid: 11, comm: 'bigdb', rssPages: 900_000, cmdline: 'bigdb --port 5432' }]);
    const frame = ui.lastFrame()!;
    expect(frame).toMatch(/pressure: NORMAL/);
    expect(frame).toMatch(/OOM kills since boot: 0/);
    const rows = frame.split('\n').filter((l) => /^\s*\*?[VNPE ]\s+\d+ /.test(l));
    expect(rows[0]).toMatch(/^ V\s+11 .*bigdb/);
    expect(frame).toMatch(/F1Help.*F10Quit/);
    expect(frame).toMatch(/F9Kill/);
  });

  it("puts the system's time to exhaustion in the header when MemAvailable + free swap shrink steadily, and says nothing without a trend", async () => {
    const { ui, store, root } = setup([{ pid: 10, comm: 'a' }]);
    const sampler = new Sampler({ procRoot: root, passwdPath: '/nonexistent', pageKiB: 4 });
    // 41 samples a second apart: 300 MiB available, 1 MiB/s less each second, no swap.
    const t0 = Date.now() + 10_000; // after the sample setup took
    for (let t = 0; t <= 40; t++) {
      const snap = sampler.sample();
      const mem = { ...snap.system.memory!, availableKiB: 300 * 1024 - 1024 * t, swapTotalKiB: 0, swapFreeKiB: 0 };
      store.getState().applySnapshot({ ...snap, time: t0 + t * 1000, system: { ...snap.system, memory: mem } });
    }
    await tick();
    // 260 MiB left at 1 MiB/s: 260 s, within ten times the 40 s measured.
    expect(store.getState().forecast.system!.etaSeconds).toBeCloseTo(260, 0);
    const header = ui.lastFrame()!.split('\n').slice(0, 4).join('\n');
    expect(header).toMatch(/system: OOM in ~4 min/);
    // Flat from then on: no trend, no ETA in the header.
    for (let t = 41; t <= 100; t++) {
      const snap = sampler.sample();
      const mem = { ...snap.system.memory!, availableKiB: 260 * 1024, swapTotalKiB: 0, swapFreeKiB: 0 };
      store.getState().applySnapshot({ ...snap, time: t0 + t * 1000, system: { ...snap.system, memory: mem } });
    }
    await tick();
    expect(ui.lastFrame()!).not.toMatch(/system: OOM/);
    sampler.close();
  });

  it('never draws more lines than the terminal has', () => {
    const { ui } = setup(Array.from({ length: 80 }, (_, i) => ({ pid: 100 + i, comm: `p${i}` })));
    // ink-testing-library reports 24 rows by default to our hook.
    expect(ui.lastFrame()!.split('\n').length).toBeLessThanOrEqual(23);
    expect(layout(24).table + layout(24).log + 4 + 1).toBeLessThanOrEqual(23);
  });

  it('opens help on ?, scrolls it to the legend, returns on any key, quits on q', async () => {
    const { ui, quits } = setup([{ pid: 10, comm: 'a' }]);
    ui.stdin.write('?');
    await tick();
    expect(ui.lastFrame()).toMatch(/oomtop help/);
    expect(ui.lastFrame()).toMatch(/more lines/);
    ui.stdin.write('\u001b[F'); // End
    await tick();
    expect(ui.lastFrame()).toMatch(/next victim/);
    ui.stdin.write('x');
    await tick();
    expect(ui.lastFrame()).not.toMatch(/oomtop help/);
    ui.stdin.write('q');
    await tick();
    expect(quits()).toBe(1);
  });

  it('filters live as you type, keeps it on Enter, clears it with Esc on the main screen', async () => {
    const { ui, store } = setup([{ pid: 10, comm: 'nginx' }, { pid: 11, comm: 'postgres' }]);
    for (const ch of ['/', 'p', 'o', 's']) {
      ui.stdin.write(ch);
      await tick();
    }
    expect(ui.lastFrame()).toMatch(/Filter: pos/);
    expect(store.getState().rows.map((r) => r.pid)).toEqual([11]); // before Enter
    ui.stdin.write('\r');
    await tick();
    expect(store.getState().view.filter).toBe('pos');
    expect(ui.lastFrame()).toMatch(/filter: "pos"/);
    ui.stdin.write('\u001b');
    await tick();
    expect(store.getState().view.filter).toBe('');
    expect(store.getState().rows).toHaveLength(2);
  });

  it('edits a filter typed in one chunk: Backspace inside it deletes, Enter inside it keeps', async () => {
    const { ui, store } = setup([{ pid: 10, comm: 'nginx' }, { pid: 11, comm: 'postgres' }]);
    ui.stdin.write('/ngx\u007finx\r');
    await tick();
    expect(store.getState().view).toMatchObject({ filter: 'nginx', filterDraft: null });
    expect(store.getState().rows.map((r) => r.pid)).toEqual([10]);
  });

  it('refuses a pasted string of action keys, and says so', async () => {
    const { ui, store } = setup([{ pid: 10, comm: 'a' }, { pid: 11, comm: 'b' }]);
    ui.stdin.write('xkP');
    await tick();
    expect(store.getState().view.dialog).toBeNull();
    expect(store.getState().events).toHaveLength(0);
    expect(store.getState().status?.text).toMatch(/^ignored x k P: /);
  });

  it('applies each key of a repeated chunk: ]] raises adj twice', async () => {
    const { ui, root } = setup([{ pid: 10, comm: 'a' }]);
    ui.stdin.write(']]');
    await tick();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${root}/10/oom_score_adj`, 'utf8').trim()).toBe('200');
  });

  it('F1 opens help and leaves it open', async () => {
    const { ui } = setup([{ pid: 10, comm: 'a' }]);
    ui.stdin.write('\u001bOP');
    await tick();
    await tick();
    expect(ui.lastFrame()).toMatch(/oomtop help/);
  });

  it('paused, the frozen table shows an adj change', async () => {
    const { ui, store } = setup([{ pid: 10, comm: 'a' }]);
    ui.stdin.write('Z');
    await tick();
    ui.stdin.write('x');
    await tick();
    expect(store.getState().view.paused).toBe(true);
    expect(store.getState().rows[0]!.oomScoreAdj).toBe(500);
    expect(ui.lastFrame()).toMatch(/PAUSED/);
    expect(ui.lastFrame()).toMatch(/\b10 .* 666\s+500\s/);
  });

  it('x writes oom_score_adj and logs the result; k opens the kill dialog, Esc cancels', async () => {
    const { ui, store, root } = setup([{ pid: 10, comm: 'a' }]);
    ui.stdin.write('x');
    await tick();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${root}/10/oom_score_adj`, 'utf8').trim()).toBe('500');
    expect(store.getState().events.at(-1)!.text).toMatch(/PID 10 \(a\): oom_score_adj 0 → 500/);
    ui.stdin.write('k');
    await tick();
    expect(ui.lastFrame()).toMatch(/Send a signal to PID 10 \(a\)/);
    expect(ui.lastFrame()).toMatch(/> SIGTERM/);
    ui.stdin.write('\u001b');
    await tick();
    expect(store.getState().view.dialog).toBeNull();
  });

  it('P asks before setting -1000', async () => {
    const { ui } = setup([{ pid: 10, comm: 'a' }]);
    ui.stdin.write('P');
    await tick();
    expect(ui.lastFrame()).toMatch(/Never kill PID 10 \(a\)\?/);
  });
});
