import { detectMemoryHierarchy, parseProcCgroup, toMountPath } from './index.js';
import type { MemoryHierarchy } from './types.js';

/** The memory hierarchy (or null) and the mapping from /proc/PID/cgroup text to a memory cgroup path. */
export function memcgResolver(procRoot: string, cgroupRoot: string | null): {
  hierarchy: MemoryHierarchy | null;
  memoryCgroupOf: (text: string) => string | null;
} {
  const hierarchy = detectMemoryHierarchy(procRoot, cgroupRoot);
  const version = hierarchy?.version ?? 1;
  return {
    hierarchy,
    memoryCgroupOf: (text) => {
      const raw = parseProcCgroup(text, version);
      if (raw === null) return null;
      return hierarchy ? (toMountPath(hierarchy, raw) ?? raw) : raw;
    },
  };
}
