/**
 * The whole path of a key during a long tick (issue 17), in process: the App on a fixture
 * tree with enough processes, the TUI's sampler host taking its tick a few PIDs a slice. A
 * Down written to the terminal's input between two slices is read by Ink, reduced, put in
 * the store and drawn (the selection on the next row of the previous snapshot) before the
 * tick's snapshot reaches the store. Ordered by the event loop, not by time.
 */
import React from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Commands } from '../../src/tui/commands.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { SamplerHost } from '../../src/tui/host.js';
import { createOomtopStore } from '../../src/store/store.js';
import { App } from '../../src/ui/App.js';
import { makeTheme } from '../../src/ui/theme.js';
import { makeFakeProc, removeFakeProc, type FakeProcess } from '../helpers/fakeproc.js';

const roots: string[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((f) => f());
  roots.splice(0).forEach(removeFakeProc);
});

/** The PID on the row drawn in inverse video (the selection), or null. */
function selectedPid(frame: string | undefined): number | null {
  for (const line of (frame ?? '').split('\n')) {
    if (!line.includes('\u001b[7m') || /PID/.test(line)) continue;
    const m = /^\s*(?:[^\d\s]\s+)?(\d+)\s/.exec(line.replace(/\u001b\[[0-9;]*m/g, ''));
    if (m) return Number(m[1]);
  }
  return null;
}

describe('App with sliced ticks', () => {
  it('draws a key pressed during a long tick before the tick ends', async () => {
    const procs: FakeProcess[] = [{ pid: 1, comm: 'init', rssPages: 5000 }];
    for (let i = 0; i < 199; i++) procs.push({ pid: 100 + i, comm: `p${i}`, rssPages: 1000 + i });
    const root = makeFakeProc({ processes: procs });
    roots.push(root);
    const config = { ...DEFAULT_CONFIG, procRoot: root, color: false };
    const store = createOomtopStore({ sort: 'pid' });

    let ui: ReturnType<typeof render> | null = null;
    let calls = 0;
    let keyAt = -1;
    const seen: { call: number; seq: number | undefined; sampling: boolean; pid: number | null }[] = [];
    let host: SamplerHost | null = null;
    const between = () => {
      calls++;
      if (ui !== null && host !== null && keyAt < 0 && calls === 3) {
        ui.stdin.write('\u001b[B'); // Down, as the terminal sends it
        keyAt = calls;
      }
      if (host?.sampling) seen.push({ call: calls, seq: store.getState().snapshot?.seq, sampling: host.sampling, pid: selectedPid(ui?.lastFrame()) });
      return new Promise<void>((r) => setImmediate(r));
    };
    host = new SamplerHost(store, { procRoot: root, passwdPath: '/nonexistent', pageKiB: 4 }, 3_600_000, undefined, null, { slicePids: 5, between });
    cleanups.push(() => host!.stop());
    host.sampleNow();
    const commands = new Commands(store, config, () => host!.kick());
    ui = render(<App store={store} commands={commands} config={config} theme={makeTheme(false)} onQuit={() => {}} />);
    cleanups.push(() => ui!.unmount());
    expect(selectedPid(ui.lastFrame())).toBe(1);

    await host.sampleSliced();

    // The tick had many slices after the key; at the last yield before its snapshot went to
    // the store, the screen already showed the selection one row down, on snapshot 1.
    expect(keyAt).toBe(3);
    expect(calls).toBeGreaterThan(30);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ seq: 1, sampling: true, pid: 100 });
    // Drawn within a few turns of the event loop after the key, long before the end.
    const drawn = seen.find((s) => s.pid === 100)!;
    expect(drawn.call).toBeLessThan(keyAt + 5);
    // The snapshot went to the store whole, and the selection stayed where the key put it.
    expect(store.getState().snapshot?.seq).toBe(2);
    await new Promise((r) => setImmediate(r));
    expect(selectedPid(ui.lastFrame())).toBe(100);
  });
});
