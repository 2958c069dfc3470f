import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's `prometheus` package brings both; .ci/run installs it. */
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
export const promtoolSkipReason: string | null = has('promtool') ? null : 'promtool not installed (Debian package prometheus; .ci/run installs it)';
export const prometheusSkipReason: string | null = has('prometheus') ? null : 'prometheus not installed (Debian package prometheus; .ci/run installs it)';

export function promtool(args: string[], input?: string, cwd?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { input, cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A free loopback port (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A real Prometheus on loopback with a private storage dir, scraping `targets` every second. */
export class TestPrometheus {
  readonly dir = mkdtempSync(join(tmpdir(), 'oomtop-prom-'));
  private child: ChildProcess | null = null;
  port = 0;
  log = '';

  async start(opts: { targets: string[]; job?: string; rules?: string }): Promise<void> {
    this.port = await freePort();
    const rulesPath = join(this.dir, 'rules.yml');
    if (opts.rules) writeFileSync(rulesPath, opts.rules);
    writeFileSync(
      join(this.dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        ...(opts.rules ? ['rule_files:', `  - ${rulesPath}`] : []),
        'scrape_configs:',
        `  - job_name: ${opts.job ?? 'oomtop'}`,
        '    static_configs:',
        `      - targets: [${opts.targets.map((t) => `'${t}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    this.child = spawn(
      'prometheus',
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--storage.tsdb.retention.time=1h',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr!.on('data', (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
    });
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`prometheus exited: ${this.log}`);
      try {
        const r = await fetch(`${this.url}/-/ready`);
        if (r.ok) return;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`prometheus not ready in 30 s: ${this.log}`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async api<T = unknown>(path: string): Promise<T> {
    const r = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  }

  async query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const d = await this.api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`query?query=${encodeURIComponent(q)}`);
    return d.result;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null && c.pid) {
      const gone = new Promise((r) => c.once('exit', r));
      process.kill(c.pid, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
