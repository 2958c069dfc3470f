/**
 * Recognisers for the pieces of a kernel OOM report, across kernels 2.6.32 .. 6.x.
 * Each takes a normalized message text (see normalize.ts) and returns the fields it
 * carries, or null. They are pure and know nothing about ordering; parser.ts does.
 *
 * A process name (comm, at most 15 bytes) may hold anything but NUL: ")", "(", spaces,
 * escape sequences, a newline. So a comm is never read up to the first ")" or the end of
 * a line: it ends where the field that the kernel prints right after it begins
 * (") total-vm:", ",pid=", " invoked oom-killer:", " Not tainted"...), the last such
 * place in the text, which the name itself cannot fake. A text may hold newlines: a
 * /dev/kmsg record is one message even when a comm in it holds "\x0a", and dmesg's
 * indented continuation lines are joined back (normalize.ts).
 */
import type { OomConstraint, OomTask } from './types.js';

/**
 * PIDs are matched as at most 9 digits (the kernel's PID_MAX_LIMIT is 4194304): a line with a
 * longer number is no kernel line, and Number() of 300 digits is Infinity (found by npm run fuzz).
 */
const int = (s: string | undefined): number | null => {
  if (s === undefined) return null;
  const n = Number(s.replace(/,/g, ''));
  return Number.isSafeInteger(n) ? n : null;
};

// ---------------------------------------------------------------- header

export interface HeaderPiece {
  comm: string;
  gfpMask: string | null;
  order: number | null;
  oomScoreAdj: number | null;
  oomAdj: number | null;
  nodemask: string | null;
}

/** "COMM invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), [nodemask=0, ]order=0, [oom_adj=0, ]oom_score_adj=0" */
export function matchHeader(text: string): HeaderPiece | null {
  const at = text.indexOf(' invoked oom-killer:');
  if (at <= 0) return null;
  const rest = text.slice(at + ' invoked oom-killer:'.length);
  const gfp = /gfp_mask=(0x[0-9a-fA-F]+(?:\([^)]*\))?)/.exec(rest);
  return {
    comm: text.slice(0, at),
    gfpMask: gfp ? gfp[1]! : null,
    order: int(/order=(-?\d+)/.exec(rest)?.[1]),
    oomScoreAdj: int(/oom_score_adj=(-?\d+)/.exec(rest)?.[1]),
    oomAdj: int(/[ ,]oom_adj=(-?\d+)/.exec(rest)?.[1]),
    nodemask: /nodemask=([^,\s]+)/.exec(rest)?.[1] ?? null,
  };
}

/** The stack dump right after the header names the trigger's pid:
 * "CPU: 1 PID: 5334 Comm: memhog ..." (3.x+), "CPU: 1 UID: 0 PID: ..." (6.x), "Pid: 1205, comm: rsyslogd ..." (2.6.32). */
export function matchTriggerPid(text: string): { pid: number; comm: string | null } | null {
  // Greedy up to the last taint word: a comm holding " Tainted" does not end early.
  let m = /^CPU: \d+ (?:UID: \d+ )?PID: (\d{1,9}) Comm: ([\s\S]{1,64}) (?:Not tainted|Tainted)/.exec(text);
  if (m) return { pid: Number(m[1]), comm: m[2]!.replace(/ Kdump: loaded$/, '') };
  m = /^CPU: \d+ (?:UID: \d+ )?PID: (\d{1,9}) Comm: /.exec(text);
  if (m) return { pid: Number(m[1]), comm: null };
  m = /^Pid: (\d{1,9}), comm: ([\s\S]{1,64}) (?:Not tainted|Tainted)/.exec(text);
  if (m) return { pid: Number(m[1]), comm: m[2]! };
  return null;
}

/** Pre-4.19: "COMM cpuset=/ mems_allowed=0" */
export function matchCpuset(text: string): { comm: string; cpuset: string; memsAllowed: string } | null {
  const m = /^([\s\S]+) cpuset=(\S*) mems_allowed=(\S+)$/.exec(text);
  return m ? { comm: m[1]!, cpuset: m[2]!, memsAllowed: m[3]! } : null;
}

// ---------------------------------------------------------------- 4.19+ summary

export interface SummaryPiece {
  constraint: OomConstraint | null;
  nodemask: string | null;
  cpuset: string | null;
  memsAllowed: string | null;
  oomMemcg: string | null;
  globalOom: boolean;
  taskMemcg: string | null;
  task: string | null;
  pid: number | null;
  uid: number | null;
}

const CONSTRAINTS: Record<string, OomConstraint> = {
  CONSTRAINT_NONE: 'NONE',
  CONSTRAINT_CPUSET: 'CPUSET',
  CONSTRAINT_MEMORY_POLICY: 'MEMORY_POLICY',
  CONSTRAINT_MEMCG: 'MEMCG',
};

/** "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/x,task_memcg=/x,task=memhog,pid=5334,uid=0" */
export function matchSummary(text: string): SummaryPiece | null {
  const at = text.indexOf('oom-kill:constraint=');
  if (at < 0) return null;
  const s = text.slice(at);
  const c = /constraint=(CONSTRAINT_[A-Z_]+)/.exec(s)?.[1];
  // Greedy: the last ",pid=N,uid=N" ends the comm, whatever the comm holds.
  const tail = /,task=([\s\S]*),pid=(\d+),uid=(\d+)\s*$/.exec(s);
  return {
    constraint: c ? (CONSTRAINTS[c] ?? null) : null,
    nodemask: /,nodemask=(.*?),cpuset=/.exec(s)?.[1] ?? null,
    cpuset: /,cpuset=(.*?),mems_allowed=/.exec(s)?.[1] ?? null,
    memsAllowed: /,mems_allowed=(.*?),(?:oom_memcg=|global_oom|task_memcg=|task=)/.exec(s)?.[1] ?? null,
    oomMemcg: /,oom_memcg=(.*?),(?:task_memcg=|task=)/.exec(s)?.[1] ?? null,
    globalOom: /,global_oom(?:,|$)/.test(s),
    taskMemcg: /,task_memcg=(.*?),task=/.exec(s)?.[1] ?? null,
    task: tail ? tail[1]! : null,
    pid: tail ? int(tail[2]) : null,
    uid: tail ? int(tail[3]) : null,
  };
}

// ---------------------------------------------------------------- memcg

/** "memory: usage 65536kB, limit 65536kB, failcnt 23" (also memory+swap:, swap:, kmem:) */
export function matchMemcgCounter(
  text: string,
): { counter: 'memory' | 'memory+swap' | 'swap' | 'kmem'; usageKiB: number; limitKiB: number; failcnt: number | null } | null {
  const m = /^(memory|memory\+swap|swap|kmem): usage (\d{1,19})kB, limit (\d{1,19})kB(?:, failcnt (\d+))?/.exec(text);
  if (!m) return null;
  return {
    counter: m[1] as 'memory' | 'memory+swap' | 'swap' | 'kmem',
    usageKiB: Number(m[2]),
    limitKiB: Number(m[3]),
    failcnt: int(m[4]),
  };
}

/** "Memory cgroup stats for /path:" (with or without the stats on the same line) */
export function matchMemcgStats(text: string): { path: string } | null {
  const m = /^Memory cgroup stats for (.*?):(?:\s|$)/.exec(text);
  return m ? { path: m[1]! } : null;
}

/** Pre-4.19: "Task in /a killed as a result of limit of /b" */
export function matchTaskIn(text: string): { taskMemcg: string; limitMemcg: string } | null {
  const m = /^Task in (.*) killed as a result of limit of (.*)$/.exec(text);
  return m ? { taskMemcg: m[1]!, limitMemcg: m[2]! } : null;
}

// ---------------------------------------------------------------- task table

export type TaskColumns = string[];

/**
 * The task-table header; returns the column names between "pid" and "name", e.g.
 * ["uid","tgid","total_vm","rss","pgtables_bytes","swapents","oom_score_adj"].
 */
export function matchTaskTableHeader(text: string): TaskColumns | null {
  const m = /^\[\s*pid\s*\]\s+(.*?)\s+name$/.exec(text);
  if (!m) return null;
  const cols = m[1]!.split(/\s+/);
  if (!cols.every((c) => /^[a-z_]+$/.test(c)) || !cols.includes('rss')) return null;
  return cols;
}

/** One task-table row, read with the columns of the header that preceded it. */
export function matchTaskRow(text: string, columns: TaskColumns): OomTask | null {
  const m = /^\[\s*(\d{1,9})\]\s+([\s\S]*)$/.exec(text);
  if (!m) return null;
  const parts = m[2]!.split(/\s+/);
  if (parts.length < columns.length + 1) return null;
  const nums = parts.slice(0, columns.length);
  if (!nums.every((p) => /^-?\d+$/.test(p))) return null;
  // The name is the rest of the line, spaces included ("npm start").
  let rest = m[2]!;
  for (let i = 0; i < columns.length; i++) rest = rest.replace(/^\s*-?\d+\s/, '');
  const name = rest.trim();
  if (!name) return null;
  const col = (c: string): number | null => {
    const i = columns.indexOf(c);
    return i < 0 ? null : int(nums[i]);
  };
  const nrPtes = col('nr_ptes');
  return {
    pid: Number(m[1]),
    uid: col('uid'),
    tgid: col('tgid'),
    totalVmPages: col('total_vm'),
    rssPages: col('rss'),
    pgtablesBytes: col('pgtables_bytes') ?? (nrPtes === null ? null : nrPtes * 4096),
    swapents: col('swapents'),
    oomScoreAdj: col('oom_score_adj'),
    name,
  };
}

// ---------------------------------------------------------------- kill lines

/** Old kernels, first of two lines: "PREFIX: Kill process N (comm) score S or sacrifice child" (2.6.32: "kill process ... or a child"). */
export function matchKillSelect(text: string): { prefix: string; pid: number; comm: string; score: number | null } | null {
  const m = /^(.*?): [Kk]ill process (\d{1,9}) \(([\s\S]*)\) score (-?\d+) or (?:sacrifice child|a child)/.exec(text);
  if (!m) return null;
  return { prefix: m[1]!, pid: Number(m[2]), comm: m[3]!, score: int(m[4]) };
}

export interface KilledPiece {
  /** "Out of memory", "Memory cgroup out of memory", ... or null for the bare second line of old kernels. */
  prefix: string | null;
  pid: number;
  comm: string;
  uid: number | null;
  totalVmKiB: number | null;
  anonRssKiB: number | null;
  fileRssKiB: number | null;
  shmemRssKiB: number | null;
  pgtablesKiB: number | null;
  oomScoreAdj: number | null;
  /** The comm was cut off (truncated line). */
  truncated: boolean;
}

const kb = (rest: string, key: string): number | null => int(new RegExp(`(?:^|[\\s,])${key}:?\\s?([\\d,]+)\\s?kB`).exec(rest)?.[1]);

/**
 * The kill itself, every known variant:
 *   "Killed process 1234 (comm) vsz:..kB, anon-rss:..kB, file-rss:..kB"                       (2.6.3x)
 *   "Killed process 1234 (comm) total-vm:..kB, anon-rss:..kB, file-rss:..kB[, shmem-rss:..kB]" (3.x-4.x)
 *   "Killed process 1234, UID 0, (comm) total-vm:..."                                       (RHEL 6)
 *   "Killed process 1234 (comm), UID 0, total-vm:..."                                       (RHEL 7)
 *   "PREFIX: Killed process 1234 (comm) total-vm:..., UID:0 pgtables:..kB oom_score_adj:0"  (4.19+ / 5.x / 6.x)
 */
export function matchKilled(text: string): KilledPiece | null {
  const at = text.search(/(?:^|: )Killed process \d/);
  if (at < 0) return null;
  const prefix = at === 0 ? null : text.slice(0, at);
  if (prefix !== null && !/out of memory/i.test(prefix)) return null;
  const body = text.slice(at === 0 ? 0 : at + 2);
  // The "(" after the pid proves the pid is whole; a line cut right after digits is not trusted.
  const head = /^Killed process (\d{1,9})(?:, UID (\d+),)? \(/.exec(body);
  if (!head) return null;
  const pid = Number(head[1]);
  let uid = int(head[2]);
  const afterPid = body.slice(head[0].length);
  let comm: string;
  let rest: string;
  let truncated = false;
  // The comm ends at the last ")" that the kernel's next field follows: " total-vm:" or
  // " vsz:" (", UID N," in between on RHEL 7). A comm such as "a) total-vm:9kB" cannot
  // end it early, since the real field comes after it.
  const field = /^([\s\S]*)\)((?:,? UID \d+,)? (?:total-vm|vsz):[\s\S]*)$/.exec(afterPid);
  // A line that stops right after the comm ("... (comm)") has nothing to fake.
  const bare = field ? null : /^([\s\S]*)\)\s*$/.exec(afterPid);
  if (field) {
    comm = field[1]!;
    rest = field[2]!;
  } else if (bare) {
    comm = bare[1]!;
    rest = '';
  } else {
    comm = afterPid;
    rest = '';
    truncated = true;
  }
  const rhel7 = /^,? UID (\d+),/.exec(rest);
  if (rhel7) uid = int(rhel7[1]);
  const newUid = /UID:(\d+)/.exec(rest);
  if (newUid) uid = int(newUid[1]);
  return {
    prefix,
    pid,
    comm,
    uid,
    totalVmKiB: kb(rest, 'total-vm') ?? kb(rest, 'vsz'),
    anonRssKiB: kb(rest, 'anon-rss'),
    fileRssKiB: kb(rest, 'file-rss'),
    shmemRssKiB: kb(rest, 'shmem-rss'),
    pgtablesKiB: kb(rest, 'pgtables'),
    oomScoreAdj: int(/oom_score_adj:(-?\d+)/.exec(rest)?.[1]),
    truncated,
  };
}

/** "oom_reaper: reaped process N (comm), now anon-rss:0kB, ..." */
export function matchReaped(text: string): { pid: number; comm: string } | null {
  const m = /^oom_reaper: reaped process (\d{1,9}) \(([\s\S]*)\), now /.exec(text);
  return m ? { pid: Number(m[1]), comm: m[2]! } : null;
}

/** "oom_reaper: unable to reap pid:N (comm)" */
export function matchUnableToReap(text: string): { pid: number; comm: string | null } | null {
  const m = /^oom_reaper: unable to reap pid:\s?(\d{1,9})(?: \(([\s\S]*)\))?/.exec(text);
  return m ? { pid: Number(m[1]), comm: m[2] ?? null } : null;
}

/** "Tasks in /path are going to be killed due to memory.oom.group set" */
export function matchGroupKill(text: string): { path: string } | null {
  const m = /^Tasks in (.*) are going to be killed due to memory\.oom\.group set/.exec(text);
  return m ? { path: m[1]! } : null;
}

/** "PREFIX: OOM victim N (comm) is already exiting. Skip killing the task" */
export function matchAlreadyExiting(text: string): { prefix: string | null; pid: number; comm: string } | null {
  const m = /^(?:(.*?): )?OOM victim (\d{1,9}) \(([\s\S]*)\) is already exiting/.exec(text);
  return m ? { prefix: m[1] ?? null, pid: Number(m[2]), comm: m[3]! } : null;
}

/** "Out of memory and no killable processes..." */
export function matchNoKillable(text: string): boolean {
  return /^Out of memory and no killable processes/.test(text);
}
