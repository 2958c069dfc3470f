import { isKernelThread, listPids, readCmdline, readOomScoreAdj, readStat, readStatus } from '../proc/process.js';
import type { Candidate } from './types.js';

/** Read one process as a guard candidate; null when it exited meanwhile. */
export function readCandidate(procRoot: string, pid: number): Candidate | null {
  const stat = readStat(procRoot, pid);
  if (stat === null) return null;
  const kernelThread = isKernelThread(stat);
  const zombie = stat.state === 'Z' || stat.state === 'X';
  const status = kernelThread || zombie ? null : readStatus(procRoot, pid);
  return {
    pid,
    startTimeTicks: stat.startTimeTicks,
    name: status?.name ?? stat.comm,
    cmdline: kernelThread || zombie ? '' : (readCmdline(procRoot, pid) ?? ''),
    rssKiB: status?.vmRssKiB ?? 0,
    swapKiB: status?.vmSwapKiB ?? 0,
    pteKiB: status?.vmPteKiB ?? 0,
    oomScoreAdj: readOomScoreAdj(procRoot, pid),
    kernelThread: kernelThread || (status !== null && !status.hasMm),
    zombie,
  };
}

export function readCandidates(procRoot: string, pids: Iterable<number>): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<number>();
  for (const pid of pids) {
    if (seen.has(pid)) continue;
    seen.add(pid);
    const c = readCandidate(procRoot, pid);
    if (c) out.push(c);
  }
  return out;
}

export function readAllCandidates(procRoot: string): Candidate[] {
  return readCandidates(procRoot, listPids(procRoot));
}
