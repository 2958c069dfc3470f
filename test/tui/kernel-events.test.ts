import { describe, expect, it } from 'vitest';
import { describeOomEvent } from '../../src/kernel/render.js';
import { recordedFor } from '../../src/tui/kernel-events.js';
import type { FollowedEvent } from '../../src/kernel/follow.js';
import { createOomtopStore } from '../../src/store/store.js';
import type { ProcessHistory } from '../../src/store/history.js';
import type { Snapshot } from '../../src/sampler/types.js';

function ev(extra: Partial<FollowedEvent> = {}): FollowedEvent {
  return {
    kind: 'kill', time: '2026-11-22T04:00:00.000Z', monotonicUs: 1, constraint: 'MEMCG', tasks: [], reaped: true, incomplete: false,
    source: 'Memory cgroup out of memory', lines: [], past: false, trigger: null,
    victim: { pid: 4321, comm: 'postgres: check', uid: 70, anonRssKiB: 262_144, fileRssKiB: 1024, shmemRssKiB: 0, totalVmKiB: 900_000, pgtablesKiB: 600, oomScoreAdj: 0 },
    memcg: { oomMemcg: '/docker/abc', taskMemcg: '/docker/abc', usageKiB: 262_144, limitKiB: 262_144, failcnt: 3 },
    ...extra,
  } as FollowedEvent;
}

describe('describeOomEvent', () => {
  it('names victim, RSS, constraint and cgroup', () => {
    expect(describeOomEvent(ev())).toBe('OOM kill: PID 4321 (postgres: check) anon-rss 256M file-rss 1.0M in cgroup /docker/abc (limit 256M)');
    expect(describeOomEvent(ev({ constraint: 'NONE', memcg: null, past: true }))).toMatch(/\(system-wide\) \[before oomtop started\]$/);
    expect(describeOomEvent(ev({ constraint: null, memcg: null, incomplete: true }))).toMatch(/anon-rss 256M file-rss 1.0M \[partial report\]$/);
  });
  it('names every task of a memory.oom.group kill in its one line', () => {
    const first = ev().victim!;
    const groupVictims = [first, { ...first, pid: 4322, comm: 'sleep' }, { ...first, pid: 4323, comm: 'sleep' }];
    expect(describeOomEvent(ev({ kind: 'group-kill', oomGroup: '/docker/abc', groupVictims }))).toMatch(
      /^OOM group kill: PID 4321 \(postgres: check\) and 2 more \(4322 sleep, 4323 sleep\) anon-rss 256M/,
    );
  });
});

describe('flight recorder', () => {
  const hist = (pid: number, name: string, lastSeen: number): ProcessHistory => ({
    pid, startTimeTicks: 1, name, lastSeen, oomScoreAdj: 100,
    rssKiB: { times: [1000, 2000, 3000], values: [100, 200, 300] }, oomScore: { times: [1000, 2000, 3000], values: [700, 710, 720] }, rssLong: { times: [1000], values: [100] },
  });
  it('finds the victim by pid and its comm cut at 15 bytes, newest first', () => {
    const h = new Map([['4321:1', hist(4321, 'postgres: checkpointer', 5000)], ['4321:0', hist(4321, 'postgres: check', 1000)], ['9:1', hist(9, 'x', 9)]]);
    const r = recordedFor(h, ev())!;
    expect(r.rssKiB).toEqual([100, 200, 300]);
    expect(r.oomScoreAdj).toBe(100);
  });
  it('records nothing for a pid it never saw or a different name', () => {
    expect(recordedFor(new Map([['1:1', hist(4321, 'nginx', 1)]]), ev())).toBeUndefined();
  });
});

describe('the kill counter as a second witness', () => {
  const snap = (seq: number, oomKills: number): Snapshot => ({
    seq, time: seq * 1000, processes: [], nextVictimPid: null, cgroups: [], costMs: 0, warnings: [],
    system: { kernel: null, scale: 'v5.9', memory: null, pressure: null, oomKills, settings: { panicOnOom: 0, oomKillAllocatingTask: 0, oomDumpTasks: 1, overcommitMemory: 0, overcommitRatio: 50, overcommitKbytes: 0, swappiness: 60 } },
  });
  it('logs a rising /proc/vmstat oom_kill when the kernel log is unreadable', () => {
    const store = createOomtopStore();
    store.setState({ kernelLog: { source: 'none', message: 'not readable' } });
    store.getState().applySnapshot(snap(1, 5));
    store.getState().applySnapshot(snap(2, 7));
    expect(store.getState().events.at(-1)!.text).toMatch(/counter rose by 2 \(to 7\)/);
    expect(store.getState().lastOomKill).not.toBeNull();
  });
  it('stays quiet when the kernel log reports the kills itself', () => {
    const store = createOomtopStore();
    store.setState({ kernelLog: { source: 'kmsg', message: null } });
    store.getState().applySnapshot(snap(1, 5));
    store.getState().applySnapshot(snap(2, 7));
    expect(store.getState().events).toHaveLength(0);
  });
});

describe('followKernelLog: a kill that grows into a group kill', () => {
  it('rewrites its log line and the footer status in place, and leaves a newer status alone', async () => {
    const { appendFileSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { monotonicNowUs } = await import('../../src/kernel/clock.js');
    const { followKernelLog } = await import('../../src/tui/kernel-events.js');
    const { until } = await import('../helpers/wait.js');
    const dir = mkdtempSync(join(tmpdir(), 'oomtop-kev-'));
    const kmsg = join(dir, 'kmsg');
    writeFileSync(kmsg, '');
    const store = createOomtopStore();
    const follower = followKernelLog(store, { procRoot: '/proc', devKmsg: kmsg });
    const killed = (seq: number, usec: number, pid: number, comm: string) =>
      `3,${seq},${usec},-;Memory cgroup out of memory: Killed process ${pid} (${comm}) total-vm:35476kB, anon-rss:32512kB, file-rss:1384kB, shmem-rss:0kB, UID:0 pgtables:108kB oom_score_adj:0\n`;
    try {
      const usec = monotonicNowUs() + 1000;
      appendFileSync(
        kmsg,
        `4,1,${usec},-;app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n` +
          `6,2,${usec + 5},-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/svc,task_memcg=/svc,task=app,pid=10,uid=0\n` +
          killed(3, usec + 9, 10, 'app'),
      );
      await until(() => store.getState().status?.text.startsWith('OOM kill: PID 10') === true);
      appendFileSync(kmsg, `6,4,${usec + 20},-;Tasks in /svc are going to be killed due to memory.oom.group set\n` + killed(5, usec + 30, 11, 'worker'));
      await until(() => store.getState().events.some((e) => e.text.startsWith('OOM group kill: PID 10 (app) and 1 more (11 worker)')));
      const line = store.getState().events.find((e) => e.kind === 'oom-kill')!;
      expect(line.text).toBe(store.getState().status!.text);
      // A status set since then (a key's answer) is not overwritten by a later member.
      store.getState().setStatus('protected PID 99', 'info');
      appendFileSync(kmsg, killed(6, usec + 40, 12, 'worker'));
      await until(() => store.getState().events.some((e) => e.text.includes('and 2 more')));
      expect(store.getState().status!.text).toBe('protected PID 99');
    } finally {
      follower.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
