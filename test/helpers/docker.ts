import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A private Docker Engine for tests: its own dockerd (and the containerd it starts), socket,
 * data root and exec root in a fresh /tmp directory; an image "oomtop-test" imported from a
 * tarball of static binaries (busybox from busybox-static, and test/helpers/dockerhog.c built
 * with cc -static) since no registry is reachable. stop() removes every container of this
 * engine, stops dockerd by its PID and removes the directory. Never touches another Docker.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const DOCKER_HOG_SRC = resolve(here, 'dockerhog.c');
export const IMAGE = 'oomtop-test';
const V1_MEMORY = '/sys/fs/cgroup/memory';

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || null : null;
}

function staticBusybox(): string | null {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (!existsSync(p)) continue;
    const r = spawnSync('file', ['-L', p], { encoding: 'utf8' });
    // Without `file`, trust ldd: a static binary is "not a dynamic executable".
    if (r.status === 0 ? /statically linked/.test(r.stdout) : spawnSync('ldd', [p]).status !== 0) return p;
  }
  return null;
}

/** Why a real Docker Engine cannot be started here, or null when it can. */
export function dockerSkipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (dockerd needs root; run as root with docker.io installed)';
  if (!which('dockerd') || !which('docker')) return 'docker.io is not installed (apt-get install docker.io busybox-static)';
  if (!staticBusybox()) return 'no static busybox for the test image (apt-get install busybox-static)';
  if (!which('cc')) return 'no C compiler to build the static hog';
  if (!existsSync(join(V1_MEMORY, 'memory.oom_control')) && !existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'no memory cgroup';
  return null;
}

/** A root filesystem of static binaries (busybox and the hog) under dir/rootfs; returns its path. */
export function buildRootfs(dir: string): string {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'));
  copyFileSync(staticBusybox()!, join(rootfs, 'bin/busybox'));
  for (const l of ['sh', 'sleep', 'cat', 'echo', 'true']) symlinkSync('busybox', join(rootfs, 'bin', l));
  execFileSync('cc', ['-static', '-O2', '-o', join(rootfs, 'bin/hog'), DOCKER_HOG_SRC], { stdio: 'pipe' });
  return rootfs;
}

/** Unmount whatever a runtime left mounted under dir (after a crash), deepest first, then remove dir. */
export function removeRuntimeDir(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  rmSync(dir, { recursive: true, force: true });
}

export { staticBusybox, which };

export interface EngineResponse {
  status: number;
  body: string;
}

export class TestDocker {
  readonly dir: string;
  readonly socket: string;
  readonly host: string;
  private daemon: ChildProcess | null = null;
  private daemonExit: Promise<void> | null = null;

  private constructor() {
    this.dir = mkdtempSync('/tmp/oomtop-docker-');
    this.socket = join(this.dir, 'docker.sock');
    this.host = `unix://${this.socket}`;
  }

  /** Start dockerd and import the test image; rejects (after cleaning up) when it does not come up in 30 s. */
  static async start(): Promise<TestDocker> {
    const d = new TestDocker();
    try {
      await d.startDaemon();
      await d.importImage();
      return d;
    } catch (e) {
      await d.stop();
      throw e;
    }
  }

  private async startDaemon(): Promise<void> {
    const log = join(this.dir, 'dockerd.log');
    const args = [
      '-H', this.host,
      '--data-root', join(this.dir, 'root'),
      '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'dockerd.pid'),
      '--iptables=false', '--ip-masq=false', '--bridge=none',
      '--log-level', 'warn',
    ];
    const out = openSync(log, 'a');
    const child = spawn('dockerd', args, { stdio: ['ignore', out, out] });
    closeSync(out);
    this.daemon = child;
    this.daemonExit = new Promise((res) => child.once('exit', () => res()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}): ${readFileSync(log, 'utf8').slice(-2000)}`);
      }
      try {
        const r = await this.api('GET', '/_ping');
        if (r.status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`dockerd did not answer on ${this.socket} within 30 s: ${readFileSync(log, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async importImage(): Promise<void> {
    const rootfs = buildRootfs(this.dir);
    execFileSync('sh', ['-c', `tar -C "$1" -c . | docker -H "$2" import - ${IMAGE}`, 'sh', rootfs, this.host], { stdio: 'pipe' });
  }

  /** The docker CLI against this engine only (-H); rejects with stderr on failure. */
  docker(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    return new Promise((res, rej) => {
      execFile('docker', ['-H', this.host, ...args], { timeout: opts.timeoutMs ?? 60_000, env: { ...process.env, DOCKER_HOST: this.host } }, (err, stdout, stderr) => {
        if (err) rej(Object.assign(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`), { exitCode: typeof err.code === 'number' ? err.code : null }));
        else res(stdout);
      });
    });
  }

  /** `docker run -d` with the test image; returns the full container id. */
  async run(opts: { name?: string; memory?: string; labels?: Record<string, string>; extra?: string[] }, cmd: string[]): Promise<string> {
    const args = ['run', '-d'];
    if (opts.name) args.push('--name', opts.name);
    if (opts.memory) args.push('--memory', opts.memory, '--memory-swap', opts.memory);
    for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
    args.push(...(opts.extra ?? []), IMAGE, ...cmd);
    return (await this.docker(args)).trim();
  }

  async inspect(idOrName: string): Promise<Record<string, any>> {
    const r = await this.api('GET', `/containers/${encodeURIComponent(idOrName)}/json`);
    if (r.status !== 200) throw new Error(`inspect ${idOrName}: HTTP ${r.status} ${r.body}`);
    return JSON.parse(r.body) as Record<string, any>;
  }

  /** The container's memory cgroup path (relative to the v1 memory root), from its main process. */
  async memcgPath(idOrName: string): Promise<string> {
    const pid = (await this.inspect(idOrName)).State.Pid as number;
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:/.test(l) || l.startsWith('0::'));
    return line!.slice(line!.indexOf(':', line!.indexOf(':') + 1) + 1);
  }

  api(method: string, path: string, timeoutMs = 10_000): Promise<EngineResponse> {
    return new Promise((res, rej) => {
      const req = request({ socketPath: this.socket, path, method, timeout: timeoutMs, headers: { Host: 'docker' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', rej);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', rej);
      req.end();
    });
  }

  /** Remove every container of this engine, stop dockerd (by its PID) and remove the directory. */
  async stop(): Promise<void> {
    const child = this.daemon;
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        const ids = (await this.docker(['ps', '-aq', '--no-trunc'], { timeoutMs: 20_000 })).split('\n').filter(Boolean);
        if (ids.length > 0) await this.docker(['rm', '-f', '-v', ...ids], { timeoutMs: 60_000 });
      } catch {
        /* the daemon's shutdown stops them anyway */
      }
      child.kill('SIGTERM');
      const done = await Promise.race([this.daemonExit!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      if (!done) {
        child.kill('SIGKILL');
        await this.daemonExit;
      }
    }
    // dockerd unmounts its overlays on shutdown; a leftover mount (after a SIGKILL) would make rm fail.
    removeRuntimeDir(this.dir);
  }
}
