import { kibToPages, memcgOomTotalKiB, oomBadness, oomKillable, oomRules, oomScoreFromPoints, totalPagesOf, type OomRules } from '../kernel/oom.js';
import { detectPageKiB } from '../proc/pagesize.js';
import type { CgroupSample, Snapshot } from '../sampler/types.js';
import { GROWTH_WINDOW } from '../text/columns.js';
import { slopePerSecond, type HistoryLookup } from './history.js';
import type { Row } from './rows.js';

/**
 * What the process detail pane (Enter on a process) shows, as plain data: the kernel's
 * arithmetic for its score, its cgroup chain, its memory and its history. Pure but for the
 * page size, read once from this process.
 */

/** oom_badness() for one OOM domain, term by term, as mm/oom_kill.c computes it. */
export interface ScoreArithmetic {
  /** "system" or the memcg path whose limit is the total. */
  domain: string;
  /** totalpages: RAM + swap (system), mem_cgroup_get_max (a memcg). */
  totalPages: number;
  /** get_mm_rss + MM_SWAPENTS + pgtables / PAGE_SIZE. */
  rssPages: number;
  swapPages: number;
  pgtablesPages: number;
  adj: number;
  /** adj × ⌊totalpages / 1000⌋. */
  adjPages: number;
  /** The sum; null where the kernel never picks it (adj -1000, init). */
  points: number | null;
  /** points × 1000 / totalpages, truncated as the kernel's long division does. */
  permille: number | null;
  /** What /proc/PID/oom_score would read from these figures (system domain only). */
  expectedScore: number | null;
}

export interface CgroupLink {
  path: string;
  label: string;
  usageKiB: number;
  limitKiB: number | null;
  workingSetKiB: number;
  /** The memcg an OOM from this process would hit. */
  isDomain: boolean;
}

export interface ProcessDetailModel {
  row: Row;
  /** Its place in the kernel's system-wide order (1 = next victim), of `killable`. */
  rank: number | null;
  killable: number;
  nextVictimPid: number | null;
  system: ScoreArithmetic | null;
  cgroup: ScoreArithmetic | null;
  chain: CgroupLink[];
  /** Seconds since the RSS split (status) was read. */
  detailAgeS: number;
  history: { times: number[]; rssKiB: number[]; oomScore: number[]; long: { times: number[]; rssKiB: number[] } } | null;
  /** RSS growth (KiB/s, the GROW/s column) and the samples and seconds it spans; null below 3 samples. */
  growth: { kibPerSec: number; samples: number; seconds: number } | null;
  /** With --history: its RSS as recorded in the file (hours or days), oldest first; null without. */
  recorded: { times: number[]; rssKiB: number[] } | null;
}

let pageKiBCache: number | null = null;
const pageKiB = () => (pageKiBCache ??= detectPageKiB());

function arithmetic(row: Row, domain: string, totalKiB: number, pk: number, rules: OomRules, system: boolean): ScoreArithmetic {
  // The kernel's own arithmetic (src/kernel/oom.ts), shown term by term.
  const totalPages = totalPagesOf(totalKiB, pk);
  const adj = row.oomScoreAdj ?? 0;
  const points = oomBadness(row, totalPages, pk, rules);
  const permille = points === null ? null : rules.formula === 'permille' ? points : Math.trunc((points * 1000) / totalPages);
  return {
    domain,
    totalPages,
    rssPages: kibToPages(row.rssKiB, pk),
    swapPages: kibToPages(row.swapKiB, pk),
    pgtablesPages: kibToPages(row.pgtablesKiB, pk),
    adj,
    adjPages: adj * Math.floor(totalPages / 1000),
    points,
    permille,
    expectedScore: !system || points === null || rules.scale === 'legacy' ? null : oomScoreFromPoints(points, totalPages, rules),
  };
}

/** The memcg chain of a process, root first, with each level's limit. */
export function cgroupChain(path: string | null, cgroups: readonly CgroupSample[]): CgroupLink[] {
  if (path === null) return [];
  const byPath = new Map(cgroups.map((c) => [c.memory.path, c]));
  const own = byPath.get(path);
  const paths = ['/'];
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) paths.push(`/${parts.slice(0, i).join('/')}`);
  const out: CgroupLink[] = [];
  for (const p of paths) {
    const c = byPath.get(p);
    if (!c) continue;
    out.push({ path: p, label: c.label, usageKiB: c.memory.usageKiB, limitKiB: c.memory.limitKiB, workingSetKiB: c.memory.workingSetKiB, isDomain: own?.oomDomain === p });
  }
  return out;
}

export function processDetail(
  row: Row,
  snap: Snapshot | null,
  history: HistoryLookup,
  pk: number = pageKiB(),
  recorded: { key: string; times: number[]; rssKiB: number[] } | null = null,
): ProcessDetailModel {
  const mem = snap?.system.memory ?? null;
  const rules = oomRules(snap?.system.kernel ?? null);
  const system = mem ? arithmetic(row, 'system', mem.totalKiB + mem.swapTotalKiB, pk, rules, true) : null;
  let cgroup: ScoreArithmetic | null = null;
  const own = snap?.cgroups.find((c) => c.memory.path === row.cgroup);
  const domain = own?.oomDomain ? snap!.cgroups.find((c) => c.memory.path === own.oomDomain) : undefined;
  if (domain && domain.memory.limitKiB !== null && mem) {
    const m = domain.memory;
    // As src/cgroup/analysis.ts ranks a domain's victims.
    const vmSwappiness = snap!.system.settings.swappiness ?? null;
    const total = memcgOomTotalKiB({
      version: m.version,
      limitKiB: m.limitKiB!,
      swapLimitKiB: m.swapLimitKiB,
      swappiness: m.version === 1 ? (m.swappiness ?? vmSwappiness) : vmSwappiness,
      swapTotalKiB: mem.swapTotalKiB,
    });
    cgroup = arithmetic(row, domain.memory.path, total, pk, rules, false);
  }
  // Its place in the system-wide order: the processes with a higher score go first (on an
  // equal score the kernel's tie-break picked the next victim).
  let killable = 0;
  let ahead = 0;
  for (const p of snap?.processes ?? []) {
    if (!oomKillable(p)) continue;
    killable++;
    if (p.key !== row.key && (p.oomScore > row.oomScore || (p.oomScore === row.oomScore && p.nextVictim))) ahead++;
  }
  const rank = snap && oomKillable(row) ? ahead + 1 : null;
  const h = history.get(row.key);
  const slope = h ? slopePerSecond(h.rssKiB, GROWTH_WINDOW) : null;
  const n = h ? Math.min(GROWTH_WINDOW, h.rssKiB.times.length) : 0;
  const growth = h && slope !== null ? { kibPerSec: slope, samples: n, seconds: Math.round((h.rssKiB.times.at(-1)! - h.rssKiB.times.at(-n)!) / 1000) } : null;
  return {
    growth,
    row,
    rank,
    killable,
    nextVictimPid: snap?.nextVictimPid ?? null,
    system,
    cgroup,
    chain: cgroupChain(row.cgroup, snap?.cgroups ?? []),
    detailAgeS: snap ? Math.max(0, Math.round((snap.time - row.detailTime) / 1000)) : 0,
    history: h ? { times: h.rssKiB.times, rssKiB: h.rssKiB.values, oomScore: h.oomScore.values, long: { times: h.rssLong.times, rssKiB: h.rssLong.values } } : null,
    recorded: recorded && recorded.key === row.key && recorded.times.length >= 2 ? { times: recorded.times, rssKiB: recorded.rssKiB } : null,
  };
}
