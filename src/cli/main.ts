import { readFileSync } from 'node:fs';
import { parseMonitorArgs } from './args.js';
import { EXIT_RUNTIME, EXIT_USAGE, UsageError } from './errors.js';
import { HELP_TEXT } from './help.js';
import { watchOutput } from './output.js';

export { exitWhenFlushed } from './output.js';

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** oomtop's entry: subcommands are loaded on demand so `guard` and `run` never load Ink or React. */
export async function main(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s);
  // A failed write is reported when oomtop exits (exitWhenFlushed), never a crash.
  watchOutput();
  try {
    const [sub, ...rest] = argv;
    if (sub === 'analyze') return await (await import('./analyze.js')).run(rest);
    // Soak runs measure the long-running headless commands from inside (OOMTOP_STATS=PATH).
    if ((sub === 'guard' || sub === 'exporter' || sub === 'record') && process.env.OOMTOP_STATS) (await import('./self-stats.js')).startSelfStats(process.env.OOMTOP_STATS);
    if (sub === 'guard') return await (await import('./guard.js')).run(rest);
    if (sub === 'run') return await (await import('./run.js')).run(rest);
    if (sub === 'rules') return await (await import('./rules.js')).run(rest);
    if (sub === 'protect') return await (await import('./protect.js')).run(rest);
    if (sub === 'exporter') return await (await import('./exporter.js')).run(rest);
    if (sub === 'record') return await (await import('./record.js')).run(rest);
    if (sub === 'report') return await (await import('./report.js')).run(rest);
    if (sub !== undefined && !sub.startsWith('-')) throw new UsageError(`unknown command "${sub}" (commands: analyze, guard, run, rules, protect, exporter, record, report; see --help)`);
    const args = parseMonitorArgs(argv);
    if (args.help) {
      out(HELP_TEXT);
      return 0;
    }
    if (args.version) {
      out(`oomtop ${packageVersion()}\n`);
      return 0;
    }
    const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY);
    if (args.once || args.json || !tty) {
      if (args.rulesPath !== null) throw new UsageError('--rules is for the live monitor; for one pass use oomtop rules apply PATH');
      if (args.history !== null) throw new UsageError('--history is for the live monitor; headless, use oomtop record --history PATH');
      return await (await import('./once.js')).runOnce(args, out);
    }
    // Ink draws no live frames when it believes it runs in CI (is-in-ci reads CI and
    // CONTINUOUS_INTEGRATION once, at import). Both ends are a terminal here: it is not CI.
    delete process.env['CI'];
    delete process.env['CONTINUOUS_INTEGRATION'];
    // React's production build, set before Ink (and React) load: the development build
    // costs about a third more CPU and keeps memory growing (measured in bench/).
    process.env['NODE_ENV'] = 'production';
    return await (await withoutLazyFetch(() => import('./tui.js'))).runTui(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`oomtop: ${e.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`oomtop: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_RUNTIME;
  }
}

/**
 * yoga-layout's WASM loader (evaluated with Ink) asks `typeof fetch`, and Node's global
 * fetch is a lazy getter that loads undici first: about 50 ms of CPU before the first
 * frame (measured with --cpu-prof), only for the loader to fetch a data: URL it decodes
 * itself without fetch. The global is hidden while the TUI's modules load and put back
 * as it was afterwards.
 */
async function withoutLazyFetch<T>(load: () => Promise<T>): Promise<T> {
  const d = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (d === undefined || d.configurable !== true) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, writable: true, configurable: true, enumerable: d.enumerable ?? false });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', d);
  }
}
