import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Sampler } from '../../src/sampler/sampler.js';
import { makeFakeProc, removeFakeProc, statusText, writeFakeProcess } from '../helpers/fakeproc.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach(removeFakeProc));
function tree(spec: Parameters<typeof makeFakeProc>[0]): string {
  const r = makeFakeProc(spec);
  roots.push(r);
  return r;
}
const passwdPath = '/nonexistent-passwd';

describe('Sampler on a fixture /proc', () => {
  it('lists user processes, skips kernel threads and zombies, marks the next victim', () => {
    const root = tree({
      processes: [
        { pid: 1, comm: 'init', rssPages: 5000 },
        { pid: 2, comm: 'kthreadd', ppid: 0, flags: 0x00208040, kernelThread: true },
        { pid: 30, comm: 'kworker/0:1', ppid: 2, flags: 0x04208060, kernelThread: true },
        { pid: 100, comm: 'mysqld', rssPages: 500_000 },
        { pid: 101, comm: 'nginx', rssPages: 20_000 },
        { pid: 102, comm: 'defunct', state: 'Z' },
      ],
    });
    const snap = new Sampler({ procRoot: root, passwdPath, pageKiB: 4 }).sample({ full: true });
    expect(snap.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual([1, 100, 101]);
    expect(snap.nextVictimPid).toBe(100);
    const mysqld = snap.processes.find((p) => p.pid === 100)!;
    expect(mysqld.rssKiB).toBe(2_000_000);
    expect(mysqld.anonKiB).toBe(1_500_000);
    expect(mysqld.badnessPermille).toBeGreaterThanOrEqual(250);
    expect(mysqld.badnessPermille).toBeLessThanOrEqual(252);
    expect(snap.system.memory?.totalKiB).toBe(8_000_000);
    expect(snap.system.oomKills).toBe(0);
    expect(snap.system.settings.oomDumpTasks).toBe(1);
  });

  it('in a PID namespace, pid 2 and its children are ordinary processes (only PF_KTHREAD marks a kernel thread)', () => {
    const root = tree({
      processes: [
        { pid: 1, comm: 'tini', rssPages: 100, flags: 0x00400100 },
        { pid: 2, comm: 'app', ppid: 1, rssPages: 50_000, flags: 0x00400100 },
        { pid: 3, comm: 'worker', ppid: 2, rssPages: 90_000, flags: 0x00400140 },
      ],
    });
    const snap = new Sampler({ procRoot: root, passwdPath, pageKiB: 4 }).sample();
    expect(snap.processes.map((p) => p.pid).sort()).toEqual([1, 2, 3]);
    expect(snap.nextVictimPid).toBe(3);
  });

  it('does not choose adj -1000 or init even when they are the largest', () => {
    const root = tree({
      processes: [
        { pid: 1, comm: 'init', rssPages: 900_000 },
        { pid: 50, comm: 'sshd', rssPages: 800_000, adj: -1000 },
        { pid: 60, comm: 'small', rssPages: 10 },
      ],
    });
    const snap = new Sampler({ procRoot: root, passwdPath, pageKiB: 4 }).sample();
    expect(snap.nextVictimPid).toBe(60);
    expect(snap.processes.find((p) => p.pid === 50)?.badnessPermille).toBeNull();
    expect(snap.processes.find((p) => p.pid === 1)?.badnessPermille).toBeNull();
  });

  it('lets a small process with a high adj outrank a big one, as the kernel does', () => {
    const root = tree({ processes: [{ pid: 10, comm: 'big', rssPages: 250_000 }, { pid: 11, comm: 'batch', rssPages: 1000, adj: 500 }] });
    expect(new Sampler({ procRoot: root, passwdPath, pageKiB: 4 }).sample().nextVictimPid).toBe(11);
  });

  it('reads status and cmdline lazily on the first tick, and fills them for the rows asked for', () => {
    const root = tree({ processes: [{ pid: 10, comm: 'a', cmdline: 'a --x', rssPages: 100, adj: 300 }, { pid: 11, comm: 'b', cmdline: 'b --y' }] });
    const s = new Sampler({ procRoot: root, passwdPath, pageKiB: 4, refreshEvery: 1000 });
    const first = s.sample();
    const a = first.processes.find((p) => p.pid === 10)!;
    // Enough to rank: the kernel's exact score, adj and RSS; no status or cmdline yet.
    expect(a).toMatchObject({ oomScoreAdj: 300, rssKiB: 400, cmdline: '', anonKiB: null });
    expect(s.fillDetails([10])).toBe(true);
    expect(a).toMatchObject({ cmdline: 'a --x', anonKiB: 300 });
    expect(first.processes.find((p) => p.pid === 11)!.cmdline).toBe('');
    expect(s.fillDetails([10])).toBe(false); // already read
  });

  it('treats vanished and malformed entries as normal and keeps going', () => {
    const root = tree({
      processes: [
        { pid: 10, comm: 'ok', rssPages: 100 },
        { pid: 11, comm: 'nostat', missing: ['stat'] },
        { pid: 12, comm: 'noscore', missing: ['oom_score', 'status'] },
        { pid: 13, comm: 'junk', rawStat: '\u0000\u0001garbage' },
        { pid: 14, comm: 'short', rawStat: '14 (short) S 1\n' },
      ],
    });
    const snap = new Sampler({ procRoot: root, passwdPath, pageKiB: 4 }).sample();
    expect(snap.processes.map((p) => p.pid)).toEqual([10]);
    expect(snap.warnings).toEqual([]);
  });

  it('keeps hostile names raw in the data (the UI sanitizes)', () => {
    const evil = '\u001b]0;pwned\u0007x(y) z';
    const root = tree({ processes: [{ pid: 10, comm: evil, cmdline: 'evil\narg' }] });
    const p = new Sampler({ procRoot: root, passwdPath, pageKiB: 4 }).sample().processes[0]!;
    expect(p.name).toBe(evil);
  });

  it('notices a reused PID by its start time and reads the new process in full', () => {
    const root = tree({ processes: [{ pid: 10, comm: 'first', startTime: 100, cmdline: 'first --a' }] });
    const s = new Sampler({ procRoot: root, passwdPath, pageKiB: 4, refreshEvery: 1000 });
    expect(s.sample({ detailPids: new Set([10]) }).processes[0]!.cmdline).toBe('first --a');
    rmSync(join(root, '10'), { recursive: true });
    writeFakeProcess(root, { pid: 10, comm: 'second', startTime: 200, cmdline: 'second --b', adj: 300 });
    const p = s.sample().processes[0]!;
    expect(p).toMatchObject({ name: 'second', cmdline: 'second --b', startTimeTicks: 200, oomScoreAdj: 300 });
  });

  it('re-reads a row that stays on screen only when its memory moved, a victim, or its round-robin turn', () => {
    const root = tree({ processes: [{ pid: 10, comm: 'a', rssPages: 1000, swapKiB: 0 }, { pid: 11, comm: 'b', rssPages: 5000 }] });
    const s = new Sampler({ procRoot: root, passwdPath, pageKiB: 4, refreshEvery: 1000 });
    const on = { detailPids: new Set([10]) };
    s.sample({ full: true });
    expect(s.sample(on).processes.find((p) => p.pid === 10)!.swapKiB).toBe(0); // entered the screen: read
    // The status moves while RSS does not: the settled row is not re-read ...
    writeFileSync(join(root, '10', 'status'), statusText({ pid: 10, comm: 'a', rssPages: 1000, swapKiB: 64 }));
    expect(s.sample(on).processes.find((p) => p.pid === 10)!.swapKiB).toBe(0);
    // ... until its memory moves,
    writeFakeProcess(root, { pid: 10, comm: 'a', rssPages: 1200, swapKiB: 128 });
    expect(s.sample(on).processes.find((p) => p.pid === 10)!.swapKiB).toBe(128);
    // or it leaves the screen and comes back.
    writeFileSync(join(root, '10', 'status'), statusText({ pid: 10, comm: 'a', rssPages: 1200, swapKiB: 256 }));
    s.sample({ detailPids: new Set([11]) });
    expect(s.sample(on).processes.find((p) => p.pid === 10)!.swapKiB).toBe(256);
    // A changed adj shows in the score first and is read then, settled or not.
    writeFakeProcess(root, { pid: 10, comm: 'a', rssPages: 1200, swapKiB: 256, adj: 500, oomScore: 999 });
    expect(s.sample(on).processes.find((p) => p.pid === 10)!.oomScoreAdj).toBe(500);
  });

  it("reads every process's oom_score each tick, not only the rows asked for", () => {
    const root = tree({ processes: [{ pid: 10, comm: 'a', rssPages: 1000 }, { pid: 11, comm: 'b', rssPages: 2000 }] });
    const s = new Sampler({ procRoot: root, passwdPath, pageKiB: 4, refreshEvery: 1000 });
    s.sample({ full: true });
    writeFileSync(join(root, '10', 'oom_score'), '900\n');
    writeFileSync(join(root, '11', 'oom_score'), '901\n');
    const snap = s.sample({ detailPids: new Set([10]) });
    expect(snap.processes.find((p) => p.pid === 10)?.oomScore).toBe(900);
    expect(snap.processes.find((p) => p.pid === 11)?.oomScore).toBe(901);
    expect(snap.nextVictimPid).toBe(11);
    // A fixture tree is not a procfs: nothing is held open there.
    expect(s.heldFiles).toBe(0);
  });

  it('says so when /proc cannot be listed or meminfo is missing', () => {
    const snap = new Sampler({ procRoot: '/nonexistent-proc-root', passwdPath, pageKiB: 4 }).sample();
    expect(snap.processes).toEqual([]);
    expect(snap.system.memory).toBeNull();
    expect(snap.warnings.join(' ')).toMatch(/cannot list processes/);
    expect(snap.warnings.join(' ')).toMatch(/meminfo/);
  });

  it('maps /proc/PID/cgroup through the given resolver', () => {
    const root = tree({ processes: [{ pid: 10, comm: 'a', cgroup: '12:memory:/docker/abc\n0::/x\n' }] });
    const s = new Sampler({ procRoot: root, passwdPath, pageKiB: 4, memoryCgroupOf: (t) => /:memory:(.*)/.exec(t)?.[1] ?? null });
    expect(s.sample().processes[0]!.cgroup).toBe('/docker/abc');
  });
});
