import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcFiles, isProcfs, openFileLimit } from '../../src/proc/handles.js';
import { makeFakeProc, removeFakeProc } from '../helpers/fakeproc.js';
import { exited, killStarted, startSleeper } from '../helpers/children.js';

afterAll(killStarted);

describe('ProcFiles', () => {
  it('re-reads a held descriptor: the text is the kernel\'s of now', async () => {
    const child = startSleeper(60);
    const files = new ProcFiles('/proc');
    expect(files.readInt(child.pid!, 'oom_score_adj')).toBe(0);
    expect(files.size).toBe(1);
    writeFileSync(`/proc/${child.pid}/oom_score_adj`, '321');
    files.endTick();
    expect(files.readInt(child.pid!, 'oom_score_adj')).toBe(321);
    expect(files.size).toBe(1); // the same descriptor
    const exit = exited(child);
    child.kill('SIGKILL');
    await exit;
    // Gone: the held descriptor reads ESRCH, the path is gone too.
    expect(files.read(child.pid!, 'stat')).toBeNull();
    expect(files.read(child.pid!, 'oom_score_adj')).toBeNull();
    expect(files.size).toBe(0);
    files.close();
  });

  it('closes what a tick did not read', () => {
    const files = new ProcFiles('/proc');
    expect(files.read(process.pid, 'stat')).toMatch(new RegExp(`^${process.pid} \\(`));
    expect(files.read(1, 'stat')).not.toBeNull();
    files.endTick();
    expect(files.size).toBe(2);
    files.read(process.pid, 'stat');
    files.endTick();
    expect(files.size).toBe(1);
    files.close();
    expect(files.size).toBe(0);
  });

  it('keeps to its descriptor budget and reads the rest with open/read/close', () => {
    const files = new ProcFiles('/proc', { maxFds: 1 });
    expect(files.read(process.pid, 'stat')).not.toBeNull();
    expect(files.read(1, 'stat')).not.toBeNull();
    expect(files.read(process.pid, 'oom_score')).not.toBeNull();
    expect(files.size).toBe(1);
    files.close();
  });

  it('holds nothing on a fixture tree (a deleted file would keep answering)', () => {
    const root = makeFakeProc({ processes: [{ pid: 10, comm: 'a' }] });
    try {
      expect(isProcfs(root)).toBe(false);
      expect(isProcfs('/proc')).toBe(true);
      const files = new ProcFiles(root);
      expect(files.read(10, 'stat')).toMatch(/^10 \(a\)/);
      expect(files.size).toBe(0);
      expect(files.read(11, 'stat')).toBeNull();
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
});
