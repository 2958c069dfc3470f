/**
 * How long to sleep before the next sample. earlyoom sleeps headroom / 6 GB/s clamped to
 * 100–1000 ms, whatever the real fill rate. Here the sleep is a fraction of the time the
 * scope needs to reach its TERM threshold at the fastest rate measured over the recent
 * samples, also bounded by an assumed worst-case rate, and clamped to [minMs, maxMs]:
 * slow with plenty of headroom, a few milliseconds when a small cgroup fills at GB/s.
 */

const SLOTS = 8;
/** Rates are measured over at most this window. */
const WINDOW_MS = 2000;
/** Sleep at most this fraction of the predicted time to the threshold. */
const SAFETY = 0.25;

export interface PaceConfig {
  minMs: number;
  maxMs: number;
  /** KiB/s that could start at any moment; 0 trusts the measured rate only. */
  assumeRateKiBps: number;
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
  if (cfg.assumeRateKiBps > 0) ms = Math.min(ms, (headroomKiB / cfg.assumeRateKiBps) * 1000);
  return Math.max(cfg.minMs, Math.min(cfg.maxMs, Math.floor(ms)));
}
