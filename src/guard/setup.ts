import { findMemoryHierarchy, limitedCgroups, resolveCgroup, type MemHierarchy } from './cgroupfs.js';
import { CgroupScope, SystemScope, type ScopeReader } from './scope.js';
import type { GuardPolicy } from './types.js';

export type SetupResult =
  | { ok: true; readers: ScopeReader[]; hierarchy: MemHierarchy | null; discover: (() => ScopeReader[]) | null }
  | { ok: false; message: string };

/** Turn the policy's scopes into readers; an unknown cgroup is an error before anything runs. */
export function buildScopes(policy: GuardPolicy): SetupResult {
  const readers: ScopeReader[] = [];
  const needsCgroups = policy.allCgroups || policy.scopes.some((s) => s.kind === 'cgroup');
  const h = needsCgroups ? findMemoryHierarchy(policy.cgroupRoot) : null;
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
    const cg = resolveCgroup(h!, spec.path);
    if (cg === null) return { ok: false, message: `--cgroup ${spec.path}: no such memory cgroup under ${h!.root}` };
    if (seen.has(cg.path)) continue;
    seen.add(cg.path);
    readers.push(new CgroupScope(h!, cg, policy));
  }
  const discover = policy.allCgroups && h ? () => limitedCgroups(h).map((cg) => new CgroupScope(h, cg, policy)) : null;
  if (discover) for (const r of discover()) if (!seen.has(r.label)) (seen.add(r.label), readers.push(r));
  return { ok: true, readers, hierarchy: h, discover };
}
