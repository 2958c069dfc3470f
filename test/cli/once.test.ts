import { describe, expect, it } from 'vitest';
import { parseMonitorArgs } from '../../src/cli/args.js';
import { runOnce } from '../../src/cli/once.js';
import { processColumns } from '../../src/text/columns.js';

async function once(args: string[]): Promise<string[]> {
  let text = '';
  const code = await runOnce(parseMonitorArgs(['--once', ...args]), (s) => (text += s));
  expect(code).toBe(0);
  return text.split('\n');
}

describe('--once table (real /proc)', () => {
  it('every header title sits over its column: right-aligned titles end where the values end', async () => {
    const lines = await once(['--sort', 'pid']);
    const h = lines.findIndex((l) => /\bPID\b.*\bCOMMAND\b/.test(l));
    expect(h).toBeGreaterThanOrEqual(0);
    const header = lines[h]!;
    const rows = lines.slice(h + 1).filter((l) => /^.{2} *\d+ /.test(l));
    expect(rows.length).toBeGreaterThan(3);
    // PID 1 is the first row with --sort pid: its digit ends where "PID" ends.
    // The sort column's title carries its indicator (PID▲).
    const endOf = (title: string, at: number) => at + title.length + (/[▲▼]/.test(header[at + title.length] ?? '') ? 1 : 0);
    const pidEnd = endOf('PID', header.indexOf('PID'));
    for (const r of rows) expect(r.slice(0, pidEnd)).toMatch(/\d$/);
    expect(rows[0]!.slice(0, pidEnd).trim()).toMatch(/ ?1$/);
    // Each right-aligned number column ends under its title.
    for (const title of ['SCORE', 'ADJ', 'RSS']) {
      const end = endOf(title, header.search(new RegExp(` ${title}[ ▲▼]`)) + 1);
      for (const r of rows) {
        expect(r[end - 1], `${title} in ${JSON.stringify(r)}`).toMatch(/\S/);
        expect(r[end], `${title} in ${JSON.stringify(r)}`).toBe(' ');
      }
    }
    // COMMAND starts where the command lines start.
    const cmd = header.indexOf('COMMAND');
    for (const r of rows) expect(r[cmd - 1]).toBe(' ');
  });

  it('renders through the TUI table\'s column definitions (all but ANON and GROW/s, which one snapshot cannot fill)', async () => {
    const lines = await once([]);
    const titles = processColumns()
      .filter((c) => c.key !== 'growth' && c.key !== 'anon')
      .map((c) => c.title)
      .filter(Boolean);
    const header = lines.find((l) => /\bPID\b.*\bCOMMAND\b/.test(l))!;
    expect(header.replace(/[▲▼]/g, '').trim().split(/\s+/)).toEqual(titles);
  });
});
