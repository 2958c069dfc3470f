/** Shapes shared by the guard's policy, decision function, scope readers and loop. Sizes in KiB. */
import type { PressureLevel } from '../proc/pressure-level.js';

export type { PressureLevel };

/** --on-level LEVEL=CMD: a command run when a scope enters a pressure level (src/guard/handlers.ts). */
export interface LevelHandler {
  level: PressureLevel;
  cmd: string;
}

export type Level = 'ok' | 'term' | 'kill';

/** Why a level was reached: a memory threshold, a PSI stall, or the kernel holding a v1 cgroup at its limit. */
export type Trigger = 'memory' | 'psi' | 'held';

export type GuardMode = 'off' | 'dry-run' | 'armed';

export type GuardSignal = 'SIGTERM' | 'SIGKILL';

/** A threshold given as a percentage of the scope's total, a size, or both (the lower wins, as in earlyoom). */
export interface Threshold {
  pct: number | null;
  kib: number | null;
}

export type ScopeSpec = { kind: 'system' } | { kind: 'cgroup'; path: string };

export interface GuardPolicy {
  scopes: ScopeSpec[];
  /** Also watch every memory cgroup that has a limit (rescanned periodically). */
  allCgroups: boolean;
  /** --container NAME|ID: Docker containers, resolved through the Engine by src/cli (the guard sees their cgroups). */
  containers?: string[];
  /** --all-containers: every running Docker container with a memory limit, followed on the Engine's events. */
  allContainers?: boolean;
  memTerm: Threshold;
  memKill: Threshold;
  swapTerm: Threshold;
  swapKill: Threshold;
  /** PSI "full avg10" at or above pct for durationMs raises the TERM level. */
  psi: { fullPct: number; durationMs: number } | null;
  prefer: RegExp | null;
  avoid: RegExp | null;
  ignore: RegExp | null;
  sortByRss: boolean;
  termTimeoutMs: number;
  /** How long to wait for a SIGKILLed victim before calling it stuck and choosing another. */
  killWaitMs: number;
  killGroup: boolean;
  dryRun: boolean;
  preKill: string | null;
  postKill: string | null;
  hookTimeoutMs: number;
  /** --on-level handlers (absent: none) and how long one may run (default 30 s). */
  onLevel?: LevelHandler[];
  handlerTimeoutMs?: number;
  /** --webhook URLs, their body format and request timeout; --notify desktop notifications; --wall (src/guard/alerts.ts). */
  webhooks?: string[];
  webhookFormat?: 'json' | 'slack';
  webhookTimeoutMs?: number;
  notify?: boolean;
  wall?: boolean;
  reportMs: number | null;
  json: boolean;
  /** Cgroup v1: set memory.oom_control oom_kill_disable=1 so the kernel holds the cgroup at its limit for the guard. */
  intercept: boolean;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Fill rate assumed possible at any moment when sizing the sleep (0: trust the measured rate only). */
  assumeRateKiBps: number;
  procRoot: string;
  /** Where cgroup hierarchies are mounted (normally /sys/fs/cgroup). */
  cgroupRoot: string;
  stateDir: string | null;
}

/** One reading of a scope's memory. */
export interface ScopeSample {
  timeMs: number;
  /** RAM for the system scope; the binding limit for a cgroup. */
  totalKiB: number;
  /** MemAvailable, or limit minus working set (usage minus inactive file) for a cgroup. */
  availableKiB: number;
  swapTotalKiB: number;
  swapFreeKiB: number;
  /** PSI memory "full avg10" (percent), null when unavailable or not asked for. */
  psiFullAvg10: number | null;
  /** PSI memory "some avg10" (percent), for the pressure level; absent or null when unavailable. */
  psiSomeAvg10?: number | null;
  /** Cgroup v1 with oom_kill_disable: the kernel holds the tasks at the limit (under_oom). */
  held: boolean;
  /**
   * The totalpages (in KiB) of the OOM that would hit this scope, against which the
   * kernel's badness is counted: RAM + swap for the system, mem_cgroup_get_max() of the
   * binding memcg for a cgroup. Absent: totalKiB + swapTotalKiB.
   */
  oomTotalKiB?: number;
}

/** A process the guard could choose inside a scope. */
export interface Candidate {
  pid: number;
  startTimeTicks: number;
  name: string;
  cmdline: string;
  rssKiB: number;
  swapKiB: number;
  pteKiB: number;
  oomScoreAdj: number | null;
  kernelThread: boolean;
  zombie: boolean;
}

export interface Victim {
  pid: number;
  startTimeTicks: number;
  name: string;
  cmdline: string;
  rssKiB: number;
  /** The kernel's badness for this scope, per mille of the scope's total (before prefer/avoid). */
  badnessPermille: number;
  tier: 'preferred' | 'normal' | 'avoided';
}

export interface Pending {
  victim: Victim;
  signal: GuardSignal;
  sentAtMs: number;
  /** Dry run: nothing was sent, the guard only pretends to wait. */
  dry: boolean;
  trigger: Trigger;
}

export interface ScopeState {
  pending: Pending | null;
  /** Since when PSI full avg10 has been at or above the trigger. */
  psiSinceMs: number | null;
  /** "pid:start" of victims that could not be ended (stuck, refused): never chosen again. */
  skip: readonly string[];
  /** A "no-victim" event was already reported for the current danger episode. */
  noVictimReported: boolean;
}

export type GuardEventKind =
  | 'start'
  | 'stop'
  | 'notice'
  | 'report'
  | 'term'
  | 'kill'
  | 'would-term'
  | 'would-kill'
  | 'exited'
  | 'recovered'
  | 'no-victim'
  | 'stuck'
  | 'hook'
  | 'level'
  | 'handler'
  | 'oom-kill'
  | 'error';

export interface GuardEvent {
  time: string;
  /** Epoch milliseconds (fractional): for measuring. */
  timeMs: number;
  event: GuardEventKind;
  scope: string;
  pid?: number;
  name?: string;
  signal?: GuardSignal;
  availablePct?: number;
  availableKiB?: number;
  totalKiB?: number;
  swapFreePct?: number | null;
  level?: Level;
  trigger?: Trigger;
  rssKiB?: number;
  /** exited: how long after the signal. */
  afterMs?: number;
  message?: string;
  /** level: the pressure level entered (with hysteresis) and the one left; handler: the level it ran for. */
  pressure?: PressureLevel;
  previous?: PressureLevel;
  /** handler: its command, exit code (null: killed or not started) and first line of output. */
  command?: string;
  exitCode?: number | null;
  output?: string;
}

/** What the decision function asks the loop to do. */
export interface SignalAction {
  kind: 'signal';
  victim: Victim;
  signal: GuardSignal;
  group: boolean;
  dry: boolean;
  level: Level;
  trigger: Trigger;
}
