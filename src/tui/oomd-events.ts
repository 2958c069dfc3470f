/**
 * systemd-oomd's kills into the TUI's event log, beside the kernel's (./kernel-events.ts):
 * followed from the journal only where systemd runs (sd_booted) and journalctl exists.
 */
import type { StoreApi } from 'zustand/vanilla';
import { describeOomdKill } from '../kernel/oomd.js';
import { followOomdJournal, type OomdFollower, type OomdFollowerOptions } from '../kernel/oomd-follow.js';
import type { OomtopState } from '../store/store.js';
import { systemdRuns } from '../systemd/host.js';

export function followOomdKills(store: StoreApi<OomtopState>, opts: { systemdRoot?: string; command?: OomdFollowerOptions['command'] } = {}): OomdFollower | null {
  if (!systemdRuns(opts.systemdRoot ?? '/')) return null;
  return followOomdJournal({
    command: opts.command,
    onKill: (k) => {
      const s = store.getState();
      const time = k.time ?? Date.now();
      const entry = s.log('oom-kill', k.past ? 'warn' : 'bad', describeOomdKill(k), { oomd: k, time });
      if (k.kind !== 'unit') {
        const last = s.lastOomKill;
        if (!last || time >= last.time) store.setState({ lastOomKill: { time, name: `${k.cgroup.split('/').pop() || k.cgroup} (systemd-oomd)`, cgroup: k.cgroup } });
      }
      if (!k.past) s.setStatus(entry.text, 'bad');
    },
    onStatus: (message) => store.getState().log('info', 'warn', message),
  });
}
