import type { StoreApi } from 'zustand/vanilla';
import { parseProcessKey } from '../kernel/oom.js';
import { Sampler, type SamplerOptions } from '../sampler/sampler.js';
import type { OomtopState } from '../store/store.js';
import type { RuleApplier } from '../rules/applier.js';
import { sanitize } from '../text/sanitize.js';

/**
 * Runs the sampler at an interval and hands each snapshot to the store. The sampler is
 * synchronous and cheap (a few ms at 1000 processes on a 2-core VM, mostly syscalls),
 * so it runs on the main thread between Ink renders; a tick never overlaps the next.
 */
export class SamplerHost {
  private timer: NodeJS.Timeout | null = null;
  private readonly sampler: Sampler;
  private stopped = false;

  constructor(
    private readonly store: StoreApi<OomtopState>,
    samplerOptions: SamplerOptions,
    private readonly intervalMs: number,
    private readonly onTick?: () => void,
    /** --rules: applied to new processes before each snapshot goes to the store. */
    private rules: RuleApplier | null = null,
  ) {
    this.sampler = new Sampler(samplerOptions);
    // A filter typed with processes whose command lines were never read (a light first tick,
    // the round robin): sample now, so it matches every process within this refresh.
    this.unsubscribe = store.subscribe((next, prev) => {
      if (next.view.filter !== '' && prev.view.filter === '' && !this.stopped && this.timer !== null) setImmediate(() => this.kick());
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

  sampleNow(): void {
    if (this.stopped) return;
    // Paused: the store would throw the snapshot away, so do not take it. No tick closes
    // what is gone meanwhile, so let go of the held files (a removed v1 memory cgroup stays
    // in the kernel while its files are open); the first tick after resuming reopens them.
    if (this.store.getState().view.paused) {
      this.sampler.close();
      return;
    }
    const snap = this.sampler.sample({ detailPids: this.detailPids(), names: this.store.getState().view.filter !== '' });
    if (this.rules) this.applyRules(snap.processes);
    this.store.getState().applySnapshot(snap);
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
    const loop = () => {
      if (this.stopped) return;
      try {
        this.sampleNow();
      } catch (e) {
        this.store.getState().log('error', 'bad', `sampling failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.timer = setTimeout(loop, this.intervalMs);
    };
    loop();
  }

  /** Descriptors the sampler holds open (for tests and diagnostics). */
  get heldFiles(): number {
    return this.sampler.heldFiles;
  }

  /** Sample right away (after an action) and restart the interval from now. */
  kick(): void {
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
