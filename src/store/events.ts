import type { OomEvent } from '../kernel/types.js';
import type { OomdKill } from '../kernel/oomd.js';

export type LogKind = 'pressure' | 'action' | 'risk' | 'oom-kill' | 'cgroup' | 'guard' | 'info' | 'error';
export type LogSeverity = 'info' | 'good' | 'warn' | 'bad';

export interface LogEntry {
  id: number;
  /** Epoch ms. */
  time: number;
  kind: LogKind;
  severity: LogSeverity;
  /** One line, not yet sanitized for the terminal. */
  text: string;
  /** A kernel OOM report behind this entry, when there is one. */
  oom?: OomEvent & { past?: boolean };
  /** A systemd-oomd kill from the journal behind this entry. */
  oomd?: OomdKill & { past?: boolean };
  /** The victim's last samples, when oomtop had been watching it (flight recorder). */
  recorded?: { rssKiB: number[]; oomScore: number[]; times: number[]; oomScoreAdj: number | null };
}

export const LOG_LIMIT = 500;
