/**
 * Risk that includes cgroup headroom (pure).
 *
 * A cgroup's fill is its working set (usage minus inactive file, what reclaim cannot
 * easily give back) over its limit. A process is exposed to every limited memcg on its
 * path (a memcg OOM can be triggered at any of them) and to the system as a whole; in each
 * domain its share is its badness relative to that domain's next victim (1 for the victim).
 *
 *   danger(p) = max over domains d ∋ p of  fill%(d) × clamp(points_d(p) / points_d(victim_d), 0, 1)
 *
 * with the system-wide domain's fill = (MemTotal − MemAvailable + swap used) / (MemTotal +
 * SwapTotal) and points from oom_score (badness‰). Sorting processes by danger, then by
 * system-wide oom_score, puts the victim of a cgroup at 95 % above the system-wide victim of
 * a box at 30 %, and orders the rest of each domain by how close they are to being chosen.
 */

/** Working set (or usage) as a percentage of a limit; null when there is no limit. */
export function cgroupRiskPct(workingSetKiB: number, limitKiB: number | null): number | null {
  if (limitKiB === null) return null;
  if (limitKiB <= 0) return 100;
  return (workingSetKiB / limitKiB) * 100;
}

export interface DomainExposure {
  /** How full the domain is, 0..100 (may exceed 100 briefly). */
  fillPct: number;
  /** The process's badness in this domain (same unit as victimPoints). */
  points: number;
  /** The badness of the domain's next victim. */
  victimPoints: number;
}

/** The process's share in one domain: 1 for the victim, its points relative to the victim's. */
export function victimShare(points: number, victimPoints: number): number {
  if (points >= victimPoints) return 1;
  if (victimPoints <= 0) return 0;
  return Math.max(0, Math.min(1, points / victimPoints));
}

/** danger = max over domains of fill% × share; 0 with no domain. */
export function processDanger(exposures: Iterable<DomainExposure>): number {
  let best = 0;
  for (const e of exposures) {
    const d = exposureDanger(e.fillPct, e.points, e.victimPoints);
    if (d > best) best = d;
  }
  return best;
}

/** One domain's term of processDanger(): fill% × share. */
export function exposureDanger(fillPct: number, points: number, victimPoints: number): number {
  return Math.max(0, fillPct) * victimShare(points, victimPoints);
}

/** System-wide fill for the system domain of processDanger. */
export function systemFillPct(m: {
  totalKiB: number;
  availableKiB: number;
  swapTotalKiB: number;
  swapFreeKiB: number;
}): number {
  const total = m.totalKiB + m.swapTotalKiB;
  if (total <= 0) return 0;
  return ((m.totalKiB - m.availableKiB + (m.swapTotalKiB - m.swapFreeKiB)) / total) * 100;
}
