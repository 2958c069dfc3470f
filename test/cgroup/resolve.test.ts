import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memcgResolver } from '../../src/cgroup/resolve.js';

// The resolver's rules for cgroup namespaces, on a mountinfo the test writes (a real
// namespace, with a real oomtop in it, is in the v2 guest: test/vm/v2.test.ts, scenario cgns).

const tmp = mkdtempSync(join(tmpdir(), 'oomtop-resolve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fake /proc whose self/mountinfo has one cgroup2 mount of `root` (the mount root field) at a v2 tree with memory. */
function procWithV2Mount(name: string, root: string): string {
  const proc = join(tmp, name, 'proc');
  const cg = join(tmp, name, 'cgroup');
  mkdirSync(join(proc, 'self'), { recursive: true });
  mkdirSync(cg, { recursive: true });
  writeFileSync(join(cg, 'cgroup.controllers'), 'cpu io memory pids\n');
  writeFileSync(join(proc, 'self', 'mountinfo'), `30 23 0:26 ${root} ${cg} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n`);
  return proc;
}

describe('memcgResolver in a cgroup namespace', () => {
  it('a fresh mount inside the namespace (Docker on v2): its root is "/", a process outside ("/../x") is out of reach', () => {
    const r = memcgResolver(procWithV2Mount('fresh', '/'), null);
    expect(r.hierarchy).toMatchObject({ version: 2, mountRoot: '/' });
    expect(r.memoryCgroupOf('0::/\n')).toBe('/');
    expect(r.memoryCgroupOf('0::/sub.scope\n')).toBe('/sub.scope');
    expect(r.memoryCgroupOf('0::/../outside.service\n')).toBeNull();
    expect(r.memoryCgroupOf('0::/../../..\n')).toBeNull();
  });

  it('a mount made outside the namespace (mount root "/../.."): no path maps to a directory of it', () => {
    const r = memcgResolver(procWithV2Mount('stale', '/../..'), null);
    expect(r.hierarchy).toMatchObject({ version: 2, mountRoot: '/../..' });
    for (const p of ['/', '/sub.scope', '/../outside.service', '/../..']) expect(r.memoryCgroupOf(`0::${p}\n`), p).toBeNull();
  });

  it('no namespace: paths as they are', () => {
    const r = memcgResolver(procWithV2Mount('plain', '/'), null);
    expect(r.memoryCgroupOf('0::/system.slice/a.service\n')).toBe('/system.slice/a.service');
    // A name that merely starts with two dots is a name
    expect(r.memoryCgroupOf('0::/..x/y\n')).toBe('/..x/y');
  });
});
