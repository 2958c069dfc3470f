import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readInt, readSmall } from '../proc/read.js';
import { parseVmstatField } from '../proc/system.js';

/**
 * The few cgroup files the guard reads on its hot path, v1 and v2. (src/cgroup holds the
 * full model for the monitor; these readers stay here so the guard's loop reads as little
 * as it can and does not depend on the monitor's richer shapes.)
 */

export type MemVersion = 1 | 2;

export interface MemHierarchy {
  version: MemVersion;
  /** Absolute directory of the memory controller's root. */
  root: string;
}

/** Limits at or above this are "no limit" (v1 prints PAGE_COUNTER_MAX × page size). */
const UNLIMITED_BYTES = 2 ** 60;

export function findMemoryHierarchy(cgroupRoot: string): MemHierarchy | null {
  const v1 = join(cgroupRoot, 'memory');
  if (existsSync(join(v1, 'memory.usage_in_bytes'))) return { version: 1, root: v1 };
  const controllers = readSmall(join(cgroupRoot, 'cgroup.controllers'));
  if (controllers !== null && /(^|\s)memory(\s|$)/.test(controllers)) return { version: 2, root: cgroupRoot };
  if (existsSync(join(cgroupRoot, 'memory.usage_in_bytes'))) return { version: 1, root: cgroupRoot };
  return null;
}

export interface CgroupDir {
  /** Absolute directory. */
  dir: string;
  /** Path relative to the controller root, "/" for the root. */
  path: string;
}

/**
 * Resolve --cgroup PATH: an absolute sysfs path under the hierarchy, or a path relative
 * to the controller's root ("/docker/abc", "system.slice/x.service"). null when no such
 * memory cgroup exists.
 */
export function resolveCgroup(h: MemHierarchy, arg: string): CgroupDir | null {
  let dir: string;
  const abs = resolve(arg);
  if (isAbsolute(arg) && (abs === h.root || abs.startsWith(h.root + sep))) dir = abs;
  else dir = resolve(h.root, '.' + sep + arg.replace(/^\/+/, ''));
  if (dir !== h.root && !dir.startsWith(h.root + sep)) return null;
  try {
    if (!statSync(dir).isDirectory()) return null;
  } catch {
    return null;
  }
  if (!existsSync(join(dir, h.version === 1 ? 'memory.usage_in_bytes' : 'memory.current')) && dir !== h.root) return null;
  return { dir, path: '/' + relative(h.root, dir).split(sep).join('/') };
}

export function usageFile(v: MemVersion): string {
  return v === 1 ? 'memory.usage_in_bytes' : 'memory.current';
}

/** The cgroup's own limit in KiB; null when unlimited or unreadable (the v2 root has no memory.max). */
export function readLimitKiB(v: MemVersion, dir: string): number | null {
  if (v === 1) {
    const n = readInt(join(dir, 'memory.limit_in_bytes'));
    return n === null || n >= UNLIMITED_BYTES ? null : n / 1024;
  }
  const text = readSmall(join(dir, 'memory.max'));
  if (text === null || text.trim() === 'max') return null;
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) ? n / 1024 : null;
}

export function readUsageKiB(v: MemVersion, dir: string): number | null {
  const n = readInt(join(dir, usageFile(v)));
  return n === null ? null : n / 1024;
}

/** Inactive file pages (hierarchical), which reclaim can take back: usage minus this is the working set. */
export function readInactiveFileKiB(v: MemVersion, dir: string): number | null {
  const text = readSmall(join(dir, 'memory.stat'));
  if (text === null) return null;
  const n = parseVmstatField(text, v === 1 ? 'total_inactive_file' : 'inactive_file');
  return n === null ? null : n / 1024;
}

/** Swap limit and usage of the cgroup (v1 memsw counts memory+swap; v2 swap alone); null without swap accounting. */
export function readSwapKiB(v: MemVersion, dir: string, limitKiB: number): { limitKiB: number; usageKiB: number } | null {
  if (v === 1) {
    const lim = readInt(join(dir, 'memory.memsw.limit_in_bytes'));
    const use = readInt(join(dir, 'memory.memsw.usage_in_bytes'));
    const mem = readInt(join(dir, 'memory.usage_in_bytes'));
    if (lim === null || use === null || mem === null || lim >= UNLIMITED_BYTES) return null;
    return { limitKiB: Math.max(0, lim / 1024 - limitKiB), usageKiB: Math.max(0, (use - mem) / 1024) };
  }
  const max = readSmall(join(dir, 'memory.swap.max'));
  const cur = readInt(join(dir, 'memory.swap.current'));
  if (max === null || cur === null || max.trim() === 'max') return null;
  const n = Number.parseInt(max, 10);
  return Number.isFinite(n) ? { limitKiB: n / 1024, usageKiB: cur / 1024 } : null;
}

export interface OomControl {
  oomKillDisable: boolean;
  underOom: boolean;
  /** Kills by the kernel's OOM killer in this cgroup (null on kernels before 4.13). */
  oomKill: number | null;
}

export function parseOomControl(text: string): OomControl | null {
  const d = parseVmstatField(text, 'oom_kill_disable');
  const u = parseVmstatField(text, 'under_oom');
  if (d === null || u === null) return null;
  return { oomKillDisable: d === 1, underOom: u === 1, oomKill: parseVmstatField(text, 'oom_kill') };
}

export function readOomControl(dir: string): OomControl | null {
  const text = readSmall(join(dir, 'memory.oom_control'));
  return text === null ? null : parseOomControl(text);
}

/** The kernel's OOM kill counter of a cgroup, v1 or v2. */
export function readOomKillCount(v: MemVersion, dir: string): number | null {
  if (v === 1) return readOomControl(dir)?.oomKill ?? null;
  const text = readSmall(join(dir, 'memory.events'));
  return text === null ? null : parseVmstatField(text, 'oom_kill');
}

/** The directory and each ancestor up to the controller root, nearest first. */
export function ancestry(h: MemHierarchy, dir: string): string[] {
  const out: string[] = [];
  let d = dir;
  for (;;) {
    out.push(d);
    if (d === h.root || !d.startsWith(h.root + sep)) break;
    d = d.slice(0, d.lastIndexOf(sep)) || sep;
  }
  return out;
}

/** Subdirectories (child cgroups), recursively, the directory itself first. */
export function subtree(dir: string, out: string[] = []): string[] {
  out.push(dir);
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) if (e.isDirectory()) subtree(join(dir, e.name), out);
  return out;
}

/** PIDs in the cgroup and all its descendants. */
export function subtreePids(dir: string): number[] {
  const pids: number[] = [];
  for (const d of subtree(dir)) {
    const text = readSmall(join(d, 'cgroup.procs'));
    if (text === null) continue;
    for (const line of text.split('\n')) {
      const n = Number.parseInt(line, 10);
      if (n > 0) pids.push(n);
    }
  }
  return pids;
}

/** Every cgroup below the root with a limit of its own (for --all-cgroups). */
export function limitedCgroups(h: MemHierarchy): CgroupDir[] {
  const out: CgroupDir[] = [];
  for (const d of subtree(h.root)) {
    if (d === h.root) continue;
    if (readLimitKiB(h.version, d) !== null) out.push({ dir: d, path: '/' + relative(h.root, d).split(sep).join('/') });
  }
  return out;
}
