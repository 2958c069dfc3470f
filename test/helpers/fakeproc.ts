import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeProcess {
  pid: number;
  comm: string;
  state?: string;
  ppid?: number;
  flags?: number;
  startTime?: number;
  rssPages?: number;
  oomScore?: number | null;
  adj?: number;
  uid?: number;
  cmdline?: string;
  cgroup?: string;
  /** status lines override; kernel threads have no Vm* lines. */
  kernelThread?: boolean;
  swapKiB?: number;
  pteKiB?: number;
  /** Write a stat file whose text is this instead (malformed-input tests). */
  rawStat?: string;
  /** Leave out these files (vanished mid-read). */
  missing?: string[];
}

export interface FakeProcSpec {
  memTotalKiB?: number;
  memAvailableKiB?: number | null;
  swapTotalKiB?: number;
  swapFreeKiB?: number;
  osrelease?: string;
  pressure?: string | null;
  oomKill?: number;
  processes: FakeProcess[];
}

export function statLine(p: FakeProcess): string {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal starttime vsize rss ...
  const f = [
    p.state ?? 'S', p.ppid ?? 1, p.pid, p.pid, 0, -1, p.flags ?? 4194560, 0, 0, 0, 0, 10, 5, 0, 0, 20, 0, 1, 0,
    p.startTime ?? 1000 + p.pid, 100_000_000, p.rssPages ?? 1000, '18446744073709551615', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0,
  ];
  return `${p.pid} (${p.comm}) ${f.join(' ')}\n`;
}

export function statusText(p: FakeProcess, pageKiB = 4): string {
  const rss = (p.rssPages ?? 1000) * pageKiB;
  const lines = [`Name:\t${p.comm.replaceAll('\n', '\\n')}`, `State:\t${p.state ?? 'S'} (sleeping)`, `Tgid:\t${p.pid}`, `Pid:\t${p.pid}`, `PPid:\t${p.ppid ?? 1}`, `Uid:\t${p.uid ?? 0}\t${p.uid ?? 0}\t${p.uid ?? 0}\t${p.uid ?? 0}`];
  if (!p.kernelThread) {
    lines.push(`VmSize:\t  ${rss * 4} kB`, `VmRSS:\t  ${rss} kB`, `RssAnon:\t  ${Math.floor(rss * 0.75)} kB`, `RssFile:\t  ${rss - Math.floor(rss * 0.75)} kB`, `RssShmem:\t       0 kB`, `VmPTE:\t  ${p.pteKiB ?? 64} kB`, `VmSwap:\t  ${p.swapKiB ?? 0} kB`);
  }
  return `${lines.join('\n')}\n`;
}

/** Write a fake /proc tree; returns its root. Remove it with removeFakeProc. */
export function makeFakeProc(spec: FakeProcSpec): string {
  const root = mkdtempSync(join(tmpdir(), 'oomtop-fakeproc-'));
  const total = spec.memTotalKiB ?? 8_000_000;
  const mem = [`MemTotal:       ${total} kB`, `MemFree:        ${Math.floor(total / 2)} kB`];
  if (spec.memAvailableKiB !== null) mem.push(`MemAvailable:   ${spec.memAvailableKiB ?? Math.floor(total / 2)} kB`);
  mem.push('Buffers:        1000 kB', 'Cached:         100000 kB', `SwapTotal:      ${spec.swapTotalKiB ?? 0} kB`, `SwapFree:       ${spec.swapFreeKiB ?? spec.swapTotalKiB ?? 0} kB`, 'Shmem:          100 kB', 'CommitLimit:    4000000 kB', 'Committed_AS:   1000000 kB');
  writeFileSync(join(root, 'meminfo'), `${mem.join('\n')}\n`);
  mkdirSync(join(root, 'sys', 'kernel'), { recursive: true });
  mkdirSync(join(root, 'sys', 'vm'), { recursive: true });
  writeFileSync(join(root, 'sys', 'kernel', 'osrelease'), `${spec.osrelease ?? '6.8.0-test'}\n`);
  for (const [k, v] of Object.entries({ panic_on_oom: 0, oom_kill_allocating_task: 0, oom_dump_tasks: 1, overcommit_memory: 0, overcommit_ratio: 50, overcommit_kbytes: 0 })) {
    writeFileSync(join(root, 'sys', 'vm', k), `${v}\n`);
  }
  writeFileSync(join(root, 'vmstat'), `nr_free_pages 100\noom_kill ${spec.oomKill ?? 0}\npgfault 5\n`);
  if (spec.pressure !== null) {
    mkdirSync(join(root, 'pressure'));
    writeFileSync(join(root, 'pressure', 'memory'), spec.pressure ?? 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n');
  }
  for (const p of spec.processes) writeFakeProcess(root, p, total + (spec.swapTotalKiB ?? 0));
  return root;
}

export function writeFakeProcess(root: string, p: FakeProcess, totalKiB = 8_000_000): void {
  const dir = join(root, String(p.pid));
  mkdirSync(dir, { recursive: true });
  const skip = new Set(p.missing ?? []);
  const put = (name: string, text: string) => {
    if (!skip.has(name)) writeFileSync(join(dir, name), text);
  };
  put('stat', p.rawStat ?? statLine(p));
  put('status', statusText(p));
  const rssKiB = (p.rssPages ?? 1000) * 4;
  const adj = p.adj ?? 0;
  const permille = Math.trunc(((rssKiB + (p.swapKiB ?? 0) + (p.pteKiB ?? 64) + (adj * totalKiB) / 1000) * 1000) / totalKiB);
  const score = p.oomScore !== undefined ? p.oomScore : p.kernelThread || adj === -1000 ? 0 : Math.max(0, Math.trunc(((1000 + permille) * 2) / 3));
  if (score !== null) put('oom_score', `${score}\n`);
  put('oom_score_adj', `${adj}\n`);
  put('cmdline', p.kernelThread ? '' : `${(p.cmdline ?? p.comm).split(' ').join('\0')}\0`);
  put('cgroup', p.cgroup ?? '12:memory:/\n0::/\n');
}

export function removeFakeProc(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
