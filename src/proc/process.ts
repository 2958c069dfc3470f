import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcStat, ProcStatus } from './types.js';
import { readInt, readRecord, readSmall } from './read.js';

export const PF_KTHREAD = 0x00200000;

/**
 * Parse /proc/PID/stat. The comm field sits between the first '(' and the LAST ')'
 * because a name may itself contain ')' and spaces. Returns null on malformed text.
 */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return null;
  const pid = Number.parseInt(text.slice(0, open), 10);
  if (!Number.isFinite(pid)) return null;
  // Fields after ") ", by index from 0 (state) on: scan the spaces instead of splitting
  // ~50 strings per process per tick; only the fields used are cut out.
  const want = [1, 2, 6, 11, 12, 19, 20, 21];
  const got: number[] = [];
  let field = 0;
  let start = close + 2;
  let state = '';
  let w = 0;
  for (let i = start; i <= text.length && w < want.length; i++) {
    const c = i === text.length ? 32 : text.charCodeAt(i);
    if (c !== 32 && c !== 10) continue;
    if (field === 0) state = text.slice(start, i);
    else if (field === want[w]) {
      got.push(Number(text.slice(start, i)));
      w++;
    }
    field++;
    start = i + 1;
  }
  if (w < want.length || state === '') return null;
  const [ppid, pgrp, flags, utimeTicks, stimeTicks, startTimeTicks, vsizeBytes, rssPages] = got as [number, number, number, number, number, number, number, number];
  for (const v of got) if (!Number.isFinite(v)) return null;
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, flags, utimeTicks, stimeTicks, startTimeTicks, vsizeBytes, rssPages };
}

function kib(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : null;
}

/**
 * The value of the "KEY:" line of a status text, trimmed; undefined when there is no such
 * line. The last line of that key wins, as a map of every line would have it.
 */
function statusValue(text: string, key: string): string | undefined {
  // A line starts at 0 or after '\n'; its key runs to its first ':'.
  let at = -1;
  for (let from = text.length; from >= 0; ) {
    const i = text.lastIndexOf(key, from);
    if (i < 0) break;
    if ((i === 0 || text.charCodeAt(i - 1) === 10) && text.charCodeAt(i + key.length) === 58) {
      at = i;
      break;
    }
    from = i - 1;
  }
  if (at < 0) return undefined;
  const start = at + key.length + 1;
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  return text.slice(start, end).trim();
}

/**
 * Parse /proc/PID/status. Kernel threads have no Vm* lines (hasMm false). Only the lines
 * used are cut out (the sampler parses a few dozen of these a tick: no array of ~60 lines,
 * no map of them).
 */
export function parseStatus(text: string): ProcStatus | null {
  const name = statusValue(text, 'Name');
  const uidLine = statusValue(text, 'Uid');
  if (name === undefined || uidLine === undefined) return null;
  const uid = Number.parseInt(uidLine, 10);
  if (!Number.isFinite(uid)) return null;
  return {
    // status escapes '\n' and '\\' in Name; keep it as the kernel printed it.
    name,
    uid,
    vmRssKiB: kib(statusValue(text, 'VmRSS')) ?? 0,
    rssAnonKiB: kib(statusValue(text, 'RssAnon')),
    rssFileKiB: kib(statusValue(text, 'RssFile')),
    rssShmemKiB: kib(statusValue(text, 'RssShmem')),
    vmSwapKiB: kib(statusValue(text, 'VmSwap')) ?? 0,
    vmPteKiB: kib(statusValue(text, 'VmPTE')) ?? 0,
    hasMm: statusValue(text, 'VmSize') !== undefined,
  };
}

/** /proc/PID/cmdline: NUL-separated argv; empty for kernel threads and zombies. */
export function parseCmdline(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return text.slice(0, end).replaceAll('\0', ' ');
}

/** Numeric entries of the /proc root. */
export function listPids(procRoot: string): number[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(n);
    if (Number.isInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

export function readStat(procRoot: string, pid: number): ProcStat | null {
  const text = readRecord(join(procRoot, String(pid), 'stat'));
  return text === null ? null : parseStat(text);
}

export function readStatus(procRoot: string, pid: number): ProcStatus | null {
  const text = readRecord(join(procRoot, String(pid), 'status'));
  return text === null ? null : parseStatus(text);
}

export function readCmdline(procRoot: string, pid: number): string | null {
  const text = readSmall(join(procRoot, String(pid), 'cmdline'));
  return text === null ? null : parseCmdline(text);
}

export function readOomScoreAdj(procRoot: string, pid: number): number | null {
  return readInt(join(procRoot, String(pid), 'oom_score_adj'));
}

/**
 * The executable's path (readlink /proc/PID/exe), without the " (deleted)" the kernel adds
 * when the file was replaced; null for kernel threads, exited processes and when not allowed.
 */
export function readExe(procRoot: string, pid: number): string | null {
  try {
    return readlinkSync(join(procRoot, String(pid), 'exe')).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

export function readProcCgroupText(procRoot: string, pid: number): string | null {
  return readSmall(join(procRoot, String(pid), 'cgroup'));
}

/**
 * A kernel thread: PF_KTHREAD in the stat flags (set since 2.6.27). Not "pid 2 or a child
 * of pid 2": in a PID namespace pid 2 is an ordinary process.
 */
export function isKernelThread(stat: ProcStat): boolean {
  return (stat.flags & PF_KTHREAD) !== 0;
}
