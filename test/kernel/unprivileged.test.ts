/**
 * Kernel-log sources as an unprivileged user, for real: the follower and `oomtop analyze`
 * run as `nobody` (setpriv), with whatever this machine lets nobody read. The source they
 * name must be one that really shows kernel messages to nobody; when none does, they say so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const built = existsSync(resolve(repo, 'dist/kernel/follow.js'));
const root = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const asNobody = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
const reason = !root ? 'not root' : !hasSetpriv ? 'no setpriv' : !built ? 'not built (npm run build)' : null;
if (reason) console.log(`[oomtop] skipping the unprivileged kernel-log tests: ${reason}`);

function nobody(cmd: string[], timeout = 20_000) {
  return spawnSync(asNobody[0]!, [...asNobody.slice(1), ...cmd], { encoding: 'utf8', timeout, cwd: '/' });
}

/** The first source that shows nobody a kernel message, checked by hand; 'none' when none does. */
function workingSource(): string {
  if (nobody(['sh', '-c', 'head -c 1 /dev/kmsg < /dev/null'], 5000).status === 0) return 'kmsg';
  const d = nobody(['dmesg']);
  if (d.status === 0 && d.stdout.trim() !== '') return 'dmesg';
  const j = nobody(['journalctl', '-k', '-b', '-n', '1', '--no-pager', '-q']);
  if (j.status === 0 && j.stdout.trim() !== '') return 'journalctl';
  return 'none';
}

describe.skipIf(reason !== null)('kernel log as an unprivileged user (nobody)', () => {
  const expected = reason === null ? workingSource() : 'none';

  it('the follower names only a source that works for nobody, or says that none does', () => {
    const script = `
      const { startKernelFollower } = await import(${JSON.stringify(resolve(repo, 'dist/kernel/follow.js'))});
      const f = startKernelFollower({ readHistory: false, onEvent() {}, onStatus(s) {
        console.log(JSON.stringify(s)); f.stop(); process.exit(0);
      } });`;
    const r = nobody([process.execPath, '--input-type=module', '-e', script]);
    expect(r.status, r.stderr).toBe(0);
    const first = JSON.parse(r.stdout.trim().split('\n')[0]!) as { source: string; message?: string };
    expect(first.source).toBe(expected);
    if (expected === 'none') {
      expect(first.message).toMatch(/kernel messages are not readable/);
      expect(first.message).toMatch(/To fix:/);
    }
  });

  it('oomtop analyze reads a source that works for nobody, or fails with the explanation', () => {
    const r = nobody([process.execPath, resolve(repo, 'bin/oomtop.js'), 'analyze', '--json']);
    if (expected === 'none') {
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^oomtop analyze: kernel messages are not readable .*To fix:/);
    } else {
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).input).toBe(`the kernel log (${expected})`);
    }
  });
});
