import { compareText } from '../text/compare.js';
import {
  analyzeCgroups,
  type CgroupFileReader,
  containerLabel,
  dangerOf,
  nextVictimOf,
  readCgroupsFor,
  systemFillPct,
} from '../cgroup/index.js';
import type { ContainerNamer } from '../containers/index.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { DEFAULT_PAGE_KIB, MODERN_RULES, type OomRules } from '../kernel/oom.js';
import type { MemInfo } from '../proc/types.js';
import type { CgroupSample, ProcessSample } from './types.js';

/**
 * Fill the cgroup side of a snapshot: read the memory cgroups of the processes seen (and
 * their ancestors), rank each limited cgroup's processes with the kernel's memcg rule, and
 * give each process its "% of limit", combined danger and per-cgroup victim mark.
 */
export function sampleCgroups(
  h: MemoryHierarchy | null,
  processes: ProcessSample[],
  memory: MemInfo | null,
  swappiness: number | null,
  systemVictim: ProcessSample | null,
  namer?: ContainerNamer | null,
  oom: { pageKiB: number; rules: OomRules; files?: CgroupFileReader | null } = { pageKiB: DEFAULT_PAGE_KIB, rules: MODERN_RULES },
): CgroupSample[] {
  const sysFill = memory ? systemFillPct(memory) : 0;
  // The system domain of each process's danger: no lists or objects per process (every tick).
  const system = { fillPct: sysFill, victimPoints: systemVictim?.badnessPermille ?? 0 };

  if (h === null) {
    for (const p of processes) {
      p.limitPct = null;
      p.cgroupVictim = false;
      p.container = null;
      p.danger = dangerOf(null, p.pid, null, system, p.badnessPermille);
    }
    return [];
  }

  const paths = new Set<string>();
  const direct = new Map<string, number>();
  for (const p of processes) {
    if (p.cgroup === null) continue;
    paths.add(p.cgroup);
    direct.set(p.cgroup, (direct.get(p.cgroup) ?? 0) + 1);
  }
  const memories = readCgroupsFor(h, paths, { files: oom.files });
  if (namer) for (const m of memories.values()) if (m.container) m.container = namer.resolve(m.container);
  // The samples themselves serve as CgroupProc (the analysis reads them, keeps none past this call).
  const analysis = analyzeCgroups(
    memories.values(),
    processes,
    { swapTotalKiB: memory?.swapTotalKiB ?? 0, vmSwappiness: swappiness, pageKiB: oom.pageKiB, rules: oom.rules },
  );

  const victimOfDomain = new Map<string, number | null>();
  for (const [path, d] of analysis.domains) victimOfDomain.set(path, d.ranked[0]?.pid ?? null);

  for (const p of processes) {
    const m = p.cgroup === null ? undefined : memories.get(p.cgroup);
    const domain = p.cgroup === null ? null : (analysis.domainOf.get(p.cgroup) ?? null);
    p.limitPct = domain ? (analysis.domains.get(domain)?.fillPct ?? null) : null;
    p.cgroupVictim = domain !== null && victimOfDomain.get(domain) === p.pid;
    p.container = m?.container ? containerLabel(m.container) : null;
    p.danger = dangerOf(analysis, p.pid, p.cgroup, system, p.badnessPermille);
  }

  const out: CgroupSample[] = [];
  for (const m of memories.values()) {
    const domain = analysis.domainOf.get(m.path) ?? null;
    const dm = domain ? memories.get(domain) : undefined;
    out.push({
      memory: m,
      oomDomain: domain,
      domainFillPct: domain ? (analysis.domains.get(domain)?.fillPct ?? null) : null,
      // What the kernel cannot reclaim short of an OOM: limit − working set, as the guard,
      // %LIM and Kubernetes count it (page cache on the inactive list is reclaimed first).
      headroomKiB: dm && dm.limitKiB !== null ? Math.max(0, dm.limitKiB - dm.workingSetKiB) : null,
      nextVictimPid: nextVictimOf(analysis, m.path),
      processCount: direct.get(m.path) ?? 0,
      label: m.container ? containerLabel(m.container) : m.path,
    });
  }
  // Least headroom first; unlimited last.
  out.sort((a, b) => (a.headroomKiB ?? Infinity) - (b.headroomKiB ?? Infinity) || compareText(a.memory.path, b.memory.path));
  return out;
}
