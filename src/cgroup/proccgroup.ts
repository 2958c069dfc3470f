import { join } from 'node:path';
import { readSmall } from '../proc/read.js';
import type { CgroupVersion, MemoryHierarchy } from './types.js';

/**
 * The memory cgroup of a process from /proc/PID/cgroup text ("ID:CONTROLLERS:PATH" lines).
 * v1: the line whose comma-separated controller list holds "memory" (it may be co-mounted
 * with others); v2: the "0::PATH" line. The path may itself contain ':'. null when the line
 * is missing (memory controller disabled, or a zombie whose file is empty).
 */
export function parseProcCgroup(text: string, version: CgroupVersion): string | null {
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    if (a < 0) continue;
    const b = line.indexOf(':', a + 1);
    if (b < 0) continue;
    const controllers = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (path === '') continue;
    if (version === 2) {
      if (line.slice(0, a) === '0' && controllers === '') return path;
    } else if (controllers.split(',').includes('memory')) {
      return path;
    }
  }
  return null;
}

/**
 * Map a path as /proc/PID/cgroup prints it to a path relative to the hierarchy's mount:
 * when the mount shows a sub-tree (mountRoot "/docker/ID", no cgroup namespace) its prefix
 * is dropped. Paths outside the mounted sub-tree cannot be read and give null.
 */
export function toMountPath(h: MemoryHierarchy, path: string): string | null {
  // A process outside our cgroup namespace shows as "/../..": not reachable from here.
  if (path.startsWith('/..')) return null;
  const mr = h.mountRoot ?? '/';
  if (mr === '/' || mr === '') return path;
  if (path === mr) return '/';
  if (path.startsWith(`${mr}/`)) return path.slice(mr.length);
  return null;
}

/** Absolute directory of a cgroup path (relative to the controller root). */
export function cgroupDir(h: MemoryHierarchy, path: string): string {
  return path === '/' || path === '' ? h.root : join(h.root, path);
}

/**
 * The hierarchy as seen from one cgroup: rooted at its directory (and, in a hybrid, at the
 * same-named cgroup of the v2 tree), so that "/" of the result reads as `path` of `h`. A
 * loop that reads the same cgroup over and over reads (sub, "/") and is spared joining the
 * path on every read. Ancestors are out of its view: walks up the tree (the v2 effective
 * limit) stop at the cgroup itself.
 */
export function subHierarchy(h: MemoryHierarchy, path: string): MemoryHierarchy {
  if (path === '/' || path === '') return h;
  const mr = h.mountRoot ?? '/';
  return {
    ...h,
    root: cgroupDir(h, path),
    unifiedRoot: h.unifiedRoot === null ? null : join(h.unifiedRoot, path),
    mountRoot: mr === '/' || mr === '' ? path : `${mr}${path}`,
  };
}

/** The memory cgroup path of a process, relative to the mounted hierarchy; null when unknown. */
export function readProcMemoryCgroup(procRoot: string, pid: number, h: MemoryHierarchy): string | null {
  const text = readSmall(join(procRoot, String(pid), 'cgroup'));
  if (text === null) return null;
  const path = parseProcCgroup(text, h.version);
  return path === null ? null : toMountPath(h, path);
}
