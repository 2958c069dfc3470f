/**
 * The facts a rule looks at, read from /proc for one process: only the files the rules
 * in force need (a comm rule alone reads nothing beyond /proc/PID/stat).
 */
import { recognizeContainer } from '../cgroup/container.js';
import { parseProcCgroup, toMountPath } from '../cgroup/proccgroup.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { readCmdline, readExe, readProcCgroupText, readStatus } from '../proc/process.js';
import type { ProcStat } from '../proc/types.js';
import type { ProcessFacts } from './match.js';
import type { MatcherKey } from './parse.js';

export interface FactContext {
  procRoot: string;
  /** The memory hierarchy (for the cgroup path); null when none is mounted. */
  hierarchy: MemoryHierarchy | null;
  users: { name(uid: number): string };
  /** A container's name from its id, when a runtime told it; null otherwise. */
  containerName?: (id: string) => string | null;
}

/** The memory cgroup path, or on a host without a memory hierarchy the v2 line's path. */
function cgroupOf(ctx: FactContext, pid: number): string | null {
  const text = readProcCgroupText(ctx.procRoot, pid);
  if (text === null) return null;
  if (ctx.hierarchy === null) return parseProcCgroup(text, 2);
  const path = parseProcCgroup(text, ctx.hierarchy.version);
  return path === null ? null : toMountPath(ctx.hierarchy, path);
}

export function readFacts(ctx: FactContext, stat: ProcStat, need: Set<MatcherKey>): ProcessFacts {
  const pid = stat.pid;
  const f: ProcessFacts = { pid, comm: stat.comm };
  if (need.has('cmdline')) f.cmdline = readCmdline(ctx.procRoot, pid);
  if (need.has('exe')) f.exe = readExe(ctx.procRoot, pid);
  if (need.has('user')) {
    const st = readStatus(ctx.procRoot, pid);
    f.uid = st?.uid ?? null;
    f.user = st === null ? null : ctx.users.name(st.uid);
  }
  if (need.has('cgroup') || need.has('unit') || need.has('container')) f.cgroup = cgroupOf(ctx, pid);
  if (need.has('container')) {
    const c = f.cgroup == null ? null : recognizeContainer(f.cgroup);
    const isContainer = c !== null && c.id !== null && !['systemd-service', 'systemd-scope', 'user-session'].includes(c.runtime);
    f.container = isContainer ? { id: c.id!, name: ctx.containerName?.(c.id!) ?? null } : null;
  }
  return f;
}
