import type { StoreApi } from 'zustand/vanilla';
import { parseProcessKey } from '../kernel/oom.js';
import { Sampler, yieldToEventLoop, type SamplerOptions, type SliceOptions } from '../sampler/sampler.js';
import type { OomtopState } from '../store/store.js';
import type { Snapshot } from '../sampler/types.js';
import type { RuleApplier } from '../rules/applier.js';
import { sanitize } from '../text/sanitize.js';

/**
 * Runs the sampler at an interval and hands each snapshot to the store. A tick is taken in
 * slices (Sampler.sampleSliced: about 8 ms of reading each, then the event loop runs), so a
 * key pressed during a long tick (10,000 processes: 100 ms and more) is read, handled and
 * drawn on the previous snapshot at once instead of after the tick; the finished snapshot
 * goes to the store in one piece, as before. The samples are shared between ticks, so a row
 * drawn mid-tick may already show values re-read this tick (memory, score, and in the last
 * turn before the store takes the snapshot its victim marks; a key that re-sorts sorts by
 * them); which processes are listed and the events stay the previous snapshot's until it lands. One tick at a time: a
 * kick (after an action, a filter typed) that comes during a tick takes another tick as soon
 * as that one is applied, since the one under way may have read the process before the action.
 */
export class SamplerHost {
  private timer: NodeJS.Timeout | null = null;
  private readonly sampler: Sampler;
  private stopped = false;
  private started = false;
  /** A sliced tick is under way. */
  private running = false;
  /** Kicked during a tick: take another one right after it. */
  private again = false;
  private generation = 0;
  /** Snapshots handed to the store. */
  private applied = 0;

  constructor(
    private readonly store: StoreApi<OomtopState>,
    samplerOptions: SamplerOptions,
    private readonly intervalMs: number,
    private readonly onTick?: () => void,
    /** --rules: applied to new processes before each snapshot goes to the store. */
    private rules: RuleApplier | null = null,
    /** How ticks are cut (tests: a few PIDs a slice). */
    private readonly slicing: Omit<SliceOptions, 'cancelled'> = {},
  ) {
    this.sampler = new Sampler(samplerOptions);
    // A filter typed with processes whose command lines were never read (a light first tick,
    // the round robin): sample now, so it matches every process within this refresh.
    this.unsubscribe = store.subscribe((next, prev) => {
      if (next.view.filter !== '' && prev.view.filter === '' && !this.stopped && this.started) setImmediate(() => this.kick());
    });
  }

  private readonly unsubscribe: () => void;

  /** PIDs whose details are read every tick: the rows on screen, the tagged ones, and oomtop itself. */
  private detailPids(): Set<number> {
    const { rows, view } = this.store.getState();
    const set = new Set<number>([process.pid]);
    for (const r of rows.slice(view.scroll, view.scroll + view.pageSize)) set.add(r.pid);
    for (const key of view.tagged) {
      const id = parseProcessKey(key);
      if (id) set.add(id.pid);
    }
    return set;
  }

  private request() {
    return { detailPids: this.detailPids(), names: this.store.getState().view.filter !== '' };
  }

  /** One tick at once, synchronously (tests, and callers that need the snapshot now). During a sliced tick: another one after it. */
  sampleNow(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.pausedNow()) return;
    this.apply(this.sampler.sample(this.request()));
  }

  /**
   * Paused: the store would throw the snapshot away, so do not take it. No tick closes what
   * is gone meanwhile, so let go of the held files (a removed v1 memory cgroup stays in the
   * kernel while its files are open); the first tick after resuming reopens them. Never
   * during a tick (it reads through them).
   */
  private pausedNow(): boolean {
    if (!this.store.getState().view.paused) return false;
    this.sampler.close();
    return true;
  }

  /** One tick in slices; resolves once its snapshot is in the store (or at once when paused or stopped). */
  async sampleSliced(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.pausedNow()) return;
    this.running = true;
    try {
      const snap = await this.sampler.sampleSliced(this.request(), { ...this.slicing, cancelled: () => this.stopped });
      if (snap === null) return;
      // The store's share of the tick (histories, events, rows) after one more turn of the loop.
      await (this.slicing.between ?? yieldToEventLoop)();
      if (!this.stopped) this.apply(snap);
    } finally {
      this.running = false;
    }
  }

  /** A sliced tick is under way. */
  get sampling(): boolean {
    return this.running;
  }

  private apply(snap: Snapshot): void {
    if (this.rules) this.applyRules(snap.processes);
    this.store.getState().applySnapshot(snap);
    this.applied++;
    // After a light first tick, the rows now on screen get their details before drawing.
    if (this.sampler.fillDetails(this.detailPids())) this.store.getState().refreshRows();
    this.onTick?.();
  }

  /**
   * The rules file in force: applied to processes new since the last tick (each change or
   * refusal logged once), and each row a rule set marked with the rule's name. The adj a
   * rule just wrote shows at once; the score follows on the next tick.
   */
  private applyRules(processes: { pid: number; startTimeTicks: number; oomScoreAdj: number | null; rule?: string | null }[]): void {
    const log = this.store.getState().log;
    const set = new Map<number, number>();
    for (const c of this.rules!.pass().changes) {
      if (c.kind === 'set') {
        set.set(c.pid, c.after);
        log('action', 'good', `rule "${sanitize(c.rule)}": PID ${c.pid} (${sanitize(c.comm)}) oom_score_adj ${c.before} -> ${c.after}`);
      } else {
        log('action', 'warn', `rule "${sanitize(c.rule)}": ${sanitize(c.error.message)}${c.error.hint ? `; ${sanitize(c.error.hint)}` : ''} (not retried)`);
      }
    }
    for (const p of processes) {
      const after = set.get(p.pid);
      if (after !== undefined) p.oomScoreAdj = after;
      const r = this.rules!.ruleOf(p.pid, p.startTimeTicks);
      p.rule = r !== null && r.adj === p.oomScoreAdj ? r.name : null;
    }
  }

  /** Other rules in force (the TUI saved one): applied from the next tick, every process looked at again. */
  setRules(rules: RuleApplier): void {
    this.rules = rules;
  }

  start(): void {
    this.started = true;
    // A kick restarts the loop: the one it replaces must not schedule its next tick too.
    const generation = ++this.generation;
    const loop = async () => {
      this.timer = null;
      do {
        this.again = false;
        try {
          // The first tick at once, as before: there is no frame to keep answering yet, and
          // what starts after the host (the kernel-log backlog) must not come before it.
          if (this.applied === 0) this.sampleNow();
          else await this.sampleSliced();
        } catch (e) {
          this.store.getState().log('error', 'bad', `sampling failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      } while (this.again && !this.stopped);
      if (!this.stopped && generation === this.generation) this.timer = setTimeout(() => void loop(), this.intervalMs);
    };
    void loop();
  }

  /** Descriptors the sampler holds open (for tests and diagnostics). */
  get heldFiles(): number {
    return this.sampler.heldFiles;
  }

  /** Sample right away (after an action) and restart the interval from now; during a tick, once more right after it. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.start();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.sampler.close();
  }
}
