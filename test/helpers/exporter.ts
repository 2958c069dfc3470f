import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Poll an async getter until it returns something other than undefined. */
export async function pollFor<T>(get: () => Promise<T | undefined>, timeoutMs: number, what: string, pollMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * `oomtop exporter` (or `oomtop guard --listen`) from bin/oomtop.js on a loopback port the
 * kernel picks (--listen 127.0.0.1:0); the port comes from its "listening on" line.
 */
export class ExporterProcess {
  child: ChildProcess | null = null;
  stderr = '';
  stdout = '';
  url = '';
  exited: Promise<number | null> = Promise.resolve(null);

  async start(argv: string[], timeoutMs = 20_000): Promise<this> {
    const child = spawn(process.execPath, [resolve(repo, 'bin/oomtop.js'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /listening on (http:\/\/\S+)\/metrics/.exec(this.stderr + this.stdout);
      if (m) {
        this.url = m[1]!;
        return this;
      }
      if (child.exitCode !== null) throw new Error(`exporter exited ${child.exitCode}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`exporter did not listen in time: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** host:port, for a scrape config. */
  get target(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  async scrape(): Promise<string> {
    const r = await fetch(`${this.url}/metrics`);
    if (!r.ok) throw new Error(`scrape: HTTP ${r.status}`);
    return r.text();
  }

  async stop(): Promise<number | null> {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
    const t = setTimeout(() => {
      if (c && c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    }, 10_000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/** The value of one series in exposition text, or undefined (labels matched as a subset). */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = parseLabels(m[2] ?? '');
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** `{a="x",b="y\\"z"}` → { a: 'x', b: 'y"z' } (the exposition format's escapes undone). */
export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

/** contrib/grafana/oomtop.json, as the tests read it. */
interface Target {
  expr?: string;
  refId?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
  datasource: { type: string; uid: string };
}
export const dashboard = JSON.parse(readFileSync(join(repo, 'contrib/grafana/oomtop.json'), 'utf8')) as {
  title: string;
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; definition?: string }[] };
  annotations: { list: { expr?: string }[] };
};

/** Every PromQL expression of the dashboard: panel targets, annotations, variables. */
export function dashboardQueries(): string[] {
  return [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr!)),
    ...dashboard.annotations.list.flatMap((a) => (a.expr ? [a.expr] : [])),
    ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
  ];
}

