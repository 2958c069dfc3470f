/**
 * The TUI's sampler host takes its ticks in slices (issue 17: a key answered within 50 ms
 * even during a 10,000-process tick): a key pressed during a long tick goes through the key
 * reducer and into the store between two slices, on the previous snapshot, before the tick
 * ends; a kick during a tick takes another tick after it; stopping drops the tick. A
 * fixture tree with enough processes and a few PIDs a slice makes the tick long in steps,
 * not in milliseconds: nothing here depends on timing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOomtopStore } from '../../src/store/store.js';
import { SamplerHost } from '../../src/tui/host.js';
import { ALONE, reduceKey, type KeyContext } from '../../src/ui/keys.js';
import { makeFakeProc, removeFakeProc, type FakeProcess } from '../helpers/fakeproc.js';
import { until } from '../helpers/wait.js';

const roots: string[] = [];
const hosts: SamplerHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.stop();
  roots.splice(0).forEach(removeFakeProc);
});

const PROCESSES = 200;
const SLICE = 5;

function setup() {
  const procs: FakeProcess[] = [{ pid: 1, comm: 'init', rssPages: 5000 }];
  for (let i = 0; i < PROCESSES - 1; i++) procs.push({ pid: 100 + i, comm: `p${i}`, rssPages: 1000 + i });
  const root = makeFakeProc({ processes: procs });
  roots.push(root);
  const store = createOomtopStore({ sort: 'pid' });
  store.getState().setView({ pageSize: 20 });
  let slices = 0;
  const host = new SamplerHost(store, { procRoot: root, passwdPath: '/nonexistent-passwd', pageKiB: 4 }, 3_600_000, undefined, null, {
    slicePids: SLICE,
    between: () => new Promise<void>((r) => setImmediate(() => (slices++, r()))),
  });
  hosts.push(host);
  return { store, host, slices: () => slices };
}

/** What App.tsx does with one key: reduceKey on the store's view, the view it returns into the store. */
function press(store: ReturnType<typeof createOomtopStore>, key: 'Down' | 'Up'): void {
  const s = store.getState();
  const ctx: KeyContext = {
    view: s.view,
    eventCount: s.events.length,
    cgroupCount: 0,
    helpMax: 0,
    detailMax: 0,
    processMax: 0,
    textPage: 10,
    readOnly: true,
    adj: { step: 100, protect: -900, expendable: 900 },
    guard: null,
    selectedUser: null,
  };
  const r = reduceKey(ctx, key, ALONE);
  if (r.view) s.setView(r.view);
  for (const e of r.effects) if (e.do === 'move' && typeof e.by === 'number') s.moveSelection(e.by);
}

describe('SamplerHost: sliced ticks', () => {
  it('handles a key pressed during a tick between two of its slices, on the previous snapshot, before the tick ends', async () => {
    const { store, host, slices } = setup();
    host.sampleNow(); // the first tick, whole (as start() takes it)
    expect(store.getState().snapshot?.seq).toBe(1);
    const firstRow = store.getState().rows[0]!.key;
    expect(store.getState().view.selectedKey).toBe(firstRow);

    const tick = host.sampleSliced();
    expect(host.sampling).toBe(true);
    // The key arrives while the tick is under way (here: queued behind its first slice).
    let seen: { slice: number; seq: number | undefined; sampling: boolean; selected: string | null } | null = null;
    setImmediate(() => {
      press(store, 'Down');
      const s = store.getState();
      seen = { slice: slices(), seq: s.snapshot?.seq, sampling: host.sampling, selected: s.view.selectedKey };
    });
    await tick;
    const total = slices();
    expect(total).toBeGreaterThanOrEqual(Math.floor(PROCESSES / SLICE) - 1);
    // Handled mid-tick: the selection moved to the second row of the snapshot on screen, and
    // more slices of the tick came after it.
    expect(seen).not.toBeNull();
    expect(seen!.sampling).toBe(true);
    expect(seen!.seq).toBe(1);
    expect(seen!.selected).toBe(store.getState().rows[1]!.key);
    expect(seen!.slice).toBeGreaterThan(0);
    expect(seen!.slice).toBeLessThan(total);
    // The finished tick went to the store in one piece, and kept the key's effect.
    expect(host.sampling).toBe(false);
    expect(store.getState().snapshot?.seq).toBe(2);
    expect(store.getState().snapshot?.processes.length).toBe(PROCESSES);
    expect(store.getState().view.selectedKey).toBe(seen!.selected);
  });

  it('a kick during a tick takes one more tick after it (an action needs a read that follows it)', async () => {
    const { store, host } = setup();
    host.start(); // first tick whole, then the next in an hour
    expect(store.getState().snapshot?.seq).toBe(1);
    host.kick();
    expect(host.sampling).toBe(true);
    host.kick(); // e.g. a signal sent meanwhile
    host.sampleNow(); // so does a synchronous request: it waits for the tick under way
    await until(() => !host.sampling && store.getState().snapshot?.seq === 3, 10_000, 'the tick after the kick');
    // One tick followed, not two: the next waits for the interval.
    await new Promise((r) => setTimeout(r, 50));
    expect(store.getState().snapshot?.seq).toBe(3);
    expect(host.sampling).toBe(false);
  });

  it('stopping during a tick drops it: no snapshot after stop()', async () => {
    const { store, host, slices } = setup();
    host.sampleNow();
    const tick = host.sampleSliced();
    setImmediate(() => host.stop());
    await tick;
    expect(slices()).toBeLessThan(Math.ceil(PROCESSES / SLICE) - 1);
    expect(store.getState().snapshot?.seq).toBe(1);
    expect(host.sampling).toBe(false);
  });
});
