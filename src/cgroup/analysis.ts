import { ancestorsOrSelf } from './parse.js';
import { cgroupRiskPct, exposureDanger, type DomainExposure } from './risk.js';
import type { CgroupMemory } from './types.js';
import { memcgOomTotalKiB, type OomRules } from '../kernel/oom.js';
import { rankVictims, type RankedVictim, type VictimCandidate } from './victim.js';

/** A process with its memory cgroup path (relative to the hierarchy root). */
export interface CgroupProc extends VictimCandidate {
  cgroup: string | null;
}

export interface OomDomain {
  /** The memcg whose own limit would be hit. */
  path: string;
  /** mem_cgroup_get_max() of it, KiB: the "totalpages" of its OOM. */
  totalKiB: number;
  /** Working set over its own limit, percent. */
  fillPct: number;
  /** Killable processes of its subtree, victim first. */
  ranked: RankedVictim[];
  /** Points of each ranked pid. */
  pointsByPid: Map<number, number>;
}

export interface CgroupAnalysis {
  /** Every limited memcg (own limit set) by path. */
  domains: Map<string, OomDomain>;
  /** For each cgroup read, the domain an OOM from inside it would hit first (least headroom); null if none. */
  domainOf: Map<string, string | null>;
  /** ancestorsOrSelf(path), computed once per path for this analysis (a few dozen cgroups, a thousand processes). */
  ancestors: (path: string) => readonly string[];
}

function ancestorCache(): (path: string) => readonly string[] {
  const memo = new Map<string, string[]>();
  return (path) => {
    let a = memo.get(path);
    if (a === undefined) memo.set(path, (a = ancestorsOrSelf(path)));
    return a;
  };
}

export interface AnalysisEnv {
  /** SwapTotal from /proc/meminfo, KiB. */
  swapTotalKiB: number;
  /** vm.swappiness (v2 has no per-cgroup value). */
  vmSwappiness: number | null;
  pageKiB?: number;
  /** The running kernel's OOM rules (kernel/oom.ts oomRules); default: current kernels. */
  rules?: OomRules;
}

/**
 * Per-cgroup OOM domains and next victims. A cgroup's domain is, among itself and its
 * ancestors that have their own limit, the one with the least headroom (limit − usage):
 * that counter fails first when the cgroup charges more, and the kernel then picks the
 * victim among all processes of that domain's subtree.
 */
export function analyzeCgroups(
  memories: Iterable<CgroupMemory>,
  procs: Iterable<CgroupProc>,
  env: AnalysisEnv,
): CgroupAnalysis {
  const byPath = new Map<string, CgroupMemory>();
  for (const m of memories) byPath.set(m.path, m);
  const ancestors = ancestorCache();

  const members = new Map<string, CgroupProc[]>();
  for (const [path, m] of byPath) if (m.limitKiB !== null) members.set(path, []);
  for (const p of procs) {
    if (p.cgroup === null) continue;
    for (const a of ancestors(p.cgroup)) members.get(a)?.push(p);
  }

  const domains = new Map<string, OomDomain>();
  for (const [path, list] of members) {
    const m = byPath.get(path)!;
    const limitKiB = m.limitKiB!;
    const totalKiB = memcgOomTotalKiB({
      version: m.version,
      limitKiB,
      swapLimitKiB: m.swapLimitKiB,
      swappiness: m.version === 1 ? (m.swappiness ?? env.vmSwappiness) : env.vmSwappiness,
      swapTotalKiB: env.swapTotalKiB,
    });
    const ranked = rankVictims(list, totalKiB, env.pageKiB, env.rules);
    domains.set(path, {
      path,
      totalKiB,
      fillPct: cgroupRiskPct(m.workingSetKiB, limitKiB) ?? 0,
      ranked,
      pointsByPid: new Map(ranked.map((r) => [r.pid, r.points])),
    });
  }

  const domainOf = new Map<string, string | null>();
  for (const path of byPath.keys()) {
    let best: string | null = null;
    let bestRoom = Number.POSITIVE_INFINITY;
    for (const a of ancestors(path)) {
      const m = byPath.get(a);
      if (!m || m.limitKiB === null) continue;
      const room = m.limitKiB - m.usageKiB;
      if (room < bestRoom) {
        best = a;
        bestRoom = room;
      }
    }
    domainOf.set(path, best);
  }
  return { domains, domainOf, ancestors };
}

/** The pid the kernel would kill if the cgroup's OOM domain ran out; null without a limit or a killable process. */
export function nextVictimOf(a: CgroupAnalysis, path: string): number | null {
  const d = a.domainOf.get(path);
  if (d === null || d === undefined) return null;
  return a.domains.get(d)?.ranked[0]?.pid ?? null;
}

/**
 * The cgroup domains a process is exposed to, for processDanger(): every limited memcg
 * on its path, with its badness there relative to that domain's victim.
 */
export function cgroupExposures(a: CgroupAnalysis, pid: number, cgroup: string | null): DomainExposure[] {
  if (cgroup === null) return [];
  const out: DomainExposure[] = [];
  for (const path of a.ancestors(cgroup)) {
    const d = a.domains.get(path);
    if (!d) continue;
    const victim = d.ranked[0];
    const points = d.pointsByPid.get(pid);
    if (!victim || points === undefined) continue;
    out.push({ fillPct: d.fillPct, points, victimPoints: victim.points });
  }
  return out;
}

/**
 * processDanger() of the cgroup exposures (cgroupExposures) and, when `systemPoints` is not
 * null, the system domain, without building the lists: the sampler calls it for every
 * process every tick.
 */
export function dangerOf(
  a: CgroupAnalysis | null,
  pid: number,
  cgroup: string | null,
  system: { fillPct: number; victimPoints: number },
  systemPoints: number | null,
): number {
  let best = 0;
  if (a !== null && cgroup !== null) {
    for (const path of a.ancestors(cgroup)) {
      const d = a.domains.get(path);
      if (!d) continue;
      const victim = d.ranked[0];
      const points = d.pointsByPid.get(pid);
      if (!victim || points === undefined) continue;
      const x = exposureDanger(d.fillPct, points, victim.points);
      if (x > best) best = x;
    }
  }
  if (systemPoints !== null) {
    const x = exposureDanger(system.fillPct, systemPoints, system.victimPoints);
    if (x > best) best = x;
  }
  return best;
}
