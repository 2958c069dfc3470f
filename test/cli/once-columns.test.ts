import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFakeProc, removeFakeProc } from '../helpers/fakeproc.js';

/** --once draws the TUI's columns (src/text/columns.ts): same badges, same COMMAND, a header over its data. */
const bin = resolve(import.meta.dirname, '../../bin/oomtop.js');
const built = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));

describe.skipIf(!built)('--once with the shared columns', () => {
  it('lines the header up with the data, shows every badge and the name of a long path', () => {
    const root = makeFakeProc({
      processes: [
        { pid: 4242, comm: 'mydaemon', cmdline: '/tmp/x/some/very/long/directory/path/mydaemon 3000', rssPages: 200_000, adj: 500, oomScore: 1100 },
        { pid: 4343, comm: 'small', cmdline: 'small --x', rssPages: 1000, adj: -200, oomScore: 500 },
      ],
    });
    try {
      const r = spawnSync(process.execPath, [bin, '--once', '--proc-root', root], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      const head = lines.find((l) => /^\s+PID USER/.test(l))!;
      const big = lines.find((l) => /\b4242\b/.test(l))!;
      const small = lines.find((l) => /\b4343\b/.test(l))!;
      // Both badges: the next victim and expendable; protected.
      expect(big).toMatch(/^ VE\s+4242 /);
      expect(small).toMatch(/^ P\s+4343 /);
      // Right-aligned PID under its title, COMMAND starting under its title.
      expect(big.indexOf('4242') + 4).toBe(head.indexOf('PID') + 3);
      expect(big.indexOf('/tmp/x/')).toBe(head.indexOf('COMMAND'));
      expect(small.indexOf('small --x')).toBe(head.indexOf('COMMAND'));
      expect(head).toContain('RISK▼');
      expect(r.stdout).toMatch(/badges: V next victim/);
    } finally {
      removeFakeProc(root);
    }
  });
});
