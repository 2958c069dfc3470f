import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRecord, readSmall } from '../proc/read.js';
import { parsePressure, parseVmstatField } from '../proc/system.js';
import type { Pressure } from '../proc/types.js';
import { recognizeContainer } from './container.js';
import {
  ancestorsOrSelf,
  effectiveLimit,
  keyedKiB,
  keyedTextKiB,
  keyedTextLimitKiB,
  keyedValue,
  parseBytesKiB,
  parseKeyed,
  parseLimitKiB,
  parseOomControl,
  parsePids,
} from './parse.js';
import { cgroupDir } from './proccgroup.js';
import type { CgroupMemory, CgroupSwap, MemoryHierarchy, OomControl } from './types.js';

/**
 * Descriptors held open between ticks (src/proc/handles.ts ProcFiles.text): the text of a
 * single-record file by absolute path, the same bytes as an open/read/close would give.
 */
export interface CgroupFileReader {
  text(path: string): string | null;
}

/** Through the held files when given; else open/read/close (to EOF, or one record). */
function readAt(abs: string, files: CgroupFileReader | null | undefined, single: boolean): string | null {
  if (files) return files.text(abs);
  return single ? readRecord(abs) : readSmall(abs);
}

function file(h: MemoryHierarchy, path: string, name: string, files?: CgroupFileReader | null): string | null {
  return readAt(join(cgroupDir(h, path), name), files, false);
}

/**
 * A file the kernel builds as one record (a value, memory.stat, memory.oom_control,
 * memory.pressure): one read(2) returns all of it. Not for cgroup.procs.
 */
function record(h: MemoryHierarchy, path: string, name: string, files?: CgroupFileReader | null): string | null {
  return readAt(join(cgroupDir(h, path), name), files, true);
}

function recordKiB(h: MemoryHierarchy, path: string, name: string, files?: CgroupFileReader | null): number | null {
  const t = record(h, path, name, files);
  return t === null ? null : parseBytesKiB(t);
}

/** A limit in KiB; null when unlimited or unreadable. */
function recordLimitKiB(h: MemoryHierarchy, path: string, name: string): number | null {
  const t = record(h, path, name);
  return t === null ? null : (parseLimitKiB(t) ?? null);
}

function limitFile(h: MemoryHierarchy, path: string, name: string, files?: CgroupFileReader | null): number | null | undefined {
  const t = file(h, path, name, files);
  return t === null ? undefined : parseLimitKiB(t);
}

/** Usage in KiB: memory.current (v2) or memory.usage_in_bytes (v1). One small read. */
export function readCgroupUsageKiB(h: MemoryHierarchy, path: string, files?: CgroupFileReader | null): number | null {
  return recordKiB(h, path, h.version === 2 ? 'memory.current' : 'memory.usage_in_bytes', files);
}

/** This cgroup's own limit in KiB (null: unlimited, undefined: unreadable). */
export function readOwnLimitKiB(h: MemoryHierarchy, path: string, files?: CgroupFileReader | null): number | null | undefined {
  return limitFile(h, path, h.version === 2 ? 'memory.max' : 'memory.limit_in_bytes', files);
}

/**
 * Smallest limit from the cgroup up to the root. v1 has it ready (hierarchical_memory_limit
 * in memory.stat, read by readCgroupMemory); this walks the tree and works for both. A
 * cache of own limits by path can be shared across calls in one sampling pass.
 */
export function readEffectiveLimitKiB(
  h: MemoryHierarchy,
  path: string,
  cache?: Map<string, number | null | undefined>,
  files?: CgroupFileReader | null,
): number | null {
  const limits: (number | null | undefined)[] = [];
  for (const p of ancestorsOrSelf(path)) {
    let l = cache?.get(p);
    if (l === undefined && !cache?.has(p)) {
      l = readOwnLimitKiB(h, p, files);
      cache?.set(p, l);
    }
    limits.push(l);
  }
  return effectiveLimit(limits);
}

/*
 * Single readers for a caller that samples one figure often (the guard's loop): each reads
 * only the file(s) it needs, where readCgroupMemory reads them all.
 */

/**
 * Inactive file pages in KiB (memory.stat; v1 the hierarchical total_inactive_file), which
 * reclaim can take back: usage minus this is the working set. null when unreadable.
 */
export function readCgroupInactiveFileKiB(h: MemoryHierarchy, path: string): number | null {
  const t = record(h, path, 'memory.stat');
  if (t === null) return null;
  const n =
    h.version === 2
      ? parseVmstatField(t, 'inactive_file')
      : (parseVmstatField(t, 'total_inactive_file') ?? parseVmstatField(t, 'inactive_file'));
  return n === null ? null : Math.floor(n / 1024);
}

/**
 * Swap allowance and use of a cgroup in KiB. v2: memory.swap.max and memory.swap.current.
 * v1 counts memory and swap together (memsw): the use is memsw usage minus usage, and the
 * allowance is what the memsw limit adds over `memLimitKiB`, the memory limit that applies
 * (this cgroup's own, or a tighter one up the tree). null without swap accounting or
 * without a swap limit.
 */
export function readCgroupSwapKiB(h: MemoryHierarchy, path: string, memLimitKiB: number): CgroupSwap | null {
  if (h.version === 2) {
    const limitKiB = recordLimitKiB(h, path, 'memory.swap.max');
    const usageKiB = limitKiB === null ? null : recordKiB(h, path, 'memory.swap.current');
    return limitKiB === null || usageKiB === null ? null : { limitKiB, usageKiB };
  }
  const memsw = recordLimitKiB(h, path, 'memory.memsw.limit_in_bytes');
  if (memsw === null) return null;
  const useKiB = recordKiB(h, path, 'memory.memsw.usage_in_bytes');
  const memKiB = readCgroupUsageKiB(h, path);
  if (useKiB === null || memKiB === null) return null;
  return { limitKiB: Math.max(0, memsw - memLimitKiB), usageKiB: Math.max(0, useKiB - memKiB) };
}

/**
 * What mem_cgroup_get_max() reads of a memcg besides its memory limit (kernel/oom.ts
 * memcgOomTotalKiB): its swap allowance in KiB (v2 memory.swap.max; v1 memsw limit minus
 * `limitKiB`; null when unlimited or not accounted) and, on v1, its own swappiness (v2
 * has none: vm.swappiness applies).
 */
export function readCgroupSwapAllowance(
  h: MemoryHierarchy,
  path: string,
  limitKiB: number,
): { swapLimitKiB: number | null; swappiness: number | null } {
  if (h.version === 2) return { swapLimitKiB: recordLimitKiB(h, path, 'memory.swap.max'), swappiness: null };
  const memsw = recordLimitKiB(h, path, 'memory.memsw.limit_in_bytes');
  const sw = record(h, path, 'memory.swappiness');
  const n = sw === null ? Number.NaN : Number.parseInt(sw, 10);
  return { swapLimitKiB: memsw === null ? null : Math.max(0, memsw - limitKiB), swappiness: Number.isFinite(n) ? n : null };
}

/** v1 memory.oom_control of a cgroup; null on v2 (no such file) or when it is gone. */
export function readCgroupOomControl(h: MemoryHierarchy, path: string): OomControl | null {
  const t = record(h, path, 'memory.oom_control');
  return t === null ? null : parseOomControl(t);
}

/**
 * Memory PSI of a cgroup: its memory.pressure on v2; in a hybrid layout that of the
 * same-named cgroup of the v2 tree, when there is one; else null.
 */
export function readCgroupPressure(h: MemoryHierarchy, path: string): Pressure | null {
  let t: string | null;
  if (h.version === 2) t = record(h, path, 'memory.pressure');
  else if (h.unifiedRoot === null) return null;
  else t = readRecord(join(path === '/' ? h.unifiedRoot : join(h.unifiedRoot, path), 'memory.pressure'));
  return t === null ? null : parsePressure(t);
}

export interface ReadCgroupOptions {
  /** Read memory.pressure (v2, or the same-named cgroup of the v2 tree in a hybrid). Default true. */
  pressure?: boolean;
  /** Recognise the container/pod/service from the path. Default true. */
  container?: boolean;
  /** Shared cache of own limits (v2 effective-limit walk). */
  limitCache?: Map<string, number | null | undefined>;
  /**
   * Read through these held descriptors (the sampler's, on a real cgroup filesystem:
   * ProcFiles); default open/read/close. The same text either way.
   */
  files?: CgroupFileReader | null;
}

function readPressureAt(dir: string, files: CgroupFileReader | null | undefined): Pressure | null {
  const t = readAt(join(dir, 'memory.pressure'), files, false);
  return t === null ? null : parsePressure(t);
}

function readV2(h: MemoryHierarchy, path: string, usageKiB: number, opts: ReadCgroupOptions): CgroupMemory {
  const f = opts.files;
  const limitKiB = readOwnLimitKiB(h, path, f) ?? null;
  opts.limitCache?.set(path, limitKiB);
  const highKiB = limitFile(h, path, 'memory.high', f) ?? null;
  const swapText = file(h, path, 'memory.swap.current', f);
  const swapUsageKiB = swapText === null ? null : parseBytesKiB(swapText);
  const swapLimitKiB = limitFile(h, path, 'memory.swap.max', f) ?? null;
  const stat = parseKeyed(file(h, path, 'memory.stat', f) ?? '');
  const inactiveFileKiB = keyedKiB(stat, 'inactive_file') ?? 0;
  const eventsText = file(h, path, 'memory.events', f);
  const events = eventsText === null ? null : parseKeyed(eventsText);
  const group = file(h, path, 'memory.oom.group', f);
  return {
    path,
    version: 2,
    usageKiB,
    limitKiB,
    effectiveLimitKiB: readEffectiveLimitKiB(h, path, opts.limitCache, f),
    highKiB,
    swapUsageKiB,
    swapLimitKiB,
    workingSetKiB: Math.max(0, usageKiB - inactiveFileKiB),
    inactiveFileKiB,
    oomKills: events?.get('oom_kill') ?? null,
    oomEvents: events?.get('oom') ?? null,
    underOom: null,
    pressure: opts.pressure === false ? null : readPressureAt(cgroupDir(h, path), f),
    container: null,
    effectiveMemswLimitKiB: null,
    oomKillDisabled: null,
    oomGroup: group === null ? null : group.trim() === '1',
    maxEvents: events?.get('max') ?? null,
    swappiness: null,
  };
}

function readV1(h: MemoryHierarchy, path: string, usageKiB: number, opts: ReadCgroupOptions): CgroupMemory {
  const f = opts.files;
  const limitKiB = readOwnLimitKiB(h, path, f) ?? null;
  opts.limitCache?.set(path, limitKiB);
  // Four keys of memory.stat's forty-odd, looked up in the text (read per cgroup per tick).
  const stat = file(h, path, 'memory.stat', f) ?? '';
  // usage_in_bytes is hierarchical (use_hierarchy is always 1 since 5.x), so is total_*.
  const inactiveFileKiB = keyedTextKiB(stat, 'total_inactive_file') ?? keyedTextKiB(stat, 'inactive_file') ?? 0;
  const memswText = file(h, path, 'memory.memsw.usage_in_bytes', f);
  const memswKiB = memswText === null ? null : parseBytesKiB(memswText);
  const memswLimit = limitFile(h, path, 'memory.memsw.limit_in_bytes', f);
  const oomText = file(h, path, 'memory.oom_control', f);
  const oom = oomText === null ? null : parseKeyed(oomText);
  const failText = file(h, path, 'memory.failcnt', f);
  const fail = failText === null ? null : Number.parseInt(failText, 10);
  const swText = file(h, path, 'memory.swappiness', f);
  const sw = swText === null ? null : Number.parseInt(swText, 10);
  const hierLimit = keyedValue(stat, 'hierarchical_memory_limit') !== undefined ? keyedTextLimitKiB(stat, 'hierarchical_memory_limit') : undefined;
  let pressure: Pressure | null = null;
  if (opts.pressure !== false && h.unifiedRoot !== null) {
    // Hybrid: PSI lives in the v2 tree; systemd mirrors its units there under the same path.
    // (existsSync first: a failed open throws, and an exception per cgroup per tick costs
    // more user time than the stat.)
    const dir = path === '/' ? h.unifiedRoot : join(h.unifiedRoot, path);
    if (existsSync(dir)) pressure = readPressureAt(dir, f);
  }
  return {
    path,
    version: 1,
    usageKiB,
    limitKiB,
    effectiveLimitKiB: hierLimit !== undefined ? hierLimit : readEffectiveLimitKiB(h, path, opts.limitCache, f),
    highKiB: null,
    swapUsageKiB: memswKiB === null ? null : Math.max(0, memswKiB - usageKiB),
    // v1 limits memory+swap together: the swap allowance is what memsw adds over memory.
    swapLimitKiB:
      memswLimit === undefined || memswLimit === null ? null : Math.max(0, memswLimit - (limitKiB ?? memswLimit)),
    workingSetKiB: Math.max(0, usageKiB - inactiveFileKiB),
    inactiveFileKiB,
    oomKills: oom?.get('oom_kill') ?? null,
    oomEvents: null,
    underOom: oom?.has('under_oom') ? oom.get('under_oom') === 1 : null,
    pressure,
    container: null,
    effectiveMemswLimitKiB: keyedValue(stat, 'hierarchical_memsw_limit') !== undefined ? keyedTextLimitKiB(stat, 'hierarchical_memsw_limit') : null,
    oomKillDisabled: oom?.has('oom_kill_disable') ? oom.get('oom_kill_disable') === 1 : null,
    oomGroup: null,
    maxEvents: fail !== null && Number.isFinite(fail) ? fail : null,
    swappiness: sw !== null && Number.isFinite(sw) ? sw : null,
  };
}

/**
 * Everything oomtop shows about one memory cgroup. null when the cgroup vanished or has
 * no usage file (the v2 root has no memory.current).
 */
export function readCgroupMemory(h: MemoryHierarchy, path: string, opts: ReadCgroupOptions = {}): CgroupMemory | null {
  const usageKiB = readCgroupUsageKiB(h, path, opts.files);
  if (usageKiB === null) return null;
  const m = h.version === 2 ? readV2(h, path, usageKiB, opts) : readV1(h, path, usageKiB, opts);
  if (opts.container !== false) m.container = recognizeContainer(hierarchyPath(h, path));
  return m;
}

/** The path inside the whole hierarchy (re-adds the mount root a sub-tree mount strips). */
export function hierarchyPath(h: MemoryHierarchy, path: string): string {
  const mr = h.mountRoot ?? '/';
  if (mr === '/' || mr === '') return path;
  return path === '/' ? mr : `${mr}${path}`;
}

/**
 * Read the given cgroups and all their ancestors once each (the OOM domains of a cgroup
 * are among its ancestors), sharing one limit cache. Cheaper than walking the whole tree
 * when only the cgroups that hold processes matter. Vanished cgroups are left out.
 */
export function readCgroupsFor(
  h: MemoryHierarchy,
  paths: Iterable<string>,
  opts: ReadCgroupOptions = {},
): Map<string, CgroupMemory> {
  const want = new Set<string>();
  for (const p of paths) for (const a of ancestorsOrSelf(p)) want.add(a);
  const o: ReadCgroupOptions = { ...opts, limitCache: opts.limitCache ?? new Map() };
  // Ancestors first, so the v2 effective-limit walk finds them cached.
  const ordered = [...want].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  const out = new Map<string, CgroupMemory>();
  for (const p of ordered) {
    const m = readCgroupMemory(h, p, o);
    if (m) out.set(p, m);
  }
  return out;
}

export interface ListOptions {
  /** Depth below the root to descend to ("/" is depth 0). Default: unlimited. */
  maxDepth?: number;
}

/** Every cgroup of the memory hierarchy, pre-order, starting with "/". */
export function listMemoryCgroups(h: MemoryHierarchy, opts: ListOptions = {}): string[] {
  const out: string[] = [];
  const maxDepth = opts.maxDepth ?? Number.POSITIVE_INFINITY;
  const walk = (path: string, depth: number) => {
    out.push(path);
    if (depth >= maxDepth) return;
    let entries;
    try {
      entries = readdirSync(cgroupDir(h, path), { withFileTypes: true });
    } catch {
      return; // removed while walking
    }
    const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    dirs.sort();
    for (const d of dirs) walk(path === '/' ? `/${d}` : `${path}/${d}`, depth + 1);
  };
  walk('/', 0);
  return out;
}

/** Processes (thread-group ids) in a cgroup; with `recursive`, in its whole subtree. */
export function cgroupProcs(h: MemoryHierarchy, path: string, recursive = false): number[] {
  const paths = recursive ? listSubtree(h, path) : [path];
  const out: number[] = [];
  for (const p of paths) {
    const t = file(h, p, 'cgroup.procs');
    if (t !== null) out.push(...parsePids(t));
  }
  return out;
}

function listSubtree(h: MemoryHierarchy, path: string): string[] {
  const sub: MemoryHierarchy = { ...h, root: cgroupDir(h, path) };
  const base = path === '/' ? '' : path;
  return listMemoryCgroups(sub).map((p) => (p === '/' ? path : `${base}${p}`));
}

/**
 * The kernel's own high-water mark of a cgroup's memory in KiB: v2 memory.peak (kernel
 * 5.19 and later), v1 memory.max_usage_in_bytes. null when the kernel keeps none.
 */
export function readCgroupPeakKiB(h: MemoryHierarchy, path: string): number | null {
  return recordKiB(h, path, h.version === 2 ? 'memory.peak' : 'memory.max_usage_in_bytes');
}

/** v2 memory.swap.peak (kernel 6.5 and later) in KiB; null on v1 or without the file. */
export function readCgroupSwapPeakKiB(h: MemoryHierarchy, path: string): number | null {
  return h.version === 2 ? recordKiB(h, path, 'memory.swap.peak') : null;
}

/**
 * Swap in use by a cgroup in KiB: v2 memory.swap.current, v1 memsw usage minus memory
 * usage. null without swap accounting.
 */
export function readCgroupSwapUseKiB(h: MemoryHierarchy, path: string): number | null {
  if (h.version === 2) return recordKiB(h, path, 'memory.swap.current');
  const memsw = recordKiB(h, path, 'memory.memsw.usage_in_bytes');
  const mem = memsw === null ? null : readCgroupUsageKiB(h, path);
  return memsw === null || mem === null ? null : Math.max(0, memsw - mem);
}

/**
 * How many processes the kernel's OOM killer ended in a cgroup (and below it): v2
 * memory.events oom_kill, v1 memory.oom_control oom_kill (kernel 4.13 and later). null
 * when the kernel does not count them or the cgroup is gone.
 */
export function readCgroupOomKillCount(h: MemoryHierarchy, path: string): number | null {
  if (h.version === 2) {
    const t = record(h, path, 'memory.events');
    return t === null ? null : (parseKeyed(t).get('oom_kill') ?? null);
  }
  return readCgroupOomControl(h, path)?.oomKill ?? null;
}
