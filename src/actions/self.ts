import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOomScoreAdj } from '../proc/process.js';

export interface SelfProtection {
  /** oom_score_adj now in force for this process. */
  adj: number | null;
  /** Set when it could not reach -1000: says why and what it got. */
  warning: string | null;
  /** The error of the write of -1000 (EACCES without CAP_SYS_RESOURCE); null when it worked. */
  code: string | null;
  /** The value before. */
  before: number | null;
}

/**
 * Lower this process's own oom_score_adj as far as the kernel allows: -1000 needs
 * CAP_SYS_RESOURCE; without it a process may only go back down to the lowest value a
 * privileged process gave it (oom_score_adj_min), so try -1000 and then report what
 * stayed. Its own process only: no target to check, no action on another process.
 * `who` names it in the warning ("the guard", "oomtop").
 */
export function protectSelf(procRoot: string, who = 'the guard'): SelfProtection {
  const path = join(procRoot, 'self', 'oom_score_adj');
  const write = (v: number): string | null => {
    try {
      writeFileSync(path, `${v}\n`);
      return null;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'EIO';
    }
  };
  const before = readOomScoreAdj(procRoot, process.pid);
  const code = write(-1000);
  if (code !== null) {
    // Allowed iff value >= oom_score_adj_min (not readable): binary search the floor.
    let lo = -1000; // refused
    let hi = readOomScoreAdj(procRoot, process.pid) ?? 0; // allowed (current)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (write(mid) === null) hi = mid;
      else lo = mid;
    }
    write(hi);
  }
  const adj = readOomScoreAdj(procRoot, process.pid);
  if (code === null && adj === -1000) return { adj, warning: null, code, before };
  return {
    adj,
    code,
    before,
    warning:
      `could not lower own oom_score_adj to -1000 (${code ?? 'not applied'}; needs CAP_SYS_RESOURCE, ` +
      `e.g. OOMScoreAdjust=-1000 in the systemd unit); it stays ${adj ?? 'unknown'}, so the kernel could pick ${who}`,
  };
}
