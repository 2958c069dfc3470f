import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A real cgroup v1 memory group for the guard's integration tests and benchmark:
 * /sys/fs/cgroup/memory/oomtop-guard-test-<random> with a small limit, holding only the
 * children started through it, which are killed by PID and the group removed afterwards.
 */

export const V1_ROOT = '/sys/fs/cgroup/memory';

function findRepoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'test', 'guard', 'fixtures', 'hog.mjs'))) return d;
    d = dirname(d);
  }
  return process.cwd();
}

export const HOG = resolve(findRepoRoot(), 'test/guard/fixtures/hog.mjs');

/** Why real tests cannot run here, or null when they can. */
export function realSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(join(V1_ROOT, 'memory.oom_control'))) return `no cgroup v1 memory hierarchy at ${V1_ROOT}`;
  const probe = join(V1_ROOT, `oomtop-guard-test-probe-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    return `cgroup v1 memory hierarchy not writable (${(e as NodeJS.ErrnoException).code})`;
  }
  return null;
}

export interface Hog {
  child: ChildProcess;
  pid: number;
  /** Resolves with the signal that ended it (null on a normal exit). */
  exited: Promise<NodeJS.Signals | null>;
  /** Per-chunk trace lines "t allocatedMiB" when started with --trace. */
  trace: Array<{ t: number; mib: number }>;
}

export class TestCgroup {
  readonly name: string;
  readonly dir: string;
  private readonly hogs: Hog[] = [];

  constructor(limitMiB: number) {
    this.name = `oomtop-guard-test-${randomBytes(6).toString('hex')}`;
    this.dir = join(V1_ROOT, this.name);
    mkdirSync(this.dir);
    writeFileSync(join(this.dir, 'memory.limit_in_bytes'), `${limitMiB * 1024 * 1024}\n`);
  }

  get path(): string {
    return `/${this.name}`;
  }

  oomControl(): { oomKillDisable: number; underOom: number; oomKill: number } {
    const t = readFileSync(join(this.dir, 'memory.oom_control'), 'utf8');
    const f = (k: string) => Number(new RegExp(`^${k} (\\d+)`, 'm').exec(t)?.[1] ?? NaN);
    return { oomKillDisable: f('oom_kill_disable'), underOom: f('under_oom'), oomKill: f('oom_kill') };
  }

  usageBytes(): number {
    return Number(readFileSync(join(this.dir, 'memory.usage_in_bytes'), 'utf8'));
  }

  /** Start the hog inside the group (it joins before node starts) and wait for "ready" (or its end, with allowEarlyExit). */
  async startHog(args: string[], opts: { allowEarlyExit?: boolean } = {}): Promise<Hog> {
    const child = spawn('/bin/sh', ['-c', `echo $$ > ${this.dir}/cgroup.procs && exec "$0" "$@"`, process.execPath, HOG, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = child.pid!;
    const trace: Hog['trace'] = [];
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, sig) => res(sig)));
    const hog: Hog = { child, pid, exited, trace };
    this.hogs.push(hog);
    await new Promise<void>((res, rej) => {
      let buf = '';
      let ready = false;
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === 'ready' && !ready) {
            ready = true;
            res();
          } else {
            const [t, m] = line.split(' ');
            if (t && m) trace.push({ t: Number(t), mib: Number(m) });
          }
        }
      });
      void exited.then(() => ready || (opts.allowEarlyExit ? res() : rej(new Error('hog exited before it was ready'))));
    });
    return hog;
  }

  /** Kill every hog this group started (by PID), release a hold, remove the group. */
  async cleanup(): Promise<void> {
    for (const h of this.hogs) {
      if (h.child.exitCode === null && h.child.signalCode === null) {
        try {
          process.kill(h.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await Promise.all(this.hogs.map((h) => Promise.race([h.exited, new Promise((r) => setTimeout(r, 3000))])));
    try {
      writeFileSync(join(this.dir, 'memory.oom_control'), '0\n');
    } catch {
      /* removed already */
    }
    for (let i = 0; i < 300; i++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
