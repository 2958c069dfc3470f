import { describe, expect, it } from 'vitest';
import { planDetails, planTick, type ReadRequest } from '../../src/sampler/plan.js';

const EVERY = 30;
const none: ReadRequest = {};

describe('the sampler read plan', () => {
  it('skips a known kernel thread except on its round-robin tick', () => {
    expect(planTick({ kernelThread: true }, 7, 1, none, false, EVERY)).toMatchObject({ skip: true });
    expect(planTick({ kernelThread: true }, 7, 23, none, false, EVERY)).toMatchObject({ skip: false, roundRobin: true, asked: true });
  });

  it('asks for details for the rows on screen, last tick’s victims, a full read and the round robin — nothing else', () => {
    const known = { kernelThread: false };
    expect(planTick(known, 10, 1, none, false, EVERY).asked).toBe(false);
    expect(planTick(known, 10, 1, { detailPids: new Set([10]) }, false, EVERY).asked).toBe(true);
    expect(planTick(known, 10, 1, { detailPids: new Set([11]) }, false, EVERY).asked).toBe(false);
    expect(planTick(known, 10, 1, none, true, EVERY).asked).toBe(true);
    expect(planTick(known, 10, 1, { full: true }, false, EVERY).asked).toBe(true);
    expect(planTick(known, 10, 20, none, false, EVERY)).toMatchObject({ asked: true, roundRobin: true });
    // Every process comes round once in every `refreshEvery` ticks.
    const turns = Array.from({ length: EVERY }, (_, i) => planTick(known, 10, 100 + i, none, false, EVERY).roundRobin).filter(Boolean);
    expect(turns).toHaveLength(1);
  });

  const quiet = { skip: false, asked: false, roundRobin: false };

  it('reads only adj and cgroup for processes first seen at the light first tick, unless asked about', () => {
    expect(planDetails(quiet, { fresh: true, exec: false, hasDetails: false, tick: 1 }, none)).toEqual({ light: true, status: false, adj: true, cmdline: false, cgroup: true });
    expect(planDetails({ ...quiet, asked: true }, { fresh: true, exec: false, hasDetails: false, tick: 1 }, none)).toEqual({ light: false, status: true, adj: true, cmdline: true, cgroup: true });
  });

  it('reads a process that appears later in full, once; a known quiet process not at all', () => {
    expect(planDetails(quiet, { fresh: true, exec: false, hasDetails: false, tick: 5 }, none)).toEqual({ light: false, status: true, adj: true, cmdline: true, cgroup: true });
    expect(planDetails(quiet, { fresh: false, exec: false, hasDetails: true, tick: 5 }, none)).toEqual({ light: false, status: false, adj: false, cmdline: false, cgroup: false });
  });

  it('re-reads the command line after an exec, but not for every detail read', () => {
    expect(planDetails(quiet, { fresh: false, exec: true, hasDetails: true, tick: 5 }, none)).toMatchObject({ status: true, cmdline: true, cgroup: false });
    expect(planDetails({ ...quiet, asked: true }, { fresh: false, exec: false, hasDetails: true, tick: 5 }, none)).toMatchObject({ status: true, cmdline: false, cgroup: false });
    expect(planDetails({ ...quiet, asked: true, roundRobin: true }, { fresh: false, exec: false, hasDetails: true, tick: 5 }, none)).toMatchObject({ cgroup: true });
  });

  it('with a filter in force, reads every process whose command line was never read (issue: the filter missed running processes)', () => {
    // Light at tick 1 without a filter...
    expect(planDetails(quiet, { fresh: true, exec: false, hasDetails: false, tick: 1 }, { names: true })).toMatchObject({ light: false, status: true, cmdline: true });
    // ...and a process left light by the first tick is read as soon as a filter is set.
    expect(planDetails(quiet, { fresh: false, exec: false, hasDetails: false, tick: 3 }, { names: true })).toMatchObject({ status: true, cmdline: true });
    expect(planDetails(quiet, { fresh: false, exec: false, hasDetails: false, tick: 3 }, none)).toMatchObject({ status: false, cmdline: false });
    // Once read, the filter costs nothing more per tick.
    expect(planDetails(quiet, { fresh: false, exec: false, hasDetails: true, tick: 4 }, { names: true })).toMatchObject({ status: false, cmdline: false });
  });

  it('a settled row on screen (asked again, memory unchanged) is not re-read, except in its round-robin turn or a full read', () => {
    const settled = { fresh: false, exec: false, hasDetails: true, tick: 5, settled: true };
    expect(planDetails({ ...quiet, asked: true }, settled, none)).toMatchObject({ status: false, adj: false, cmdline: false, cgroup: false });
    expect(planDetails({ ...quiet, asked: true, roundRobin: true }, settled, none)).toMatchObject({ status: true, adj: true, cgroup: true });
    expect(planDetails({ ...quiet, asked: true }, settled, { full: true })).toMatchObject({ status: true, cmdline: true });
    expect(planDetails({ ...quiet, asked: true }, { ...settled, hasDetails: false }, none)).toMatchObject({ status: true, cmdline: true });
    expect(planDetails({ ...quiet, asked: true }, { ...settled, exec: true }, none)).toMatchObject({ status: true, cmdline: true });
  });
});
