/** Pure parsers for memory cgroup files (v1 and v2). Sizes come in bytes and leave as KiB. */

import type { OomControl } from './types.js';

/**
 * v1 prints PAGE_COUNTER_MAX × PAGE_SIZE (9223372036854771712 with 4 KiB pages) for "no
 * limit"; any value at or above 2^60 bytes is treated as unlimited.
 */
export const UNLIMITED_BYTES = 2 ** 60;

/**
 * A limit file (memory.max, memory.high, memory.swap.max, memory.limit_in_bytes,
 * memory.memsw.limit_in_bytes). Returns KiB, null for "no limit" ("max" or a huge value),
 * undefined when the text is not a limit at all.
 */
export function parseLimitKiB(text: string): number | null | undefined {
  const t = text.trim();
  if (t === 'max') return null;
  if (!/^\d+$/.test(t)) return undefined;
  const bytes = Number(t);
  if (bytes >= UNLIMITED_BYTES) return null;
  return Math.floor(bytes / 1024);
}

/** A byte counter (memory.current, memory.usage_in_bytes, memory.swap.current) in KiB. */
export function parseBytesKiB(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const bytes = Number(t);
  // 309 digits or more: Infinity, which JSON prints as null and sums turn into NaN (found by npm run fuzz).
  return Number.isFinite(bytes) ? Math.floor(bytes / 1024) : null;
}

/**
 * Flat keyed files: "key value" per line (memory.stat, memory.events, memory.oom_control).
 * Values that are not numbers are skipped.
 */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const v = Number(line.slice(sp + 1).trim());
    if (Number.isFinite(v)) out.set(line.slice(0, sp), v);
  }
  return out;
}

/**
 * parseKeyed(text).get(key) without the map: the last "key value" line whose value is a
 * number. For memory.stat (40-odd lines) read per cgroup per tick, when four keys are used.
 */
export function keyedValue(text: string, key: string): number | undefined {
  for (let from = text.length; from >= 0; ) {
    const i = text.lastIndexOf(key, from);
    if (i < 0) return undefined;
    from = i - 1;
    if ((i !== 0 && text.charCodeAt(i - 1) !== 10) || text.charCodeAt(i + key.length) !== 32) continue;
    let end = text.indexOf('\n', i);
    if (end < 0) end = text.length;
    const v = Number(text.slice(i + key.length + 1, end).trim());
    if (Number.isFinite(v)) return v;
  }
  return undefined;
}

/** keyedKiB and keyedLimitKiB on the text itself (keyedValue). */
export function keyedTextKiB(text: string, key: string): number | null {
  const v = keyedValue(text, key);
  return v === undefined ? null : Math.floor(v / 1024);
}

export function keyedTextLimitKiB(text: string, key: string): number | null {
  const v = keyedValue(text, key);
  if (v === undefined || v >= UNLIMITED_BYTES) return null;
  return Math.floor(v / 1024);
}

/** A byte value from a keyed file in KiB; null when absent. Huge values mean unlimited (null). */
export function keyedLimitKiB(m: Map<string, number>, key: string): number | null {
  const v = m.get(key);
  if (v === undefined || v >= UNLIMITED_BYTES) return null;
  return Math.floor(v / 1024);
}

export function keyedKiB(m: Map<string, number>, key: string): number | null {
  const v = m.get(key);
  return v === undefined ? null : Math.floor(v / 1024);
}

/** The smallest of the limits on the way to the root; null when none is set. */
export function effectiveLimit(limitsKiB: Iterable<number | null | undefined>): number | null {
  let min: number | null = null;
  for (const l of limitsKiB) {
    if (l === null || l === undefined) continue;
    if (min === null || l < min) min = l;
  }
  return min;
}

/** Parent of a cgroup path ("/a/b" → "/a", "/a" → "/"); null for the root. */
export function parentPath(path: string): string | null {
  if (path === '/' || path === '') return null;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The path and its ancestors up to "/", nearest first. */
export function ancestorsOrSelf(path: string): string[] {
  const out: string[] = [];
  for (let p: string | null = path === '' ? '/' : path; p !== null; p = parentPath(p)) out.push(p);
  return out;
}

/** cgroup.procs: one pid a line. */
export function parsePids(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const n = Number(line);
    // isSafeInteger: 1e97 is an integer to JavaScript, and no PID (found by npm run fuzz).
    if (Number.isSafeInteger(n) && n > 0) out.push(n);
  }
  return out;
}

/** v1 memory.oom_control; null when oom_kill_disable or under_oom is missing. */
export function parseOomControl(text: string): OomControl | null {
  const m = parseKeyed(text);
  const disable = m.get('oom_kill_disable');
  const under = m.get('under_oom');
  if (disable === undefined || under === undefined) return null;
  return { oomKillDisable: disable === 1, underOom: under === 1, oomKill: m.get('oom_kill') ?? null };
}
