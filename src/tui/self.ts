import type { StoreApi } from 'zustand/vanilla';
import { protectSelf } from '../actions/index.js';
import type { OomtopState } from '../store/store.js';

/**
 * The monitor must not be the kernel's first pick: on an idle box oomtop's own node process
 * is often the largest. Lower its own oom_score_adj as the guard does (-1000, or as far as
 * the kernel allows) and say in the event log what came of it. Always the real /proc: a
 * fixture --proc-root does not hold this process. Not under --read-only, which changes nothing.
 */
export function protectMonitor(store: StoreApi<OomtopState>, readOnly: boolean, procRoot = '/proc'): void {
  const { log } = store.getState();
  if (readOnly) {
    log('info', 'info', "read-only: oomtop's own oom_score_adj is left as it is");
    return;
  }
  const r = protectSelf(procRoot, 'oomtop');
  if (r.adj === -1000) log('info', 'good', "oomtop set its own oom_score_adj to -1000: the kernel will not pick the monitor");
  else if (r.adj !== null && r.before !== null && r.adj < r.before) {
    log('info', 'warn', `oomtop lowered its own oom_score_adj ${r.before} → ${r.adj}, as far as allowed (${r.code}: -1000 needs CAP_SYS_RESOURCE)`);
  } else {
    const text = `oomtop could not lower its own oom_score_adj (${r.code ?? 'not applied'}: needs CAP_SYS_RESOURCE); it stays ${r.adj ?? '?'}, so the kernel may pick oomtop`;
    // In the event log (not the status line, which would hide the key bar at every start on
    // a box without CAP_SYS_RESOURCE); the row itself reads "oomtop (this monitor)".
    log('info', 'warn', text);
  }
}
