/**
 * The sliced tick (Sampler.sampleSliced, the TUI's): the same reads and the same snapshot as
 * the synchronous one (sample(), for --once, the exporter, the recorder), cut at any place,
 * on a fixture tree that changes between ticks and on real /proc for children this test
 * starts.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Sampler } from '../../src/sampler/sampler.js';
import type { Snapshot } from '../../src/sampler/types.js';
import type { ReadRequest } from '../../src/sampler/plan.js';
import { makeFakeProc, removeFakeProc, writeFakeProcess, type FakeProcess } from '../helpers/fakeproc.js';
import { killStarted, startSleeper } from '../helpers/children.js';
import { until } from '../helpers/wait.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach(removeFakeProc));
afterAll(() => killStarted());
const passwdPath = '/nonexistent-passwd';

/** A snapshot as data (the samples change in place on the next tick), less the time it took. */
function plain(snap: Snapshot | null): unknown {
  if (snap === null) throw new Error('tick dropped');
  const { costMs, ...rest } = snap;
  expect(costMs).toBeGreaterThanOrEqual(0);
  return JSON.parse(JSON.stringify(rest));
}

function fixture(): { root: string; procs: FakeProcess[] } {
  const procs: FakeProcess[] = [
    { pid: 1, comm: 'init', rssPages: 5000 },
    { pid: 2, comm: 'kthreadd', ppid: 0, flags: 0x00208040, kernelThread: true },
    { pid: 3, comm: 'kworker/0:1', ppid: 2, flags: 0x04208060, kernelThread: true },
    { pid: 7, comm: 'defunct', state: 'Z' },
  ];
  for (let i = 0; i < 57; i++) {
    procs.push({ pid: 100 + i * 3, comm: `w${i}`, cmdline: `worker --n ${i}`, rssPages: 1000 + ((i * 7919) % 50_000), adj: i % 5 === 0 ? 300 : 0, uid: i % 2 ? 1000 : 0 });
  }
  const root = makeFakeProc({ processes: procs, swapTotalKiB: 1_000_000 });
  roots.push(root);
  return { root, procs };
}

describe('Sampler.sampleSliced', () => {
  it('gives the snapshot sample() gives, tick after tick, whatever the slice size', async () => {
    const now = () => 1_700_000_000_000;
    for (const slicePids of [1, 3, 7, 1000]) {
      const { root, procs } = fixture();
      const opts = { procRoot: root, passwdPath, pageKiB: 4, refreshEvery: 4, now };
      const sync = new Sampler(opts);
      const sliced = new Sampler(opts);
      let yields = 0;
      const requests: ReadRequest[] = [{}, { detailPids: new Set([100, 103, 160]) }, { names: true }, { full: true }, { detailPids: new Set([103]) }, {}];
      for (const [n, req] of requests.entries()) {
        // The tree changes between ticks: one exits, one starts, one grows, one exec's, one's PID is reused.
        if (n === 2) rmSync(join(root, '106'), { recursive: true });
        if (n === 2) writeFakeProcess(root, { pid: 900, comm: 'newcomer', rssPages: 70_000 });
        if (n === 3) writeFakeProcess(root, { ...procs[10]!, rssPages: 300_000 });
        if (n === 4) writeFakeProcess(root, { ...procs[11]!, comm: 'exec-d' });
        if (n === 5) writeFakeProcess(root, { pid: 109, comm: 'reused', startTime: 99_999 });
        const a = plain(sync.sample(req));
        const b = plain(await sliced.sampleSliced(req, { slicePids, between: () => void yields++ }));
        expect(b).toEqual(a);
      }
      // It was cut where asked: 61 PIDs listed on the first tick, in slices of slicePids, with
      // a yield after the listing and one before the snapshot.
      if (slicePids < 61) expect(yields).toBeGreaterThanOrEqual(requests.length * (Math.floor(60 / slicePids) + 2));
      else expect(yields).toBe(2 * requests.length);
    }
  });

  it('cuts by time by default and yields to the event loop between slices', async () => {
    const { root } = fixture();
    const s = new Sampler({ procRoot: root, passwdPath, pageKiB: 4 });
    let yields = 0;
    // A slice of 0 ms ends at the first look at the clock (every 16 processes); one yield
    // before each slice, and one before the snapshot.
    const snap = await s.sampleSliced({}, { sliceMs: 0, between: () => new Promise<void>((r) => setImmediate(() => (yields++, r()))) });
    expect(snap?.processes.length).toBe(58);
    expect(yields).toBe(Math.ceil(61 / 16) + 1);
  });

  it('is one tick at a time: sample() during a sliced tick throws; a cancelled tick leaves the sampler usable', async () => {
    const { root } = fixture();
    const now = () => 1_700_000_000_000;
    const s = new Sampler({ procRoot: root, passwdPath, pageKiB: 4, now });
    let threw: unknown = null;
    const done = s.sampleSliced({}, {
      slicePids: 10,
      between: () => {
        if (threw === null) {
          expect(s.sampling).toBe(true);
          try {
            s.sample();
          } catch (e) {
            threw = e;
          }
        }
      },
    });
    expect(plain(await done)).toMatchObject({ seq: 1 });
    expect(String(threw)).toMatch(/one tick at a time/);
    expect(s.sampling).toBe(false);
    let cancel = false;
    expect(await s.sampleSliced({}, { slicePids: 10, between: () => void (cancel = true), cancelled: () => cancel })).toBeNull();
    // The next tick reads every process again (the round-robin turns of the dropped one come round later).
    const ref = new Sampler({ procRoot: root, passwdPath, pageKiB: 4, now }).sample();
    const next = await s.sampleSliced({}, { slicePids: 4 });
    expect(next?.seq).toBe(3);
    expect(next?.processes.map((p) => p.pid)).toEqual(ref.processes.map((p) => p.pid));
    expect(next?.nextVictimPid).toBe(ref.nextVictimPid);
    expect(s.sample().seq).toBe(4);
  });

  it('on real /proc: the same samples for processes this test started, read through held files', async () => {
    const kids = Array.from({ length: 6 }, () => startSleeper(120));
    const pids = kids.map((k) => k.pid!);
    await until(() => pids.every((p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }), 10_000, 'sleepers');
    const now = () => 1_700_000_000_000;
    const sync = new Sampler({ procRoot: '/proc', now });
    const sliced = new Sampler({ procRoot: '/proc', now });
    const req = { detailPids: new Set(pids) };
    const mine = (snap: Snapshot | null) =>
      pids.map((pid) => {
        const p = snap!.processes.find((x) => x.pid === pid);
        return p === undefined ? null : JSON.parse(JSON.stringify(p));
      });
    let yields = 0;
    try {
      for (let tick = 0; tick < 3; tick++) {
        const a = mine(sync.sample(req));
        const b = mine(await sliced.sampleSliced(req, { slicePids: 5, between: () => new Promise<void>((r) => setImmediate(() => (yields++, r()))) }));
        expect(a.every((p) => p !== null && p.name === 'sleep' && p.rssKiB > 0)).toBe(true);
        expect(b).toEqual(a);
      }
      for (const pid of pids) expect(sliced.holdsFilesOf(pid)).toBe(true);
      expect(yields).toBeGreaterThan(3);
    } finally {
      sync.close();
      sliced.close();
    }
  });
});
