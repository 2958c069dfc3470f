import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cgroupProcs,
  readCgroupOomKillCount,
  readCgroupPeakKiB,
  readCgroupSwapPeakKiB,
  readCgroupSwapUseKiB,
  readCgroupUsageKiB,
  readOwnLimitKiB,
} from '../cgroup/memory.js';
import { parseKeyed, parseLimitKiB } from '../cgroup/parse.js';
import { cgroupDir, subHierarchy } from '../cgroup/proccgroup.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { readRecord, readSmall } from '../proc/read.js';
import { readStat } from '../proc/process.js';
import { parsePressure, readUptimeSeconds } from '../proc/system.js';
import type { Budget } from './budget.js';

/**
 * The job's memory cgroup for `oomtop run`: made directly in cgroupfs under a parent the
 * caller picks (the hierarchy, and so its root directory, is a parameter: tests pass a
 * fixture tree), limited, read, and removed. In a hybrid layout (memory on v1, a v2 tree
 * beside it) the job also gets a cgroup in the v2 tree, where the kernel keeps per-cgroup
 * PSI and CPU time even without controllers.
 */

export const JOB_PREFIX = 'oomtop-run-';

/** The cgroup's name: oomtop-run-PID, or oomtop-run-PID-NAME; the PID tells a later run whether its owner is gone. */
export function jobName(pid: number, name: string | null): string {
  return name === null ? `${JOB_PREFIX}${pid}` : `${JOB_PREFIX}${pid}-${name}`;
}

/** The owner's PID from a job cgroup's name; null for any other name. */
export function jobOwner(name: string): number | null {
  const m = /^oomtop-run-(\d+)(?:-.*)?$/s.exec(name);
  if (!m) return null;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/** What --name may hold: it becomes part of a directory name. */
export function validJobLabel(name: string): boolean {
  return /^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,63}$/.test(name);
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'EIO';
}

function write(dir: string, file: string, value: string): string | null {
  try {
    writeFileSync(join(dir, file), value);
    return null;
  } catch (e) {
    return errCode(e);
  }
}

export type CreateResult =
  | { ok: true; job: JobCgroup; warnings: string[] }
  | { ok: false; permission: boolean; message: string; hint?: string };

export interface CreateSpec {
  h: MemoryHierarchy;
  /** Parent cgroup, relative to the controller root. */
  parentPath: string;
  name: string;
  budget: Budget;
  /** Hybrid: the v2 directory to make the job's PSI/CPU cgroup in; null for none. */
  unifiedParentDir: string | null;
}

const PERMISSION = new Set(['EACCES', 'EPERM', 'EROFS']);

export class JobCgroup {
  /** Path relative to the controller root. */
  readonly path: string;
  readonly dir: string;
  /** The hierarchy rooted at the job's cgroup: its files read as (self, "/"). */
  readonly self: MemoryHierarchy;

  private constructor(
    readonly h: MemoryHierarchy,
    parentPath: string,
    name: string,
    /** Hybrid: the job's cgroup in the v2 tree (PSI, cpu.stat); null when none. */
    readonly unifiedDir: string | null,
  ) {
    this.path = parentPath === '/' ? `/${name}` : `${parentPath}/${name}`;
    this.dir = cgroupDir(h, this.path);
    this.self = subHierarchy(h, this.path);
  }

  /** Make the cgroup and set its limits; on any failure nothing is left behind. */
  static create(spec: CreateSpec): CreateResult {
    const { h, budget } = spec;
    const parentDir = cgroupDir(h, spec.parentPath);
    const warnings: string[] = [];
    if (h.version === 2) {
      const controllers = (readSmall(join(parentDir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
      if (!controllers.includes('memory')) {
        return { ok: false, permission: false, message: `the memory controller is not available in ${parentDir} (cgroup.controllers)` };
      }
      const sub = (readSmall(join(parentDir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
      if (!sub.includes('memory')) {
        const code = write(parentDir, 'cgroup.subtree_control', '+memory');
        if (code !== null) {
          const why =
            code === 'EBUSY'
              ? 'EBUSY: that cgroup holds processes itself, and cgroup v2 gives controllers only to cgroups without processes'
              : code;
          return {
            ok: false,
            permission: PERMISSION.has(code),
            message: `cannot enable the memory controller for the children of ${parentDir} (${why})`,
            ...(code === 'EBUSY'
              ? {
                  hint:
                    'move the processes of that cgroup into a child first (what container inits do), e.g. ' +
                    `mkdir ${join(parentDir, 'init')} && for p in $(cat ${join(parentDir, 'cgroup.procs')}); do echo $p > ${join(parentDir, 'init', 'cgroup.procs')}; done`,
                }
              : {}),
          };
        }
      }
    }
    const job = new JobCgroup(h, spec.parentPath, spec.name, spec.unifiedParentDir === null ? null : join(spec.unifiedParentDir, spec.name));
    try {
      mkdirSync(job.dir);
    } catch (e) {
      const code = errCode(e);
      const what = code === 'EEXIST' ? 'it already exists' : code;
      return { ok: false, permission: PERMISSION.has(code), message: `cannot create the memory cgroup ${job.dir} (${what})` };
    }
    const fail = (file: string, code: string): CreateResult => {
      job.remove();
      return { ok: false, permission: PERMISSION.has(code), message: `cannot set ${file} of ${job.dir} (${code})` };
    };
    if (h.version === 2) {
      let code = write(job.dir, 'memory.max', `${budget.memoryBytes}`);
      if (code !== null) return fail('memory.max', code);
      if (budget.highBytes !== null) {
        code = write(job.dir, 'memory.high', `${budget.highBytes}`);
        if (code !== null) return fail('memory.high', code);
      }
      if (budget.swapBytes !== null) {
        if (!existsSync(join(job.dir, 'memory.swap.max'))) {
          warnings.push('--swap: this kernel has no swap accounting for cgroups (no memory.swap.max); swap is not limited');
        } else {
          code = write(job.dir, 'memory.swap.max', `${budget.swapBytes}`);
          if (code !== null) return fail('memory.swap.max', code);
        }
      }
    } else {
      let code = write(job.dir, 'memory.limit_in_bytes', `${budget.memoryBytes}`);
      if (code !== null) return fail('memory.limit_in_bytes', code);
      if (budget.highBytes !== null) {
        warnings.push('--high: cgroup v1 has no memory.high (throttling below the limit needs cgroup v2); only the hard limit --memory applies');
      }
      if (budget.swapBytes !== null) {
        if (!existsSync(join(job.dir, 'memory.memsw.limit_in_bytes'))) {
          warnings.push('--swap: this kernel has no swap accounting for cgroup v1 (no memory.memsw.limit_in_bytes; boot with swapaccount=1); swap is not limited');
        } else {
          // memory+swap together; set after the memory limit (memsw may never be below it).
          code = write(job.dir, 'memory.memsw.limit_in_bytes', `${budget.memoryBytes + budget.swapBytes}`);
          if (code !== null) return fail('memory.memsw.limit_in_bytes', code);
        }
      }
    }
    if (job.unifiedDir !== null) {
      try {
        mkdirSync(job.unifiedDir);
      } catch {
        (job as { unifiedDir: string | null }).unifiedDir = null; // PSI and cgroup CPU time are extras
      }
    }
    return { ok: true, job, warnings };
  }

  /** The cgroup.procs files the job's first process writes its PID into before it execs CMD. */
  procsFiles(): string[] {
    const out = [join(this.dir, 'cgroup.procs')];
    if (this.unifiedDir !== null) out.push(join(this.unifiedDir, 'cgroup.procs'));
    return out;
  }

  /** Processes in the job's cgroup and below. */
  pids(): number[] {
    return cgroupProcs(this.self, '/', true);
  }

  usageKiB(): number | null {
    return readCgroupUsageKiB(this.self, '/');
  }

  peakKiB(): number | null {
    return readCgroupPeakKiB(this.self, '/');
  }

  swapUseKiB(): number | null {
    return readCgroupSwapUseKiB(this.self, '/');
  }

  swapPeakKiB(): number | null {
    return readCgroupSwapPeakKiB(this.self, '/');
  }

  oomKills(): number | null {
    return readCgroupOomKillCount(this.self, '/');
  }

  /** The memory limit as the kernel holds it (rounded down to pages). */
  limitKiB(): number | null {
    return readOwnLimitKiB(this.self, '/') ?? null;
  }

  highKiB(): number | null {
    if (this.h.version !== 2) return null;
    const t = readRecord(join(this.dir, 'memory.high'));
    return t === null ? null : (parseLimitKiB(t) ?? null);
  }

  /** Swap allowance in KiB (v1: what memsw adds over the memory limit); null when not limited. */
  swapLimitKiB(): number | null {
    const file = this.h.version === 2 ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes';
    const t = readRecord(join(this.dir, file));
    const lim = t === null ? null : (parseLimitKiB(t) ?? null);
    if (lim === null || this.h.version === 2) return lim;
    const mem = this.limitKiB();
    return mem === null ? null : Math.max(0, lim - mem);
  }

  /** Where per-cgroup PSI and cpu.stat live for the job: its own v2 cgroup, or the hybrid twin. */
  private v2Dir(): string | null {
    return this.h.version === 2 ? this.dir : this.unifiedDir;
  }

  /** Total memory stall of the job, µs ("some" and "full" totals of memory.pressure). */
  pressureTotalsUs(): { someUs: number; fullUs: number } | null {
    const d = this.v2Dir();
    const t = d === null ? null : readRecord(join(d, 'memory.pressure'));
    const p = t === null ? null : parsePressure(t);
    if (p === null) return null;
    return { someUs: p.some.total, fullUs: p.full?.total ?? 0 };
  }

  /** CPU time of everything that ran in the job's cgroup, µs (cpu.stat usage_usec); null without it. */
  cpuUsageUs(): number | null {
    const d = this.v2Dir();
    const t = d === null ? null : readRecord(join(d, 'cpu.stat'));
    return t === null ? null : (parseKeyed(t).get('usage_usec') ?? null);
  }

  /** Remove the cgroup (and its hybrid twin); true when the memory cgroup is gone. Fails while processes remain. */
  remove(): boolean {
    if (this.unifiedDir !== null) removeDir(this.unifiedDir);
    return removeDir(this.dir);
  }

  get exists(): boolean {
    return existsSync(this.dir);
  }
}

/** rmdir, true when the directory is gone afterwards. */
function removeDir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (e) {
    return errCode(e) === 'ENOENT';
  }
}

/** USER_HZ: /proc gives start times in 1/100 s on every Linux architecture. */
const TICKS_PER_S = 100;

/**
 * Is the oomtop that made a job cgroup at `madeMs` (epoch ms) still running as `pid`? Only
 * if a process with that PID exists and started before the cgroup was made: a process that
 * started later merely reuses the PID. Its start comes from its start ticks and the uptime,
 * both in 1/100 s, read now (not from btime, which is whole seconds), so 100 ms of slack is
 * plenty; a box that forks fast can reuse a PID within a second.
 */
export function ownerAlive(procRoot: string, pid: number, madeMs: number, nowMs = Date.now()): boolean {
  const st = readStat(procRoot, pid);
  if (st === null) return false;
  const up = readUptimeSeconds(procRoot);
  if (up === null) return true;
  const startedMs = nowMs - up * 1000 + (st.startTimeTicks * 1000) / TICKS_PER_S;
  return startedMs <= madeMs + 100;
}

export interface StaleResult {
  removed: string[];
  /** Job cgroups whose oomtop is gone but which still hold processes: left alone. */
  busy: { dir: string; pids: number }[];
}

/**
 * Remove the job cgroups a crashed (or SIGKILLed) oomtop left under the parent:
 * oomtop-run-PID[-NAME] whose PID is no longer running. `alive(pid, madeMs)` tells, given
 * the directory's change time (no earlier than its creation): a process that started after
 * it cannot be the oomtop that made it (PIDs are reused). A cgroup that still holds
 * processes is left alone (the job outlived its oomtop) and reported.
 */
export function removeStale(
  h: MemoryHierarchy,
  parentPath: string,
  unifiedParentDir: string | null,
  alive: (pid: number, madeMs: number) => boolean,
): StaleResult {
  const out: StaleResult = { removed: [], busy: [] };
  const parentDir = cgroupDir(h, parentPath);
  let names: string[];
  try {
    names = readdirSync(parentDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return out;
  }
  for (const name of names) {
    const owner = jobOwner(name);
    if (owner === null) continue;
    const dir = join(parentDir, name);
    const madeMs = madeAt(dir);
    if (madeMs === null || alive(owner, madeMs)) continue;
    const path = parentPath === '/' ? `/${name}` : `${parentPath}/${name}`;
    const pids = cgroupProcs(subHierarchy(h, path), '/', true).length;
    if (pids > 0) {
      out.busy.push({ dir, pids });
      continue;
    }
    if (unifiedParentDir !== null) removeDir(join(unifiedParentDir, name));
    if (removeDir(dir)) out.removed.push(dir);
  }
  // Hybrid: a v2 twin whose memory cgroup is already gone (rmdir of the pair interrupted).
  if (unifiedParentDir !== null) {
    let twins: string[] = [];
    try {
      twins = readdirSync(unifiedParentDir).filter((n) => jobOwner(n) !== null && !names.includes(n));
    } catch {
      /* no v2 tree */
    }
    for (const name of twins) {
      const owner = jobOwner(name)!;
      const dir = join(unifiedParentDir, name);
      const madeMs = madeAt(dir);
      if (madeMs === null || alive(owner, madeMs) || (readSmall(join(dir, 'cgroup.procs')) ?? '').trim() !== '') continue;
      if (removeDir(dir)) out.removed.push(dir);
    }
  }
  return out;
}

/** When a cgroup directory was made (the earlier of its ctime and mtime), or null when it is gone. */
function madeAt(dir: string): number | null {
  try {
    const st = statSync(dir);
    return Math.min(st.ctimeMs, st.mtimeMs);
  } catch {
    return null;
  }
}
