import { makeEvent } from './decide.js';
import type { GuardEngine } from './engine.js';
import { preciseNow } from './engine.js';
import type { ScopeReader } from './scope.js';
import type { GuardEvent } from './types.js';

const RESCAN_MS = 5000;

export interface LoopOptions {
  reportMs: number | null;
  emit: (e: GuardEvent) => void;
  /** --all-cgroups: the current set of limited cgroups, rescanned every few seconds. */
  discover?: (() => ScopeReader[]) | null;
}

/**
 * The adaptive loop: one engine tick, then sleep for as long as the engine says is safe
 * (slow with headroom, milliseconds when a scope fills fast). A periodic report and the
 * --all-cgroups rescan ride on the same timer.
 */
export class GuardLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastReport = 0;
  private lastScan = 0;
  private resolveDone: (() => void) | null = null;
  readonly done: Promise<void>;

  constructor(
    private readonly engine: GuardEngine,
    private readonly opts: LoopOptions,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastReport = this.lastScan = preciseNow();
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.resolveDone?.();
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.run(), ms);
  }

  private async run(): Promise<void> {
    if (!this.running) return;
    let ms: number;
    try {
      ms = await this.engine.tick();
    } catch (e) {
      this.opts.emit(makeEvent('error', 'guard', null, preciseNow(), { message: `tick failed: ${(e as Error).message}` }));
      ms = this.engine.currentPolicy.maxIntervalMs;
    }
    if (!this.running) return;
    const now = preciseNow();
    if (this.opts.discover && now - this.lastScan >= RESCAN_MS) {
      this.lastScan = now;
      this.rescan(this.opts.discover);
    }
    if (this.opts.reportMs !== null && now - this.lastReport >= this.opts.reportMs) {
      this.lastReport = now;
      this.report(now);
    }
    this.schedule(ms);
  }

  private rescan(discover: () => ScopeReader[]): void {
    const have = new Set(this.engine.scopes.map((s) => s.reader.label));
    for (const r of discover()) {
      if (have.has(r.label)) continue;
      this.engine.addScope(r);
      this.opts.emit(makeEvent('notice', r.label, null, preciseNow(), { message: 'new limited cgroup: now watched' }));
    }
  }

  private report(now: number): void {
    for (const rt of this.engine.scopes) {
      const rate = rt.rate.rateKiBps() / 1024;
      this.opts.emit(
        makeEvent('report', rt.reader.label, rt.sample, now, {
          level: rt.level,
          message: `level ${rt.level}, sampling every ${rt.intervalMs} ms, fill ${rate.toFixed(1)} MiB/s, ${rt.ticks} samples${
            rt.intercept ? ', intercept on' : ''
          }${this.engine.dryRun ? ', dry run' : ''}`,
        }),
      );
    }
  }
}
