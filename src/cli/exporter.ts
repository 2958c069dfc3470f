import type { Server } from 'node:http';
import { Exporter } from '../exporter/exporter.js';
import { serve, writeTextfile } from '../exporter/server.js';
import { UsageError } from './errors.js';
import { EXPORTER_USAGE, parseExporterArgs, type ExporterArgs } from './exporter-args.js';

const say = (s: string) => process.stderr.write(`oomtop exporter: ${s}\n`);

export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
}

/**
 * `oomtop exporter`: Prometheus metrics over HTTP and/or a textfile for node_exporter.
 * Headless (no Ink, no React). Exit codes: 0 stopped by a signal, 1 runtime failure, 2 bad options.
 */
export async function run(argv: string[]): Promise<number> {
  let args: ExporterArgs;
  try {
    args = parseExporterArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(e.message);
    return 2;
  }
  if (args.help) {
    process.stdout.write(EXPORTER_USAGE);
    return 0;
  }
  const exporter = new Exporter({
    procRoot: args.procRoot,
    cgroupRoot: args.cgroupRoot,
    top: args.top,
    maxCgroups: args.maxCgroups,
    intervalMs: args.intervalMs,
    kernelLog: args.kernelLog && !args.once,
  });
  const writeFile = async () => {
    if (args.textfile === null) return;
    try {
      writeTextfile(args.textfile, await exporter.scrape());
    } catch (e) {
      say(`cannot write ${args.textfile}: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  };
  if (args.once) {
    try {
      await writeFile();
      for (const w of exporter.warnings()) say(w);
      return 0;
    } catch {
      return 1;
    } finally {
      exporter.stop();
    }
  }

  // A first sample now: its warnings (hidepid, no /proc) are told at start, and the first
  // scrape finds the full read of every process already done.
  try {
    exporter.refresh();
  } catch (e) {
    exporter.stop();
    say(`cannot sample ${args.procRoot}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  let server: Server | null = null;
  if (args.listen) {
    try {
      server = await serve(exporter, args.listen, (e) => say(`scrape failed: ${e instanceof Error ? e.message : String(e)}`));
    } catch (e) {
      exporter.stop();
      say(`cannot listen on ${args.listen.host}:${args.listen.port}: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
    const a = server.address();
    const port = a !== null && typeof a === 'object' ? a.port : args.listen.port;
    say(`listening on ${urlOf(args.listen.host, port)}`);
  }
  let timer: NodeJS.Timeout | null = null;
  let failed = false;
  if (args.textfile !== null) {
    try {
      await writeFile();
    } catch {
      server?.close();
      exporter.stop();
      return 1;
    }
    say(`writing ${args.textfile} every ${args.intervalMs / 1000} s`);
    timer = setInterval(() => void writeFile().catch(() => (failed = true)), args.intervalMs);
  }
  for (const w of exporter.warnings()) say(w);
  // --history: recorded beside the exporter on its own 1 s timer (loaded only then: SQLite).
  // A file that cannot be used is told and the exporter goes on serving.
  let history: { stop(): void } | null = null;
  if (args.history !== null) {
    try {
      const { startHistory } = await import('./history-beside.js');
      history = await startHistory({ ...args.history, procRoot: args.procRoot, cgroupRoot: args.cgroupRoot, onNotice: say });
      say(`recording to ${args.history.path} every 1 s (oomtop report --history ${args.history.path})`);
    } catch (e) {
      say(`history: not recording: ${(e as Error).message}`);
    }
  }

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(s, stop);
  });
  if (timer) clearInterval(timer);
  history?.stop();
  if (server) {
    const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
  exporter.stop();
  return failed ? 1 : 0;
}
