import { constants } from 'node:os';
import { sanitize } from '../text/sanitize.js';
import { fmtKiB } from '../text/size.js';

/** How the job ended, as the child's exit event tells it. */
export interface JobEnd {
  code: number | null;
  signal: string | null;
}

/**
 * The exit status for a script: CMD's own, or 128 + the signal's number when a signal
 * ended it (as a shell reports it: SIGKILL → 137, SIGTERM → 143).
 */
export function exitStatusOf(end: JobEnd, signals: Readonly<Record<string, number>> = constants.signals): number {
  if (end.signal !== null) {
    const n = signals[end.signal];
    return n === undefined ? 128 : 128 + n;
  }
  return end.code ?? 1;
}

/** What was read from the job's cgroup just before it was removed, and sampled while it ran. */
export interface JobReadings {
  /** The kernel's oom_kill counter of the job's cgroup (v2 memory.events, v1 memory.oom_control); null when the kernel has none. */
  oomKills: number | null;
  /** The kernel's peak (v2 memory.peak, v1 memory.max_usage_in_bytes); null when there is no such file. */
  kernelPeakKiB: number | null;
  /** The largest usage the sampler saw. */
  sampledPeakKiB: number | null;
  /** The limit as the kernel holds it (read back after writing). */
  limitKiB: number;
  highKiB: number | null;
  swapLimitKiB: number | null;
  /** v2 memory.swap.peak when present, else the largest swap use sampled; null without swap accounting. */
  swapPeakKiB: number | null;
  /** Memory PSI of the job's cgroup: total stall time, µs; null without per-cgroup PSI. */
  psiSomeUs: number | null;
  psiFullUs: number | null;
  /** CPU time of the job, µs, and where it came from. */
  cpuUs: number | null;
  cpuSource: 'cgroup' | 'rusage' | null;
}

export interface JobContext {
  command: string;
  /** The job cgroup's directory. */
  cgroupDir: string;
  version: 1 | 2;
  /** How the cgroup was made: directly in cgroupfs (systemd scopes are not used). */
  method: 'direct';
  /** Why this method, for the human report ("PID 1 is not systemd"). */
  methodNote: string;
  wallMs: number;
  removed: boolean;
  /** Processes CMD left in the cgroup that oomtop ended before removing it. */
  leftovers: number;
  guard: { terms: number; kills: number } | null;
}

export interface RunReport {
  /** The status oomtop exits with: CMD's exit code, or 128 + signal. */
  exitCode: number;
  /** The signal that ended CMD (e.g. "SIGKILL"), or null when it exited. */
  signal: string | null;
  /** The kernel's OOM killer ended a process in the job's cgroup (its counter, not a guess from SIGKILL); null: the kernel does not count. */
  oomKilled: boolean | null;
  oomKills: number | null;
  peakKiB: number | null;
  peakSource: 'kernel' | 'sampled' | null;
  limitKiB: number;
  highKiB: number | null;
  swapLimitKiB: number | null;
  swapPeakKiB: number | null;
  psiSomeS: number | null;
  psiFullS: number | null;
  wallS: number;
  cpuS: number | null;
  cpuSource: 'cgroup' | 'rusage' | null;
  cgroup: string;
  cgroupVersion: 1 | 2;
  method: 'direct';
  removed: boolean;
  leftovers: number;
  guard: { terms: number; kills: number } | null;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function buildReport(end: JobEnd, r: JobReadings, ctx: JobContext): RunReport {
  const peakKiB = r.kernelPeakKiB ?? r.sampledPeakKiB;
  return {
    exitCode: exitStatusOf(end),
    signal: end.signal,
    oomKilled: r.oomKills === null ? null : r.oomKills > 0,
    oomKills: r.oomKills,
    peakKiB,
    peakSource: r.kernelPeakKiB !== null ? 'kernel' : r.sampledPeakKiB !== null ? 'sampled' : null,
    limitKiB: r.limitKiB,
    highKiB: r.highKiB,
    swapLimitKiB: r.swapLimitKiB,
    swapPeakKiB: r.swapPeakKiB,
    psiSomeS: r.psiSomeUs === null ? null : round(r.psiSomeUs / 1e6, 3),
    psiFullS: r.psiFullUs === null ? null : round(r.psiFullUs / 1e6, 3),
    wallS: round(ctx.wallMs / 1000, 3),
    cpuS: r.cpuUs === null ? null : round(r.cpuUs / 1e6, 3),
    cpuSource: r.cpuUs === null ? null : r.cpuSource,
    cgroup: ctx.cgroupDir,
    cgroupVersion: ctx.version,
    method: ctx.method,
    removed: ctx.removed,
    leftovers: ctx.leftovers,
    guard: ctx.guard,
  };
}

function pctOf(part: number | null, whole: number | null): string {
  if (part === null || whole === null || whole <= 0) return '';
  return ` (${Math.round((part / whole) * 100)}%)`;
}

function secs(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : s < 600 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A command line as a shell would take it back: words with spaces or quotes in single quotes. */
export function shellJoin(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The report for people, a few lines for stderr. Names from the command line are sanitized. */
export function formatReport(rep: RunReport, ctx: Pick<JobContext, 'command' | 'methodNote'>): string[] {
  const full = sanitize(ctx.command);
  const cmd = full.length > 80 ? `${full.slice(0, 79)}…` : full;
  const how =
    rep.signal !== null ? `was ended by ${rep.signal} (exit status ${rep.exitCode})` : `exited with status ${rep.exitCode}`;
  const lines = [`oomtop run: ${cmd} ${how} after ${secs(rep.wallS)}${rep.cpuS !== null ? `, CPU ${secs(rep.cpuS)}` : ''}`];
  if (rep.oomKilled === true) {
    lines.push(`  OOM: the kernel's OOM killer ended ${rep.oomKills} process${rep.oomKills === 1 ? '' : 'es'} in the job's cgroup (budget ${fmtKiB(rep.limitKiB)})`);
  } else if (rep.oomKilled === false) {
    lines.push('  OOM: no OOM kill in the job\'s cgroup');
  } else {
    lines.push('  OOM: unknown (this kernel does not count OOM kills per cgroup)');
  }
  const src = rep.peakSource === 'sampled' ? ' (sampled)' : '';
  lines.push(`  memory: peak ${fmtKiB(rep.peakKiB)}${src} of ${fmtKiB(rep.limitKiB)}${pctOf(rep.peakKiB, rep.limitKiB)}${rep.highKiB !== null ? `, throttled above ${fmtKiB(rep.highKiB)}` : ''}`);
  if (rep.swapLimitKiB !== null || (rep.swapPeakKiB ?? 0) > 0) {
    lines.push(`  swap: peak ${fmtKiB(rep.swapPeakKiB)}${rep.swapLimitKiB !== null ? ` of ${fmtKiB(rep.swapLimitKiB)}` : ' (no swap limit)'}`);
  }
  if (rep.psiSomeS !== null) {
    lines.push(`  pressure: stalled on memory ${secs(rep.psiSomeS)} (some), ${secs(rep.psiFullS ?? 0)} (full)${rep.wallS > 0 ? `, ${Math.round((rep.psiSomeS / rep.wallS) * 100)}% of the run` : ''}`);
  }
  if (rep.guard !== null) lines.push(`  guard: ${rep.guard.terms} SIGTERM, ${rep.guard.kills} SIGKILL sent`);
  if (rep.leftovers > 0) lines.push(`  ended ${rep.leftovers} process${rep.leftovers === 1 ? '' : 'es'} the command left running in the cgroup`);
  lines.push(
    `  cgroup: ${sanitize(rep.cgroup)}, cgroup v${rep.cgroupVersion}, ${ctx.methodNote}; ${rep.removed ? 'removed' : 'NOT removed (processes still in it)'}`,
  );
  return lines;
}

/** One line of JSON (no newlines inside: JSON.stringify escapes them). */
export function reportJson(rep: RunReport): string {
  return JSON.stringify(rep);
}
