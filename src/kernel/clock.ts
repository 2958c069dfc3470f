/**
 * Kernel timestamps (printk / kmsg "usec") count from boot on the monotonic clock,
 * which does not advance during suspend. Node's hrtime is CLOCK_MONOTONIC on Linux,
 * so "now - hrtime" is the wall-clock time of boot as the kernel's stamps see it.
 */
import { join } from 'node:path';
import { readSmall } from '../proc/read.js';

/** Current kernel monotonic time in microseconds. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Wall-clock epoch ms at which the monotonic clock read zero. */
export function bootTimeMs(nowMs: number = Date.now(), monoUs: number = monotonicNowUs()): number {
  return nowMs - monoUs / 1000;
}

/**
 * Boot time from a /proc tree other than the live one (tests, --proc-root): uses
 * /proc/uptime, which also counts suspended time. Null when unreadable.
 */
export function bootTimeFromProc(procRoot: string, nowMs: number = Date.now()): number | null {
  const text = readSmall(join(procRoot, 'uptime'));
  if (text === null) return null;
  const up = Number.parseFloat(text);
  return Number.isFinite(up) ? nowMs - up * 1000 : null;
}

/** Monotonic microseconds to an ISO time string. */
export function monotonicToIso(us: number, bootMs: number): string {
  return new Date(bootMs + us / 1000).toISOString();
}
