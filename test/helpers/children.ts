import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const started = new Set<ChildProcess>();

/** Start a node child that allocates and touches `mib` MiB, then sleeps; resolves once allocated. */
export async function startHog(mib: number, opts: { ignoreTerm?: boolean; title?: string; cgroupDir?: string } = {}): Promise<ChildProcess> {
  const code = `
    ${opts.ignoreTerm ? "process.on('SIGTERM', () => {});" : ''}
    ${opts.title ? `process.title = ${JSON.stringify(opts.title)};` : ''}
    const keep = [];
    for (let i = 0; i < ${mib}; i++) { const b = Buffer.alloc(1 << 20); b.fill(i & 255); keep.push(b); }
    process.stdout.write('ready\\n');
    setInterval(() => keep.length, 1000);
  `;
  // In a cgroup, join it before exec: v1 does not move memory already charged elsewhere.
  const child = opts.cgroupDir
    ? spawn('sh', ['-c', `echo $$ > '${opts.cgroupDir}/cgroup.procs' && exec "${process.execPath}" -e "$0"`, code], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => reject(new Error(`hog exited early (${c})`)));
    child.stdout!.once('data', () => resolve());
  });
  return child;
}

/** A child that just sleeps (cheap, for identity and signal tests). */
export function startSleeper(seconds = 60): ChildProcess {
  const child = spawn('sleep', [String(seconds)], { stdio: 'ignore' });
  started.add(child);
  return child;
}

export function startTimeOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

export function adjOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'));
}

/** Kill every child these helpers started (by PID), for afterEach/afterAll. */
export function killStarted(): void {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  started.clear();
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
