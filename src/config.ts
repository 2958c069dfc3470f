import type { Escalation } from './actions/kill.js';

export interface AppConfig {
  procRoot: string;
  cgroupRoot: string | null;
  /** Kernel log device (tests point it at a file). */
  devKmsg: string;
  intervalMs: number;
  readOnly: boolean;
  adjStep: number;
  protectAdj: number;
  expendableAdj: number;
  killGraceMs: number;
  killEscalation: Escalation;
  color: boolean;
  /** An ETA (system or a cgroup) under this many seconds logs a warning event; 0: never (--eta-warn). */
  etaWarnS: number;
}

export const DEFAULT_CONFIG: AppConfig = {
  procRoot: '/proc',
  cgroupRoot: null,
  devKmsg: '/dev/kmsg',
  intervalMs: 1000,
  readOnly: false,
  adjStep: 100,
  protectAdj: -500,
  expendableAdj: 500,
  killGraceMs: 5000,
  killEscalation: 'ask',
  color: true,
  etaWarnS: 15 * 60,
};

/** Signals offered by the kill dialog, SIGTERM first. */
export const KILL_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGSTOP', 'SIGCONT'];
