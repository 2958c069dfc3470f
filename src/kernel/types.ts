/** One OOM kill (or an OOM without a kill) reconstructed from the kernel log. */

export type OomConstraint = 'NONE' | 'CPUSET' | 'MEMORY_POLICY' | 'MEMCG';

export interface OomVictim {
  pid: number;
  comm: string;
  uid: number | null;
  anonRssKiB: number | null;
  fileRssKiB: number | null;
  shmemRssKiB: number | null;
  totalVmKiB: number | null;
  pgtablesKiB: number | null;
  oomScoreAdj: number | null;
}

export interface OomTrigger {
  comm: string;
  pid: number | null;
  gfpMask: string | null;
  order: number | null;
  oomScoreAdj: number | null;
}

export interface OomMemcg {
  /** oom_memcg= from the summary, or the limit path in "killed as a result of limit of". */
  oomMemcg: string | null;
  taskMemcg: string | null;
  usageKiB: number | null;
  limitKiB: number | null;
  failcnt: number | null;
}

export interface OomTask {
  pid: number;
  uid: number | null;
  tgid: number | null;
  totalVmPages: number | null;
  rssPages: number | null;
  pgtablesBytes: number | null;
  swapents: number | null;
  oomScoreAdj: number | null;
  name: string;
}

export type OomEventKind =
  | 'kill' // a process was killed
  | 'no-killable' // "Out of memory and no killable processes"
  | 'group-kill' // memory.oom.group: several tasks killed together
  | 'oom'; // an OOM report without a kill line: truncated, or the victim was already exiting

export interface OomEvent {
  kind: OomEventKind;
  /** Wall-clock time (ISO 8601) when known, else null. */
  time: string | null;
  /** What `time` assumed because the log's stamp did not say it (syslog: year and zone). */
  timeAssumed?: { year: boolean; zone: boolean } | null;
  /** The host that logged the report, when its lines name one (syslog, journal). */
  host?: string | null;
  /** Kernel monotonic timestamp in microseconds when known. */
  monotonicUs: number | null;
  victim: OomVictim | null;
  trigger: OomTrigger | null;
  /** null when the report does not say (e.g. "Out of memory:" without a summary line). */
  constraint: OomConstraint | null;
  memcg: OomMemcg | null;
  /** The largest tasks from the task table, largest RSS first (at most 10). */
  tasks: OomTask[];
  reaped: boolean | null;
  /** Some of the report was missing (header, task table, kill line fields...). */
  incomplete: boolean;
  /** The kill-line prefix: "Out of memory", "Memory cgroup out of memory", ... */
  source: string | null;
  /** Raw lines the event was built from, when its parser keeps them (OomLogParserOptions.keepLines); else empty. */
  lines: string[];
  /** Old kernels: the task chosen by "Kill process N (comm) score S or sacrifice child" (may differ from the victim). */
  selected?: { pid: number; comm: string; score: number | null } | null;
  /** memory.oom.group: the cgroup whose tasks were killed together. */
  oomGroup?: string | null;
  /** memory.oom.group: every task killed by this one OOM, `victim` first (one event, not one per task). */
  groupVictims?: OomVictim[];
  /** cpuset of the trigger (pre-4.19 "COMM cpuset=X mems_allowed=Y" or the summary line). */
  cpuset?: string | null;
  /** Why an event of kind 'oom' has no kill, or other remarks ("victim already exiting"...). */
  note?: string | null;
}
