import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSmall } from '../proc/read.js';
import type { MemoryHierarchy } from './types.js';

/** One line of /proc/PID/mountinfo, the fields oomtop needs. */
export interface MountEntry {
  /** Root of the mount inside its filesystem (for cgroupfs: the cgroup the mount shows). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  /** Per-superblock options, e.g. "rw,memory" for a v1 memory hierarchy. */
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/**
 * Parse mountinfo text: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".
 * The optional fields vary in number, so the line is split at the " - " separator.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const head = line.slice(0, sep).split(' ');
    const tail = line.slice(sep + 3).split(' ');
    if (head.length < 6 || tail.length < 2) continue;
    out.push({
      root: unescapeOctal(head[3]!),
      mountPoint: unescapeOctal(head[4]!),
      fsType: tail[0]!,
      source: unescapeOctal(tail[1]!),
      superOptions: (tail[2] ?? '').split(','),
    });
  }
  return out;
}

/** Prefer the mount showing the hierarchy's root, then the shortest mount point. */
function best(mounts: MountEntry[]): MountEntry | null {
  const sorted = [...mounts].sort(
    (a, b) => Number(b.root === '/') - Number(a.root === '/') || a.mountPoint.length - b.mountPoint.length,
  );
  return sorted[0] ?? null;
}

function v2HasMemory(dir: string): boolean {
  const controllers = readSmall(join(dir, 'cgroup.controllers'));
  return controllers !== null && controllers.trim().split(/\s+/).includes('memory');
}

/**
 * Where the memory controller lives, from parsed mountinfo. `exists` tells whether a v2
 * mount really offers the memory controller (its cgroup.controllers), injectable for tests.
 */
export function hierarchyFromMounts(
  mounts: MountEntry[],
  v2Memory: (dir: string) => boolean = v2HasMemory,
): MemoryHierarchy | null {
  const v1 = best(mounts.filter((m) => m.fsType === 'cgroup' && m.superOptions.includes('memory')));
  const v2 = best(mounts.filter((m) => m.fsType === 'cgroup2'));
  if (v1) {
    return {
      version: 1,
      root: v1.mountPoint,
      hybrid: v2 !== null,
      unifiedRoot: v2?.mountPoint ?? null,
      mountRoot: v1.root,
    };
  }
  if (v2 && v2Memory(v2.mountPoint)) {
    return { version: 2, root: v2.mountPoint, hybrid: false, unifiedRoot: null, mountRoot: v2.root };
  }
  return null;
}

/**
 * With an explicit cgroup root (--cgroup-root, tests) look at the tree itself instead of
 * mountinfo: `memory/` under it means v1 (hybrid when `unified/` or the root itself is a v2
 * tree), `cgroup.controllers` listing memory means v2, and a directory with
 * memory.usage_in_bytes is a v1 memory controller given directly.
 */
export function hierarchyFromRoot(cgroupRoot: string): MemoryHierarchy | null {
  const memDir = join(cgroupRoot, 'memory');
  if (existsSync(join(memDir, 'memory.usage_in_bytes'))) {
    const unified = join(cgroupRoot, 'unified');
    const unifiedRoot = existsSync(join(unified, 'cgroup.controllers')) ? unified : null;
    return { version: 1, root: memDir, hybrid: unifiedRoot !== null, unifiedRoot, mountRoot: '/' };
  }
  if (v2HasMemory(cgroupRoot)) {
    return { version: 2, root: cgroupRoot, hybrid: false, unifiedRoot: null, mountRoot: '/' };
  }
  if (existsSync(join(cgroupRoot, 'memory.usage_in_bytes'))) {
    return { version: 1, root: cgroupRoot, hybrid: false, unifiedRoot: null, mountRoot: '/' };
  }
  return null;
}

/**
 * Find the memory controller: under `cgroupRoot` when given, else from
 * `${procRoot}/self/mountinfo`. null when there is no memory controller (or it is disabled).
 */
export function detectMemoryHierarchy(procRoot: string, cgroupRoot?: string | null): MemoryHierarchy | null {
  if (cgroupRoot) return hierarchyFromRoot(cgroupRoot);
  const text = readSmall(join(procRoot, 'self', 'mountinfo'));
  if (text === null) return null;
  return hierarchyFromMounts(parseMountinfo(text));
}
