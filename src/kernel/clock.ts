/**
 * Kernel timestamps (printk / kmsg "usec") count from boot on the monotonic clock,
 * which does not advance during suspend. Node's hrtime is CLOCK_MONOTONIC on Linux,
 * so "now - hrtime" is the wall-clock time of boot as the kernel's stamps see it.
 */

/** Current kernel monotonic time in microseconds. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Wall-clock epoch ms at which the monotonic clock read zero. */
export function bootTimeMs(nowMs: number = Date.now(), monoUs: number = monotonicNowUs()): number {
  return nowMs - monoUs / 1000;
}

/** Monotonic microseconds to an ISO time string. */
export function monotonicToIso(us: number, bootMs: number): string {
  return new Date(bootMs + us / 1000).toISOString();
}
