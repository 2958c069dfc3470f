import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/*
 * `oomtop run` end to end against a cgroup v2 tree that is a plain directory (--cgroup-root):
 * this machine's memory controller is on v1, so no real v2 tree can be had here. The job
 * plays the kernel's part: it writes the files a v2 kernel keeps (memory.peak,
 * memory.events, memory.pressure, cpu.stat) into its own cgroup directory. What only a
 * real kernel shows (the limit enforced, memory.high throttling, rmdir of a cgroup) is for
 * the v2 test environment.
 */

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/oomtop.js');
const built = existsSync(join(repo, 'dist/cli/main.js'));

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function v2Tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'oomtop-run-v2cli-'));
  roots.push(root);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  writeFileSync(join(root, 'cgroup.subtree_control'), 'cpu\n');
  return root;
}

describe.skipIf(!built)('oomtop run on a cgroup v2 tree (fixture)', () => {
  it('enables +memory, writes memory.max and memory.high, joins cgroup.procs and reads the v2 files back', () => {
    const root = v2Tree();
    const kernel = [
      'd=$(ls -d "$ROOT"/oomtop-run-*)',
      'echo $((40 * 1048576)) > "$d/memory.current"',
      'echo $((60 * 1048576)) > "$d/memory.peak"',
      'printf "low 0\\nhigh 12\\nmax 3\\noom 1\\noom_kill 1\\n" > "$d/memory.events"',
      'printf "some avg10=5.00 avg60=1.00 avg300=0.20 total=750000\\nfull avg10=2.00 avg60=0.50 avg300=0.10 total=250000\\n" > "$d/memory.pressure"',
      'printf "usage_usec 1500000\\nuser_usec 1000000\\nsystem_usec 500000\\n" > "$d/cpu.stat"',
      'cat "$d/cgroup.procs" > "$ROOT/joined"; echo $$ >> "$ROOT/joined"',
      'exit 0',
    ].join('; ');
    const r = spawnSync(process.execPath, [bin, 'run', '--cgroup-root', root, '--json', '--memory', '64M', '--high', '48M', '--', 'sh', '-c', kernel], {
      encoding: 'utf8',
      env: { ...process.env, ROOT: root },
      timeout: 20_000,
    });
    expect(r.stderr).not.toContain('--high');
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
    expect(rep).toMatchObject({
      exitCode: 0,
      signal: null,
      cgroupVersion: 2,
      method: 'direct',
      oomKilled: true,
      oomKills: 1,
      peakKiB: 60 * 1024,
      peakSource: 'kernel',
      limitKiB: 64 * 1024,
      highKiB: 48 * 1024,
      psiSomeS: 0.75,
      psiFullS: 0.25,
      cpuS: 1.5,
      cpuSource: 'cgroup',
    });
    const dir = rep['cgroup'] as string;
    expect(dir).toMatch(new RegExp(`^${root}/oomtop-run-\\d+$`));
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory');
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe(String(64 * 2 ** 20));
    expect(readFileSync(join(dir, 'memory.high'), 'utf8')).toBe(String(48 * 2 ** 20));
    // CMD's own PID was in cgroup.procs before it ran (the shell joined, then exec'd CMD).
    const [inProcs, self] = readFileSync(join(root, 'joined'), 'utf8').trim().split('\n');
    expect(inProcs).toBe(self);
  });

  it('--json puts the report on a line of its own after CMD\'s output, in a file or a pipe', () => {
    const root = v2Tree();
    const out = join(root, 'out');
    for (const [cmd, want] of [
      [['printf', 'abc'], 'abc\n{'],
      [['echo', 'abc'], 'abc\n{'],
      [['true'], '{'],
    ] as const) {
      const fd = openSync(out, 'w');
      spawnSync(process.execPath, [bin, 'run', '--cgroup-root', root, '--json', '--memory', '64M', '--', ...cmd], { stdio: ['ignore', fd, 'ignore'], timeout: 20_000 });
      closeSync(fd);
      const text = readFileSync(out, 'utf8');
      expect(text.startsWith(want), `${cmd.join(' ')}: ${JSON.stringify(text.slice(0, 12))}`).toBe(true);
      expect(JSON.parse(text.trimEnd().split('\n').at(-1)!)).toHaveProperty('exitCode', 0);
    }
    // A pipe cannot tell whether the output ended its line: the report always starts a new one.
    const p = spawnSync(process.execPath, [bin, 'run', '--cgroup-root', root, '--json', '--memory', '64M', '--', 'printf', 'abc'], { encoding: 'utf8', timeout: 20_000 });
    expect(p.stdout.startsWith('abc\n{')).toBe(true);
  });

  it('says when the v2 tree has no swap accounting (no memory.swap.max) and still runs', () => {
    const root = v2Tree();
    const r = spawnSync(process.execPath, [bin, 'run', '--cgroup-root', root, '--memory', '64M', '--swap', '0', '--', 'true'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('oomtop run: warning: --swap: this kernel has no swap accounting for cgroups (no memory.swap.max); swap is not limited');
  });

  it('exits 2 with the reason when the cgroup cannot be made, and leaves nothing behind', () => {
    const root = v2Tree();
    rmSync(join(root, 'cgroup.subtree_control'));
    mkdirSync(join(root, 'cgroup.subtree_control')); // writing it fails (EISDIR)
    const r = spawnSync(process.execPath, [bin, 'run', '--cgroup-root', root, '--memory', '64M', '--', 'true'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`oomtop run: cannot enable the memory controller for the children of ${root} (EISDIR)\n`);
    expect(readdirSync(root).filter((n) => n.startsWith('oomtop-run-'))).toEqual([]);
  });

  it('refuses a v2 tree without the memory controller (exit 2)', () => {
    const root = v2Tree();
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu pids\n');
    const r = spawnSync(process.execPath, [bin, 'run', '--cgroup-root', root, '--memory', '64M', '--', 'true'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`oomtop run: no memory cgroup controller found under ${root}\n`);
  });
});
