import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { buildRootfs, dockerSkipReason, IMAGE, removeRuntimeDir, which } from './docker.js';

/**
 * A private rootful Podman for tests: its own storage root, run root and tmp dir in a fresh
 * /tmp directory (cgroupfs manager, file events, runc), and `podman system service` on a
 * private socket for the Docker-compatible API. The image is imported from the same static
 * tarball as the Docker tests. stop() removes its containers, stops the service by PID,
 * resets the storage and removes the directory.
 *
 * Every podman runs in that directory: conmon, which podman starts in its own working
 * directory, creates an empty file named `oom` there when a container's memory cgroup
 * reports an OOM event (conmon 2.1's open("oom", O_CREAT) beside the persist path's). Run
 * from the checkout, that left an empty `oom` at the repository root.
 */

export function podmanSkipReason(): string | null {
  const d = dockerSkipReason();
  if (d && !/docker\.io/.test(d)) return d; // root, busybox, cc, memcg: the same needs
  if (!which('podman')) return 'podman is not installed (apt-get install podman)';
  if (!which('runc')) return 'runc is not installed';
  return null;
}

export class TestPodman {
  readonly dir: string;
  readonly socket: string;
  readonly host: string;
  private service: ChildProcess | null = null;
  private serviceExit: Promise<void> | null = null;

  private constructor() {
    this.dir = mkdtempSync('/tmp/oomtop-podman-');
    this.socket = join(this.dir, 'podman.sock');
    this.host = `unix://${this.socket}`;
  }

  /** Global flags: this instance's storage only, never the machine's. */
  get flags(): string[] {
    return ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--tmpdir', join(this.dir, 'tmp'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', 'runc'];
  }

  static async start(): Promise<TestPodman> {
    const p = new TestPodman();
    try {
      const rootfs = buildRootfs(p.dir);
      execFileSync('sh', ['-c', `r="$1"; shift; tar -C "$r" -c . | podman "$@" import - ${IMAGE}`, 'sh', rootfs, ...p.flags], { stdio: 'pipe', cwd: p.dir, env: { ...process.env, TMPDIR: p.dir } });
      const child = spawn('podman', [...p.flags, 'system', 'service', '--time=0', p.host], { stdio: 'ignore', cwd: p.dir });
      p.service = child;
      p.serviceExit = new Promise((r) => child.once('exit', () => r()));
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`podman system service exited (${child.exitCode})`);
        if (await p.ping()) break;
        if (Date.now() > deadline) throw new Error('podman system service did not answer within 20 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      return p;
    } catch (e) {
      await p.stop();
      throw e;
    }
  }

  private ping(): Promise<boolean> {
    return new Promise((res) => {
      const req = request({ socketPath: this.socket, path: '/_ping', timeout: 1000 }, (r) => {
        r.resume();
        res(r.statusCode === 200);
      });
      req.on('error', () => res(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }

  podman(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    return new Promise((res, rej) => {
      execFile('podman', [...this.flags, ...args], { timeout: opts.timeoutMs ?? 60_000, cwd: this.dir }, (err, stdout, stderr) => {
        if (err) rej(Object.assign(new Error(`podman ${args.join(' ')}: ${stderr || err.message}`), { exitCode: typeof err.code === 'number' ? err.code : null }));
        else res(stdout);
      });
    });
  }

  /** `podman run -d` with lowered rlimits (podman's defaults need CAP_SYS_RESOURCE) and no network. */
  async run(opts: { name: string; memory?: string; labels?: Record<string, string> }, cmd: string[]): Promise<string> {
    const args = ['run', '-d', '--name', opts.name, '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];
    if (opts.memory) args.push('--memory', opts.memory, '--memory-swap', opts.memory);
    for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
    args.push(`localhost/${IMAGE}`, ...cmd);
    return (await this.podman(args)).trim();
  }

  async stop(): Promise<void> {
    try {
      await this.podman(['rm', '-a', '-f', '-t', '0'], { timeoutMs: 60_000 });
    } catch {
      /* nothing to remove, or storage never created */
    }
    const child = this.service;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([this.serviceExit!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!done) {
        child.kill('SIGKILL');
        await this.serviceExit;
      }
    }
    try {
      await this.podman(['system', 'reset', '-f'], { timeoutMs: 60_000 });
    } catch {
      /* best effort: the directory goes below anyway */
    }
    removeRuntimeDir(this.dir);
  }
}
