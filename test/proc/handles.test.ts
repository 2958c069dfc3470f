import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcFiles, isCgroupfs, isProcfs, openFileLimit } from '../../src/proc/handles.js';
import { readSmall } from '../../src/proc/read.js';
import { makeFakeProc, removeFakeProc } from '../helpers/fakeproc.js';
import { exited, killStarted, startSleeper } from '../helpers/children.js';

afterAll(killStarted);

describe('ProcFiles', () => {
  it("re-reads a held descriptor (the kernel's value of now), and drops it once the process is gone", async () => {
    const child = startSleeper(60);
    const files = new ProcFiles('/proc');
    expect(files.numbers(child.pid!, 'oom_score_adj', 1)).toBe(1);
    expect(files.nums[0]).toBe(0);
    expect(files.holds(child.pid!, 'oom_score_adj')).toBe(true);
    writeFileSync(`/proc/${child.pid}/oom_score_adj`, '417');
    files.endTick();
    expect(files.numbers(child.pid!, 'oom_score_adj', 1)).toBe(1);
    expect(files.nums[0]).toBe(417);
    expect(files.size).toBe(1); // the same descriptor
    expect(files.numbers(child.pid!, 'statm', 2)).toBe(2);
    expect(files.nums[1]).toBeGreaterThan(0); // resident pages
    const exit = exited(child);
    child.kill('SIGKILL');
    await exit;
    // The held descriptors read ESRCH: dropped, not reopened.
    expect(files.numbers(child.pid!, 'statm', 2)).toBe(-1);
    expect(files.holds(child.pid!, 'statm')).toBe(false);
    expect(files.numbers(child.pid!, 'oom_score_adj', 1)).toBe(-1);
    expect(files.size).toBe(0);
    files.close();
  });

  it('closes what a tick did not read, and forgets a PID on request', () => {
    const files = new ProcFiles('/proc');
    expect(files.numbers(process.pid, 'stat', 1)).toBe(1);
    expect(files.nums[0]).toBe(process.pid);
    expect(files.numbers(1, 'oom_score', 1)).toBe(1);
    expect(files.numbers(1, 'statm', 1)).toBe(1);
    files.endTick();
    expect(files.size).toBe(3);
    files.numbers(process.pid, 'stat', 1);
    files.numbers(1, 'statm', 1);
    files.endTick();
    expect(files.size).toBe(2);
    files.forget(1);
    expect(files.size).toBe(1);
    files.close();
    expect(files.size).toBe(0);
  });

  it('keeps to its descriptor budget and reads the rest with open/read/close', () => {
    const files = new ProcFiles('/proc', { maxFds: 1 });
    expect(files.canHold).toBe(true);
    expect(files.numbers(process.pid, 'oom_score', 1)).toBe(1);
    expect(files.canHold).toBe(false);
    expect(files.numbers(1, 'oom_score', 1)).toBe(1);
    expect(files.holds(1, 'oom_score')).toBe(false);
    expect(files.size).toBe(1);
    files.close();
  });

  it('holds nothing on a fixture tree (a deleted file would keep answering), and stops at malformed text', () => {
    const root = makeFakeProc({ processes: [{ pid: 10, comm: 'a', rssPages: 7, adj: -17 }, { pid: 11, comm: 'b', rawStat: 'junk 5' }] });
    try {
      expect(isProcfs(root)).toBe(false);
      expect(isProcfs('/proc')).toBe(true);
      const files = new ProcFiles(root);
      expect(files.canHold).toBe(false);
      expect(files.numbers(10, 'stat', 1)).toBe(1);
      expect(files.nums[0]).toBe(10);
      expect(files.numbers(10, 'oom_score_adj', 1)).toBe(1);
      expect(files.nums[0]).toBe(-17);
      expect(files.size).toBe(0);
      expect(files.numbers(11, 'stat', 2)).toBe(0);
      expect(files.numbers(12, 'stat', 1)).toBe(-1);
    } finally {
      removeFakeProc(root);
    }
  });

  it('a run of digits no page count or score can have is not a number (npm run fuzz found Infinity)', () => {
    const root = makeFakeProc({ processes: [{ pid: 10, comm: 'a' }] });
    try {
      const files = new ProcFiles(root);
      writeFileSync(`${root}/10/statm`, `${'9'.repeat(400)} 5 0 0 0 0 0\n`);
      expect(files.statm(10)).toBe(false);
      writeFileSync(`${root}/10/oom_score`, `${'9'.repeat(17)}\n`);
      expect(files.oomScore(10)).toBeNull();
      writeFileSync(`${root}/10/oom_score`, '9007199254740991\n');
      expect(files.oomScore(10)).toBe(Number.MAX_SAFE_INTEGER);
    } finally {
      removeFakeProc(root);
    }
  });

  it('reads the soft open-file limit from /proc/self/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
    expect(openFileLimit(text)).toBe(1024);
    expect(openFileLimit('Max open files            unlimited            unlimited            files\n')).toBe(Number.MAX_SAFE_INTEGER);
    expect(openFileLimit('garbage')).toBeNull();
    expect(openFileLimit(null)).toBeNull();
    expect(openFileLimit(readFileSync('/proc/self/limits', 'utf8'))).toBeGreaterThan(0);
  });

  it('text(): a file by path, held and re-read from offset 0, in the same budget; what a tick did not read is closed', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'oomtop-text-'));
    try {
      const big = join(tmp, 'big');
      // Larger than the first buffer: read on from where a full read ended.
      const text = Array.from({ length: 900 }, (_, i) => `key_${i} ${i * 4096}`).join('\n') + '\n';
      expect(text.length).toBeGreaterThan(3 * 4096);
      writeFileSync(big, text);
      writeFileSync(join(tmp, 'small'), '42\n');
      const files = new ProcFiles('/proc', { maxFds: 2 });
      expect(files.text(big)).toBe(text);
      expect(files.text(big)).toBe(text);
      expect(files.holdsPath(big)).toBe(true);
      expect(files.numbers(process.pid, 'stat', 1)).toBe(1);
      expect(files.size).toBe(2);
      // Past the budget (counted with the /proc files): read, not held.
      expect(files.text(join(tmp, 'small'))).toBe('42\n');
      expect(files.holdsPath(join(tmp, 'small'))).toBe(false);
      expect(files.text(join(tmp, 'missing'))).toBeNull();
      expect(files.size).toBe(2);
      files.endTick();
      files.numbers(process.pid, 'stat', 1);
      files.endTick();
      expect(files.holdsPath(big)).toBe(false);
      expect(files.size).toBe(1);
      expect(files.text(join(tmp, 'small'))).toBe('42\n');
      expect(files.holdsPath(join(tmp, 'small'))).toBe(true);
      files.close();
      expect(files.size).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true });
    }
  });

  it('text() of real kernel files equals readSmall(); a fixture tree is no cgroupfs', () => {
    const files = new ProcFiles('/proc');
    try {
      for (const p of ['/proc/self/oom_score_adj', '/proc/sys/vm/swappiness', '/proc/self/limits']) {
        expect(files.text(p)).toBe(readSmall(p));
        expect(files.text(p)).toBe(readSmall(p));
      }
      expect(isCgroupfs('/proc')).toBe(false);
      expect(isCgroupfs(tmpdir())).toBe(false);
      for (const root of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified']) {
        if (readSmall(join(root, 'cgroup.procs')) === null) continue; // not mounted here
        expect(isCgroupfs(root)).toBe(true);
      }
    } finally {
      files.close();
    }
  });
});
