import type { Row } from '../store/rows.js';
import type { Snapshot } from '../sampler/types.js';
import { cgroupJson } from '../cgroup/index.js';

/** The --once --json document (the shape in the README). */
export function snapshotJson(snap: Snapshot, rows: Row[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const m = snap.system.memory;
  const psi = snap.system.pressure;
  return {
    time: new Date(snap.time).toISOString(),
    kernel: snap.system.kernel?.release ?? null,
    scoreScale: snap.system.scale,
    memory: m && {
      totalKiB: m.totalKiB,
      availableKiB: m.availableKiB,
      freeKiB: m.freeKiB,
      swapTotalKiB: m.swapTotalKiB,
      swapFreeKiB: m.swapFreeKiB,
      committedKiB: m.committedKiB,
      commitLimitKiB: m.commitLimitKiB,
    },
    pressure: psi && { some: { avg10: psi.some.avg10, avg60: psi.some.avg60, avg300: psi.some.avg300 }, full: psi.full && { avg10: psi.full.avg10, avg60: psi.full.avg60, avg300: psi.full.avg300 } },
    oomKills: snap.system.oomKills,
    settings: snap.system.settings,
    nextVictimPid: snap.nextVictimPid,
    processes: rows.map((r) => ({
      pid: r.pid,
      name: r.name,
      cmdline: r.cmdline,
      user: r.user,
      uid: r.uid,
      state: r.state,
      oomScore: r.oomScore,
      oomScoreAdj: r.oomScoreAdj,
      risk: r.badnessPermille === null ? null : r.badnessPermille / 10,
      rssKiB: r.rssKiB,
      anonKiB: r.anonKiB,
      fileKiB: r.fileKiB,
      shmemKiB: r.shmemKiB,
      swapKiB: r.swapKiB,
      pgtablesKiB: r.pgtablesKiB,
      cgroup: r.cgroup,
      container: r.container,
      limitPct: r.limitPct === null ? null : Math.round(r.limitPct * 10) / 10,
      danger: Math.round(r.danger * 10) / 10,
      nextVictim: r.nextVictim,
      cgroupVictim: r.cgroupVictim,
    })),
    cgroups: snap.cgroups.map((c) => ({ ...cgroupJson(c.memory, c.oomDomain, c.nextVictimPid), headroomKiB: c.headroomKiB, label: c.label })),
    warnings: snap.warnings,
    ...extra,
  };
}
