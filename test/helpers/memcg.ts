import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const V1_MEMORY = '/sys/fs/cgroup/memory';

/** Why real memory cgroups cannot be made here, or null when they can. */
export const memcgSkipReason: string | null = (() => {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  try {
    accessSync(V1_MEMORY, constants.W_OK);
  } catch {
    return `${V1_MEMORY} is not writable (no cgroup v1 memory controller?)`;
  }
  return existsSync(join(V1_MEMORY, 'memory.limit_in_bytes')) ? null : `${V1_MEMORY} is not a cgroup v1 memory hierarchy`;
})();

export const canMakeMemcg = memcgSkipReason === null;

/** A v1 memory cgroup with a small limit, for real OOM kills that cannot touch the rest of the machine. */
export class TestMemcg {
  readonly name = `oomtop-test-${randomBytes(4).toString('hex')}`;
  /** The path as /proc/PID/cgroup and the kernel log print it. */
  readonly path = `/${this.name}`;
  readonly dir = join(V1_MEMORY, this.name);
  private readonly children: ChildProcess[] = [];

  constructor(limitMiB: number) {
    mkdirSync(this.dir);
    writeFileSync(join(this.dir, 'memory.limit_in_bytes'), String(limitMiB * 1024 * 1024));
  }

  /** Start a command inside the cgroup (it joins before exec, so all its memory is charged there). */
  spawn(command: string): ChildProcess {
    const child = spawn('sh', ['-c', `echo $$ > ${join(this.dir, 'cgroup.procs')} && exec ${command}`], { stdio: 'ignore' });
    this.children.push(child);
    return child;
  }

  oomKills(): number {
    const m = /oom_kill (\d+)/.exec(readFileSync(join(this.dir, 'memory.oom_control'), 'utf8'));
    return m ? Number(m[1]) : 0;
  }

  /**
   * Kill what the test started, then remove the cgroup (retrying while tasks drain). Every
   * task in this cgroup is the test's own (it made the cgroup, and only its children joined
   * it, through spawn() here or a shell of its own that wrote cgroup.procs), so the tasks
   * still listed are killed too: a child that joined by hand no longer keeps the cgroup (and
   * its 30 s of retries) past the test.
   */
  async remove(): Promise<void> {
    for (const c of this.children) {
      if (c.pid && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    for (let i = 0; i < 300; i++) {
      if (i % 10 === 0) for (const pid of this.tasks()) killQuietly(pid);
      try {
        rmdirSync(this.dir);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    process.stderr.write(`TestMemcg: ${this.dir} could not be removed (tasks: ${this.tasks().join(' ') || 'none'})\n`);
  }

  /** PIDs in the cgroup now. */
  tasks(): number[] {
    try {
      return readFileSync(join(this.dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }
}

function killQuietly(pid: number): void {
  if (pid <= 1 || pid === process.pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
