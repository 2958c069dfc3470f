import { join } from 'node:path';
import type { KernelVersion, LoadAvg, MemInfo, OomSettings, Pressure, PressureLine } from './types.js';
import { readInt, readSmall } from './read.js';

/** Parse /proc/meminfo. Returns null when MemTotal is missing (not a meminfo file). */
export function parseMeminfo(text: string): MemInfo | null {
  const kv = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const n = Number.parseInt(line.slice(colon + 1).trim(), 10);
    if (Number.isFinite(n)) kv.set(line.slice(0, colon), n);
  }
  const total = kv.get('MemTotal');
  if (total === undefined) return null;
  const free = kv.get('MemFree') ?? 0;
  const buffers = kv.get('Buffers') ?? 0;
  const cached = kv.get('Cached') ?? 0;
  const avail = kv.get('MemAvailable');
  return {
    totalKiB: total,
    freeKiB: free,
    availableKiB: avail ?? Math.min(total, free + buffers + cached),
    availableEstimated: avail === undefined,
    buffersKiB: buffers,
    cachedKiB: cached,
    shmemKiB: kv.get('Shmem') ?? 0,
    swapTotalKiB: kv.get('SwapTotal') ?? 0,
    swapFreeKiB: kv.get('SwapFree') ?? 0,
    committedKiB: kv.get('Committed_AS') ?? 0,
    commitLimitKiB: kv.get('CommitLimit') ?? 0,
  };
}

function parsePressureLine(line: string): PressureLine | null {
  const out: Record<string, number> = {};
  for (const part of line.trim().split(/\s+/).slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = Number(part.slice(eq + 1));
  }
  const { avg10, avg60, avg300, total } = out;
  if ([avg10, avg60, avg300, total].some((v) => v === undefined || !Number.isFinite(v))) return null;
  return { avg10: avg10!, avg60: avg60!, avg300: avg300!, total: total! };
}

/** Parse a PSI file (/proc/pressure/memory, cgroup v2 memory.pressure). */
export function parsePressure(text: string): Pressure | null {
  let some: PressureLine | null = null;
  let full: PressureLine | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('some ')) some = parsePressureLine(line);
    else if (line.startsWith('full ')) full = parsePressureLine(line);
  }
  return some ? { some, full } : null;
}

/** Parse "6.18.44-fc-v769", "2.6.32-754.el6.x86_64", "4.19.0-25-amd64". */
export function parseKernelRelease(release: string): KernelVersion | null {
  // At most 9 digits a part: 400 nines made the major Infinity (npm run fuzz).
  const m = /^(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?(?!\d)/.exec(release.trim());
  if (!m) return null;
  return { release: release.trim(), major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function kernelAtLeast(v: KernelVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

/** Read a single counter from /proc/vmstat text (e.g. "oom_kill"). */
export function parseVmstatField(text: string, field: string): number | null {
  const key = `\n${field} `;
  const at = text.startsWith(`${field} `) ? 0 : text.indexOf(key);
  if (at < 0) return null;
  const start = at === 0 ? field.length + 1 : at + key.length;
  const end = text.indexOf('\n', start);
  const n = Number.parseInt(text.slice(start, end < 0 ? undefined : end), 10);
  return Number.isFinite(n) ? n : null;
}

export function readMeminfo(procRoot: string): MemInfo | null {
  const text = readSmall(join(procRoot, 'meminfo'));
  return text === null ? null : parseMeminfo(text);
}

/** null when the kernel has no PSI (before 4.20, or psi=0). */
export function readPressure(procRoot: string): Pressure | null {
  const text = readSmall(join(procRoot, 'pressure', 'memory'));
  return text === null ? null : parsePressure(text);
}

export function readKernelVersion(procRoot: string): KernelVersion | null {
  const text = readSmall(join(procRoot, 'sys', 'kernel', 'osrelease'));
  return text === null ? null : parseKernelRelease(text);
}

export function readOomKillCount(procRoot: string): number | null {
  const text = readSmall(join(procRoot, 'vmstat'));
  return text === null ? null : parseVmstatField(text, 'oom_kill');
}

export function readOomSettings(procRoot: string): OomSettings {
  const vm = (name: string) => readInt(join(procRoot, 'sys', 'vm', name));
  return {
    panicOnOom: vm('panic_on_oom'),
    oomKillAllocatingTask: vm('oom_kill_allocating_task'),
    oomDumpTasks: vm('oom_dump_tasks'),
    overcommitMemory: vm('overcommit_memory'),
    overcommitRatio: vm('overcommit_ratio'),
    overcommitKbytes: vm('overcommit_kbytes'),
    swappiness: vm('swappiness'),
  };
}

/** Seconds since boot from /proc/uptime. */
export function readUptimeSeconds(procRoot: string): number | null {
  const text = readSmall(join(procRoot, 'uptime'));
  if (text === null) return null;
  const n = Number.parseFloat(text);
  return Number.isFinite(n) ? n : null;
}

/** Parse /proc/loadavg: "0.52 0.58 0.59 2/345 12345" (load averages, runnable/total tasks, last PID). */
export function parseLoadavg(text: string): LoadAvg | null {
  const m = /^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\/(\d+)/.exec(text);
  if (!m) return null;
  const v = { one: Number(m[1]), five: Number(m[2]), fifteen: Number(m[3]), running: Number(m[4]), tasks: Number(m[5]) };
  // "1.2.3" and 400 digits match the pattern but are no load (NaN, Infinity: found by npm run fuzz).
  return Object.values(v).every(Number.isFinite) ? v : null;
}

export function readLoadavg(procRoot: string): LoadAvg | null {
  const text = readSmall(join(procRoot, 'loadavg'));
  return text === null ? null : parseLoadavg(text);
}
