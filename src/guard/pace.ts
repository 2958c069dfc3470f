/**
 * How long to sleep before the next sample. earlyoom sleeps headroom / 6 GB/s clamped to
 * 100–1000 ms, whatever the real fill rate. Here the sleep is a fraction of the time the
 * scope needs to reach its TERM threshold at the fastest rate measured over the recent
 * samples, also bounded by an assumed worst-case rate, and clamped to [minMs, maxMs]:
 * slow with plenty of headroom, a few milliseconds when a small cgroup fills at GB/s.
 *
 * With the v1 intercept armed (memory.oom_control oom_kill_disable=1) a fill that outruns
 * the sampling is not killed by the kernel at the limit: it is held there (under_oom) until
 * the guard ends the victim. Polling fast is then no longer what wins the race; the cost
 * of a longer sleep is only how long the cgroup may sit held. So the assumed-rate bound
 * grows by a hold budget (HOLD_BUDGET_MS): idle on a 256 MiB cgroup that is about half a
 * second between samples instead of ~35 ms, while a fill that is actually measured still
 * shortens the sleep to a quarter of its time to the threshold.
 */

const SLOTS = 8;
/** Rates are measured over at most this window. */
const WINDOW_MS = 2000;
/** Sleep at most this fraction of the predicted time to the threshold. */
const SAFETY = 0.25;
/** How long a cgroup held at its limit by the v1 intercept may wait for the guard's next sample, at worst. */
export const HOLD_BUDGET_MS = 500;

export interface PaceConfig {
  minMs: number;
  maxMs: number;
  /** KiB/s that could start at any moment; 0 trusts the measured rate only. */
  assumeRateKiBps: number;
  /** The intercept holds the scope at its limit: the assumed-rate bound may sleep this much longer (0 or omitted: not held). */
  holdBudgetMs?: number;
}

/** A fixed ring of (time, available) samples: no allocation per sample. */
export class FillRate {
  private readonly t = new Float64Array(SLOTS);
  private readonly v = new Float64Array(SLOTS);
  private n = 0;
  private head = 0;

  push(timeMs: number, availableKiB: number): void {
    this.head = (this.head + 1) % SLOTS;
    this.t[this.head] = timeMs;
    this.v[this.head] = availableKiB;
    if (this.n < SLOTS) this.n++;
  }

  reset(): void {
    this.n = 0;
  }

  /**
   * The fastest fill rate (KiB/s, positive while memory is being consumed) between the
   * newest sample and each older one within the window: a hog that just started shows in
   * the newest pair even when older pairs are flat.
   */
  rateKiBps(): number {
    if (this.n < 2) return 0;
    const t0 = this.t[this.head]!;
    const v0 = this.v[this.head]!;
    let best = 0;
    for (let k = 1; k < this.n; k++) {
      const i = (this.head - k + SLOTS) % SLOTS;
      const dt = t0 - this.t[i]!;
      if (dt <= 0) continue;
      if (dt > WINDOW_MS) break;
      const r = ((this.v[i]! - v0) * 1000) / dt;
      if (r > best) best = r;
    }
    return best;
  }
}

/** Milliseconds to sleep given the headroom above the TERM threshold and the fill rate. */
export function nextIntervalMs(headroomKiB: number, rateKiBps: number, cfg: PaceConfig): number {
  if (headroomKiB <= 0) return cfg.minMs;
  let ms = cfg.maxMs;
  if (rateKiBps > 0) ms = Math.min(ms, ((headroomKiB / rateKiBps) * 1000) * SAFETY);
  if (cfg.assumeRateKiBps > 0) ms = Math.min(ms, (headroomKiB / cfg.assumeRateKiBps) * 1000 + (cfg.holdBudgetMs ?? 0));
  return Math.max(cfg.minMs, Math.min(cfg.maxMs, Math.floor(ms)));
}
