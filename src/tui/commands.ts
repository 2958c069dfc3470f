import type { StoreApi } from 'zustand/vanilla';
import { clampAdj, hasExited, killSafely, setOomScoreAdj, signalProcess, waitForExit } from '../actions/index.js';
import type { OomtopState, SaveRuleOffer, Target } from '../store/store.js';
import type { Rule } from '../rules/parse.js';
import { offerFor, saveDropIn, saveRule } from './save-rule.js';
import type { AppConfig } from '../config.js';

export type AdjustRequest = { delta: number } | { set: number };

/**
 * What the keys do, apart from drawing: every change to a process goes through
 * src/actions, and every outcome lands in the event log and on the status line.
 */
export class Commands {
  /** SIGKILL questions waiting for the dialog on screen to close. */
  private readonly pendingEscalations: { target: Target; afterMs: number }[] = [];

  constructor(
    private readonly store: StoreApi<OomtopState>,
    private readonly config: AppConfig,
    private readonly resample: () => void = () => {},
    /** `R`: the rules file rules are saved to, and what puts its rules in force. */
    private readonly rulesFile: { path: string; reload(rules: Rule[]): void } | null = null,
  ) {}

  private get s(): OomtopState {
    return this.store.getState();
  }

  private opts() {
    return { procRoot: this.config.procRoot, readOnly: this.config.readOnly };
  }

  private report(ok: boolean, text: string, hint?: string | null): void {
    const full = hint ? `${text} — fix: ${hint}` : text;
    this.s.log('action', ok ? 'good' : 'bad', full);
    // The status line wraps: the fix is shown with the error, not only in the log.
    this.s.setStatus(full, ok ? 'good' : 'bad');
  }

  /**
   * The selected process just exited and the selection slid onto its neighbour: a key
   * meant for the old row must not act on the new one. The first press says so; the next
   * acts.
   */
  private selectionJustMoved(): boolean {
    const v = this.s.view;
    if (v.tagged.size > 0 || v.selectionMovedAt === null || Date.now() - v.selectionMovedAt > 3000) return false;
    const row = this.s.selectedRow();
    this.s.setView({ selectionMovedAt: null });
    this.s.setStatus(`the process you had selected exited; the selection moved to ${row ? `PID ${row.pid} (${row.name})` : 'another row'}: press again to act on it`, 'warn');
    return true;
  }

  adjust(req: AdjustRequest, targets?: Target[]): void {
    if (targets === undefined) {
      if (this.selectionJustMoved()) return;
      targets = this.s.targets();
    }
    if (targets.length === 0) return this.s.setStatus('no process selected', 'warn');
    for (const t of targets) {
      const value = 'set' in req ? clampAdj(req.set) : clampAdj((t.oomScoreAdj ?? 0) + req.delta);
      const r = setOomScoreAdj(t, value, this.opts());
      if (r.ok) {
        this.report(true, `PID ${t.pid} (${t.name}): oom_score_adj ${r.before} → ${r.after}`);
        this.showAdj(t, r.after);
      } else this.report(false, r.error.message, r.error.hint);
    }
    // Paused, no sample comes: the frozen table shows the new adj all the same.
    if (this.s.view.paused) this.s.refreshRows();
    this.resample();
  }

  /** Put a written adj into the sample on screen (the row is the sample itself). */
  private showAdj(t: Target, adj: number): void {
    const p = this.s.snapshot?.processes.find((x) => x.pid === t.pid && x.startTimeTicks === t.startTimeTicks);
    if (p) p.oomScoreAdj = adj;
  }

  /** 'P': never kill (-1000) asks first. */
  askNeverKill(): void {
    if (this.selectionJustMoved()) return;
    const targets = this.s.targets();
    if (targets.length === 0) return this.s.setStatus('no process selected', 'warn');
    this.s.setView({ dialog: { kind: 'never-kill', targets } });
  }

  /** 'R': show the rule (and drop-in) the selected process's adj would become. */
  askSaveRule(): void {
    if (this.selectionJustMoved()) return;
    if (this.rulesFile === null) return this.s.setStatus('rules cannot be saved here', 'warn');
    if (this.config.readOnly) return this.report(false, 'oomtop runs with --read-only: rules are not saved');
    const row = this.s.selectedRow();
    if (!row) return this.s.setStatus('no process selected', 'warn');
    const runningComms = (this.s.snapshot?.processes ?? []).map((p) => p.name);
    const r = offerFor(row, { procRoot: this.config.procRoot, path: this.rulesFile.path, runningComms });
    if (!r.ok) return this.report(false, r.text, r.hint);
    this.s.setView({ dialog: { kind: 'save-rule', offer: r.offer } });
  }

  /** The save-rule dialog's yes: append the rule and put the file in force, and/or write the drop-in. */
  saveRule(offer: SaveRuleOffer, rule: boolean, dropIn: boolean): void {
    if (rule && this.rulesFile !== null) {
      const r = saveRule(offer);
      if (r.ok) {
        this.report(true, r.text);
        this.rulesFile.reload(r.rules);
      } else this.report(false, r.text, r.hint);
    }
    if (dropIn) for (const o of saveDropIn(offer)) this.report(o.ok, o.text, o.hint);
    this.resample();
  }

  openKillDialog(): void {
    if (this.selectionJustMoved()) return;
    const targets = this.s.targets();
    if (targets.length === 0) return this.s.setStatus('no process selected', 'warn');
    if (this.config.readOnly) return this.report(false, 'oomtop runs with --read-only: killing is disabled');
    this.s.setView({ dialog: { kind: 'kill', targets, signalIndex: 0 } });
  }

  async kill(targets: Target[], signal: NodeJS.Signals): Promise<void> {
    await Promise.all(targets.map((t) => this.killOne(t, signal)));
  }

  private async killOne(t: Target, signal: NodeJS.Signals): Promise<void> {
    const label = `PID ${t.pid} (${t.name})`;
    const outcome = await killSafely(t, signal, {
      ...this.opts(),
      graceMs: this.config.killGraceMs,
      escalation: this.config.killEscalation,
      onSent: () => {
        this.report(true, `sent ${signal} to ${label}`);
        this.resample();
      },
    });
    switch (outcome.kind) {
      case 'failed':
        this.report(false, outcome.error.message, outcome.error.hint);
        break;
      case 'exited':
        this.report(true, `${label} exited ${(outcome.afterMs / 1000).toFixed(1)} s after ${outcome.signal}`);
        break;
      case 'escalated':
        this.report(
          outcome.exited,
          outcome.exited
            ? `${label} ignored SIGTERM for ${this.config.killGraceMs / 1000} s: escalated to SIGKILL, it exited`
            : `${label} still alive after SIGKILL (uninterruptible sleep? it dies when its I/O ends)`,
        );
        break;
      case 'still-alive':
        if (signal === 'SIGTERM' && this.config.killEscalation === 'ask') {
          this.s.log('action', 'warn', `${label} still alive ${(outcome.afterMs / 1000).toFixed(1)} s after SIGTERM`);
          this.pendingEscalations.push({ target: t, afterMs: outcome.afterMs });
          this.showPendingEscalation();
        } else if (signal === 'SIGSTOP' || signal === 'SIGCONT' || signal === 'SIGUSR1' || signal === 'SIGUSR2' || signal === 'SIGHUP') {
          // Signals that do not mean "exit": running on is the expected outcome.
          this.s.log('action', 'info', `${label} runs on after ${signal}`);
        } else {
          this.report(false, `${label} still alive ${(outcome.afterMs / 1000).toFixed(1)} s after ${signal}`);
        }
        break;
    }
    this.resample();
  }

  /**
   * Ask about the next process that outlived SIGTERM, once no other dialog is open (the UI
   * calls this whenever a dialog closes): a question never replaces one being answered.
   */
  showPendingEscalation(): void {
    if (this.s.view.dialog !== null) return;
    while (this.pendingEscalations.length > 0) {
      const next = this.pendingEscalations.shift()!;
      if (hasExited(next.target, this.config.procRoot)) {
        this.s.log('action', 'good', `PID ${next.target.pid} (${next.target.name}) exited after SIGTERM after all`);
        continue;
      }
      this.s.setView({ dialog: { kind: 'escalate', target: next.target, afterMs: next.afterMs } });
      return;
    }
  }

  /** The escalation dialog's yes: SIGKILL after checking it is still the same process. */
  async escalate(t: Target): Promise<void> {
    const label = `PID ${t.pid} (${t.name})`;
    const r = signalProcess(t, 'SIGKILL', this.opts());
    if (!r.ok) {
      if (r.error.code === 'ESRCH' || r.error.code === 'REUSED') this.report(true, `${label} exited before SIGKILL`);
      else this.report(false, r.error.message, r.error.hint);
      return;
    }
    this.report(true, `sent SIGKILL to ${label}`);
    const gone = await waitForExit(t, 2000, this.opts());
    this.report(gone, gone ? `${label} exited after SIGKILL` : `${label} still alive 2 s after SIGKILL`);
    this.resample();
  }
}
