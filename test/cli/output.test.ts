/**
 * Write errors, for real: stdout on /dev/full (ENOSPC), on a pipe whose reader is gone
 * (`| true`, as `| head` or a pager that quit), and on a socket whose peer closed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const LOG = join(import.meta.dirname, '..', 'fixtures', 'kernel-logs', 'rhel7-3.10-ltp-memcg-killonly-syslog.log');
const COMMANDS = [['--once'], ['--once', '--json'], ['analyze', LOG], ['analyze', '--json', LOG], ['--help']];

describe.skipIf(!built || !existsSync('/dev/full'))('write errors', () => {
  it.each(COMMANDS)('%s > /dev/full: a message and exit 1', (...args) => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('oomtop: cannot write the output: ENOSPC (no space left on device)\n');
    } finally {
      closeSync(full);
    }
  });

  it.each(COMMANDS)('%s | true (the reader closed the pipe): quiet, exit 0', (...args) => {
    // `true` exits at once, long before node has started: every write gets EPIPE.
    const cmd = `"${process.execPath}" "${bin}" ${args.map((a) => `'${a}'`).join(' ')} 2>&3 | true; echo "status=\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', `${cmd}`], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout).toBe('status=0\n');
    expect(r.output[3]).toBe('');
  });

  it('a closed socket (not a pager) is an error: message and exit 1', async () => {
    // Node gives a child a socket for stdio 'pipe'; it is closed here, before the child even runs.
    const child = spawn(process.execPath, [bin, '--once', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const status = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(err).toBe('oomtop: cannot write the output: EPIPE (the reader closed the connection)\n');
    expect(status).toBe(1);
  });
});
