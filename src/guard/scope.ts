import { join } from 'node:path';
import {
  cgroupProcs,
  readCgroupInactiveFileKiB,
  readCgroupSwapAllowance,
  readCgroupOomControl,
  readCgroupPressure,
  readCgroupSwapKiB,
  readCgroupUsageKiB,
  readOwnLimitKiB,
} from '../cgroup/memory.js';
import { ancestorsOrSelf } from '../cgroup/parse.js';
import { subHierarchy } from '../cgroup/proccgroup.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { memcgOomTotalKiB } from '../kernel/oom.js';
import { readInt } from '../proc/read.js';
import { readMeminfo, readPressure } from '../proc/system.js';
import { readAllCandidates, readCandidates } from './candidates.js';
import { thresholdKiB } from './level.js';
import type { Candidate, GuardPolicy, ScopeSample } from './types.js';

/** A watched scope: fills a sample cheaply on every tick, lists its processes only in danger. */
export interface ScopeReader {
  readonly label: string;
  readonly kind: 'system' | 'cgroup';
  /** Fill s with a fresh reading; false when the scope is gone (cgroup removed). */
  read(s: ScopeSample, nowMs: number): boolean;
  processes(): Candidate[];
}

export function emptySample(): ScopeSample {
  return { timeMs: 0, totalKiB: 0, availableKiB: 0, swapTotalKiB: 0, swapFreeKiB: 0, psiFullAvg10: null, held: false };
}

type ReaderPolicy = Pick<GuardPolicy, 'procRoot' | 'psi' | 'memTerm'>;

export class SystemScope implements ScopeReader {
  readonly label = 'system';
  readonly kind = 'system' as const;
  constructor(private readonly policy: ReaderPolicy) {}

  read(s: ScopeSample, nowMs: number): boolean {
    const m = readMeminfo(this.policy.procRoot);
    if (m === null) return false;
    s.timeMs = nowMs;
    s.totalKiB = m.totalKiB;
    s.availableKiB = m.availableKiB;
    s.swapTotalKiB = m.swapTotalKiB;
    s.swapFreeKiB = m.swapFreeKiB;
    s.oomTotalKiB = m.totalKiB + m.swapTotalKiB;
    // PSI on every tick: --psi-full and the pressure level (level events, --on-level) use it.
    const psi = readPressure(this.policy.procRoot);
    s.psiFullAvg10 = psi?.full?.avg10 ?? null;
    s.psiSomeAvg10 = psi?.some.avg10 ?? null;
    s.held = false;
    return true;
  }

  processes(): Candidate[] {
    return readAllCandidates(this.policy.procRoot);
  }
}

interface Level {
  /** Path relative to the controller root. */
  path: string;
  /** The hierarchy rooted at this level: its files are read as (at, "/"), without joining the path each tick. */
  at: MemoryHierarchy;
  limitKiB: number;
  /** For mem_cgroup_get_max(): the swap allowance (null: unlimited) and v1 swappiness. */
  swapLimitKiB: number | null;
  swappiness: number | null;
  inactiveKiB: number;
  inactiveAtMs: number;
}

/** How often the limits up the hierarchy and the system's swap size are re-read. */
const SLOW_REFRESH_MS = 5000;
/** Inactive file pages are re-read at least this often, and on every tick near the threshold. */
const INACTIVE_REFRESH_MS = 1000;
/** Near the limit, under_oom is read on every tick (the kernel holds tasks only at the limit). */
const HELD_NEAR_KIB = 16 * 1024;

/**
 * A memory cgroup. Headroom is limit minus working set (usage minus inactive file, as
 * Kubernetes counts it) for the nearest limit up the hierarchy (the tightest when several
 * apply). With no limit anywhere up the tree only a system-wide OOM can hit it, so the
 * system's figures stand in. An idle tick reads one file per limited level.
 */
export class CgroupScope implements ScopeReader {
  readonly kind = 'cgroup' as const;
  /** The cgroup's path relative to the controller root ("/docker/abc"). */
  readonly label: string;
  /** Its absolute directory (the v1 intercept writes memory.oom_control there). */
  readonly dir: string;
  /** Set while the v1 intercept holds this cgroup: under_oom is then read near the limit. */
  intercepting = false;
  /** The hierarchy rooted at this cgroup, for the per-tick reads of its own files. */
  private readonly self: MemoryHierarchy;
  private levels: Level[] = [];
  private levelsAtMs = -Infinity;
  private sysSwapTotalKiB = 0;
  private vmSwappiness: number | null = null;

  constructor(
    private readonly h: MemoryHierarchy,
    path: string,
    private readonly policy: ReaderPolicy,
  ) {
    this.label = path;
    this.self = subHierarchy(h, path);
    this.dir = this.self.root;
  }

  get version(): 1 | 2 {
    return this.h.version;
  }

  /** True when this cgroup's own limit is the one that binds (so its oom_control governs its OOMs). */
  ownsLimit(nowMs: number): boolean {
    this.refresh(nowMs);
    return this.levels.length > 0 && this.levels[0]!.path === this.label;
  }

  private refresh(nowMs: number): void {
    if (nowMs - this.levelsAtMs < SLOW_REFRESH_MS) return;
    this.levelsAtMs = nowMs;
    const prev = new Map(this.levels.map((l) => [l.path, l]));
    const next: Level[] = [];
    for (const p of ancestorsOrSelf(this.label)) {
      const lim = readOwnLimitKiB(this.h, p);
      if (lim === null || lim === undefined) continue;
      const old = prev.get(p);
      const at = p === this.label ? this.self : subHierarchy(this.h, p);
      const swap = readCgroupSwapAllowance(this.h, p, lim);
      next.push({ path: p, at, limitKiB: lim, ...swap, inactiveKiB: old?.inactiveKiB ?? 0, inactiveAtMs: old?.inactiveAtMs ?? -Infinity });
    }
    this.levels = next;
    this.sysSwapTotalKiB = readMeminfo(this.policy.procRoot)?.swapTotalKiB ?? 0;
    this.vmSwappiness = readInt(join(this.policy.procRoot, 'sys', 'vm', 'swappiness'));
  }

  read(s: ScopeSample, nowMs: number): boolean {
    this.refresh(nowMs);
    s.timeMs = nowMs;
    s.held = false;
    s.psiFullAvg10 = null;
    s.psiSomeAvg10 = null;
    if (this.levels.length === 0) {
      if (readCgroupUsageKiB(this.self, '/') === null) return false;
      const m = readMeminfo(this.policy.procRoot);
      if (m === null) return false;
      s.totalKiB = m.totalKiB;
      s.availableKiB = m.availableKiB;
      s.swapTotalKiB = m.swapTotalKiB;
      s.swapFreeKiB = m.swapFreeKiB;
      s.oomTotalKiB = m.totalKiB + m.swapTotalKiB;
    } else {
      let best = Infinity;
      let bestLimit = 0;
      let binding: Level | null = null;
      let nearest = Infinity;
      for (let i = 0; i < this.levels.length; i++) {
        const l = this.levels[i]!;
        const usage = readCgroupUsageKiB(l.at, '/');
        if (usage === null) {
          if (l.path === this.label) return false;
          continue;
        }
        const room = l.limitKiB - usage;
        if (room < nearest) nearest = room;
        const near = room <= 2 * thresholdKiB(this.policy.memTerm, l.limitKiB) + 8192;
        if (near || nowMs - l.inactiveAtMs >= INACTIVE_REFRESH_MS) {
          l.inactiveKiB = readCgroupInactiveFileKiB(l.at, '/') ?? 0;
          l.inactiveAtMs = nowMs;
        }
        const avail = Math.max(0, Math.min(l.limitKiB, room + l.inactiveKiB));
        if (avail < best) {
          best = avail;
          bestLimit = l.limitKiB;
          binding = l;
        }
      }
      if (bestLimit === 0 || binding === null) return false;
      s.totalKiB = bestLimit;
      // The kernel counts badness in a memcg OOM against mem_cgroup_get_max() of the memcg whose limit is hit.
      s.oomTotalKiB = memcgOomTotalKiB({
        version: this.h.version,
        limitKiB: binding.limitKiB,
        swapLimitKiB: binding.swapLimitKiB,
        swappiness: this.h.version === 1 ? (binding.swappiness ?? this.vmSwappiness) : this.vmSwappiness,
        swapTotalKiB: this.sysSwapTotalKiB,
      });
      s.availableKiB = best;
      s.swapTotalKiB = 0;
      s.swapFreeKiB = 0;
      if (this.sysSwapTotalKiB > 0) this.readSwap(s, bestLimit);
      if (this.intercepting && this.h.version === 1 && nearest <= HELD_NEAR_KIB) {
        s.held = readCgroupOomControl(this.self, '/')?.underOom ?? false;
      }
    }
    if (this.h.version === 2) {
      const psi = readCgroupPressure(this.self, '/');
      s.psiFullAvg10 = psi?.full?.avg10 ?? null;
      s.psiSomeAvg10 = psi?.some.avg10 ?? null;
    }
    return true;
  }

  private readSwap(s: ScopeSample, limitKiB: number): void {
    const m = readMeminfo(this.policy.procRoot);
    let total = m?.swapTotalKiB ?? 0;
    let free = m?.swapFreeKiB ?? 0;
    const cg = readCgroupSwapKiB(this.self, '/', limitKiB);
    if (cg !== null) {
      total = Math.min(total, cg.limitKiB);
      free = Math.min(free, Math.max(0, cg.limitKiB - cg.usageKiB));
    }
    s.swapTotalKiB = total;
    s.swapFreeKiB = free;
  }

  processes(): Candidate[] {
    return readCandidates(this.policy.procRoot, cgroupProcs(this.self, '/', true));
  }
}
