import type { Pressure } from '../proc/types.js';
import type { CgroupMemory, ContainerInfo } from './types.js';

/** One entry of `--once --json` "cgroups". */
export interface CgroupJson {
  path: string;
  container: ContainerInfo | null;
  usageKiB: number;
  /** This cgroup's own limit; null when it has none. */
  limitKiB: number | null;
  /** Smallest limit up the hierarchy; null when none. */
  effectiveLimitKiB: number | null;
  workingSetKiB: number;
  highKiB: number | null;
  swapUsageKiB: number | null;
  oomKills: number | null;
  pressure: Pressure | null;
  /** The memcg whose limit an OOM from here would hit (see analyzeCgroups); null when unlimited. */
  oomDomain: string | null;
  nextVictimPid: number | null;
}

export function cgroupJson(m: CgroupMemory, oomDomain: string | null, nextVictimPid: number | null): CgroupJson {
  return {
    path: m.path,
    container: m.container
      ? {
          runtime: m.container.runtime,
          id: m.container.id,
          name: m.container.name,
          image: m.container.image ?? null,
          compose: m.container.compose ? { project: m.container.compose.project, service: m.container.compose.service } : null,
          pod: m.container.pod ? { uid: m.container.pod.uid, qos: m.container.pod.qos, name: m.container.pod.name } : null,
        }
      : null,
    usageKiB: m.usageKiB,
    limitKiB: m.limitKiB,
    effectiveLimitKiB: m.effectiveLimitKiB,
    workingSetKiB: m.workingSetKiB,
    highKiB: m.highKiB,
    swapUsageKiB: m.swapUsageKiB,
    oomKills: m.oomKills,
    pressure: m.pressure,
    oomDomain,
    nextVictimPid,
  };
}
