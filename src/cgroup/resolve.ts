import { detectMemoryHierarchy, parseProcCgroup, toMountPath } from './index.js';
import type { MemoryHierarchy } from './types.js';

/**
 * The memory hierarchy (or null) and the mapping from /proc/PID/cgroup text to a memory cgroup path.
 *
 * In a cgroup namespace (a container on a cgroup v2 host: Docker's and containerd's default
 * there) the kernel prints paths relative to the namespace's root: a process outside it shows
 * as "/../..", and a cgroup2 mount made outside the namespace has the mount root "/../..".
 * Such a path names no directory of the mount (joined to it, it would even lead out of
 * /sys/fs/cgroup), and under such a mount no path does: both give null, never the raw path.
 */
export function memcgResolver(procRoot: string, cgroupRoot: string | null): {
  hierarchy: MemoryHierarchy | null;
  memoryCgroupOf: (text: string) => string | null;
} {
  const hierarchy = detectMemoryHierarchy(procRoot, cgroupRoot);
  const version = hierarchy?.version ?? 1;
  const outside = (p: string) => p === '/..' || p.startsWith('/../');
  const mountOutside = hierarchy !== null && outside(hierarchy.mountRoot ?? '/');
  return {
    hierarchy,
    memoryCgroupOf: (text) => {
      const raw = parseProcCgroup(text, version);
      if (raw === null) return null;
      if (!hierarchy) return raw;
      const mapped = toMountPath(hierarchy, raw);
      if (mapped !== null) return mapped;
      if (mountOutside || outside(raw)) return null;
      return raw;
    },
  };
}
