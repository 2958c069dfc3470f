import { isAbsolute, relative, resolve, sep } from 'node:path';
import { listMemoryCgroups, readCgroupUsageKiB, readOwnLimitKiB } from '../cgroup/memory.js';
import { hierarchyFromRoot } from '../cgroup/mountinfo.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { CgroupScope, SystemScope, type ScopeReader } from './scope.js';
import type { GuardPolicy } from './types.js';

export type SetupResult =
  | { ok: true; readers: ScopeReader[]; hierarchy: MemoryHierarchy | null; discover: (() => ScopeReader[]) | null }
  | { ok: false; message: string };

/**
 * Resolve --cgroup PATH to a path relative to the controller root: PATH is an absolute
 * sysfs path under the hierarchy, or a path relative to the controller's root
 * ("/docker/abc", "system.slice/x.service"). null when no such memory cgroup exists.
 */
export function resolveCgroupArg(h: MemoryHierarchy, arg: string): string | null {
  let dir: string;
  const abs = resolve(arg);
  if (isAbsolute(arg) && (abs === h.root || abs.startsWith(h.root + sep))) dir = abs;
  else dir = resolve(h.root, '.' + sep + arg.replace(/^\/+/, ''));
  if (dir !== h.root && !dir.startsWith(h.root + sep)) return null;
  const path = '/' + relative(h.root, dir).split(sep).join('/');
  // The root counts even without a usage file (the v2 root has no memory.current).
  if (path !== '/' && readCgroupUsageKiB(h, path) === null) return null;
  return path;
}

/** Every cgroup below the root with a limit of its own (for --all-cgroups). */
export function limitedCgroups(h: MemoryHierarchy): string[] {
  return listMemoryCgroups(h).filter((p) => {
    if (p === '/') return false;
    const lim = readOwnLimitKiB(h, p);
    return lim !== null && lim !== undefined;
  });
}

/** Turn the policy's scopes into readers; an unknown cgroup is an error before anything runs. */
export function buildScopes(policy: GuardPolicy): SetupResult {
  const readers: ScopeReader[] = [];
  const needsCgroups = policy.allCgroups || policy.scopes.some((s) => s.kind === 'cgroup') || (policy.containers?.length ?? 0) > 0 || policy.allContainers === true;
  const h = needsCgroups ? hierarchyFromRoot(policy.cgroupRoot) : null;
  if (needsCgroups && h === null) {
    return { ok: false, message: `no cgroup memory controller found under ${policy.cgroupRoot}` };
  }
  const seen = new Set<string>();
  for (const spec of policy.scopes) {
    if (spec.kind === 'system') {
      if (!seen.has('system')) readers.push(new SystemScope(policy));
      seen.add('system');
      continue;
    }
    const path = resolveCgroupArg(h!, spec.path);
    if (path === null) return { ok: false, message: `--cgroup ${spec.path}: no such memory cgroup under ${h!.root}` };
    if (seen.has(path)) continue;
    seen.add(path);
    readers.push(new CgroupScope(h!, path, policy));
  }
  const discover = policy.allCgroups && h ? () => limitedCgroups(h).map((p) => new CgroupScope(h, p, policy)) : null;
  if (discover) for (const r of discover()) if (!seen.has(r.label)) (seen.add(r.label), readers.push(r));
  return { ok: true, readers, hierarchy: h, discover };
}
