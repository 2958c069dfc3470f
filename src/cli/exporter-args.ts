/**
 * `oomtop exporter` options (`--listen` itself is in listen.ts, shared with the guard), in the parser
 * style of every subcommand (options.ts): a bad option or value is a one-line UsageError.
 */
import { parseDuration, parseIntFlag } from './args.js';
import { UsageError } from './errors.js';
import { parseOptions, type OptionSpecs } from './options.js';
import { DEFAULT_HOST, DEFAULT_PORT, parseListen, type ListenAddress } from './listen.js';

export { DEFAULT_HOST, DEFAULT_PORT, parseListen, type ListenAddress };

export const EXPORTER_USAGE = `Usage: oomtop exporter [options]
Serves oomtop's view as Prometheus metrics: the kernel's next victims, per-cgroup headroom,
pressure, and the OOM kills in the kernel log.

  --listen ADDR:PORT      serve /metrics, / and /healthz (default ${DEFAULT_HOST}:${DEFAULT_PORT}, loopback;
                          any other address must be given, e.g. 0.0.0.0:${DEFAULT_PORT} or [::]:${DEFAULT_PORT};
                          port 0 picks a free one, printed at start)
  --textfile PATH         write the metrics to PATH (temp file + rename) every --interval, for
                          node_exporter's textfile collector; without --listen, no port is opened
  --once                  with --textfile: write once and exit
  --top N                 processes exported, most at risk first, besides the victims (default 20)
  --max-cgroups N         limited cgroups exported, least headroom first (default 100); the rest
                          are counted in oomtop_exporter_cgroups_dropped
  --interval SEC          a scrape within SEC (or e.g. 250ms) of the last sample reuses it;
                          with --textfile, how often the file is written (default 5)
  --no-kernel-log         do not follow the kernel log (no oomtop_kernel_oom_kills_total)
  --history PATH          also record every second into PATH, as oomtop record does (read it
                          with oomtop report --history PATH)
  --history-max-mib N     cap that file at N MiB (default 64)
  --no-history            do not record (the default; said explicitly)
  --proc-root DIR --cgroup-root DIR
`;


export interface ExporterArgs {
  help: boolean;
  listen: ListenAddress | null;
  textfile: string | null;
  once: boolean;
  top: number;
  maxCgroups: number;
  intervalMs: number;
  kernelLog: boolean;
  procRoot: string;
  cgroupRoot: string | null;
  /** --history PATH: record beside the exporter (src/cli/history-beside.ts); null: not recording. */
  history: { path: string; maxBytes: number } | null;
}

const EXPORTER_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  listen: { type: 'string' },
  textfile: { type: 'string' },
  once: { type: 'boolean' },
  top: { type: 'string', number: true },
  'max-cgroups': { type: 'string', number: true },
  interval: { type: 'string', number: true },
  'no-kernel-log': { type: 'boolean' },
  'proc-root': { type: 'string' },
  'cgroup-root': { type: 'string' },
  // The history flags as src/cli/history-args.ts spells them (not imported: that module
  // names the history's default path, and the exporter records only into a PATH it is given).
  history: { type: 'string' },
  'no-history': { type: 'boolean' },
  'history-max-mib': { type: 'string', number: true },
} as const satisfies OptionSpecs;

export function parseExporterArgs(argv: string[]): ExporterArgs {
  const { values } = parseOptions(argv, EXPORTER_OPTIONS);
  const textfile = values.textfile ?? null;
  if (textfile !== null && textfile.trim() === '') throw new UsageError('--textfile: empty path');
  if (values.once && textfile === null) throw new UsageError('--once needs --textfile');
  if (values.once && values.listen !== undefined) throw new UsageError('--once writes the textfile and exits: it cannot serve --listen');
  const listen = values.listen !== undefined ? parseListen(values.listen) : textfile === null ? { host: DEFAULT_HOST, port: DEFAULT_PORT } : null;
  const intervalMs = values.interval === undefined ? 5000 : parseDuration('--interval', values.interval, 50, 3600_000);
  const int = (flag: string, v: string | undefined, max: number, dflt: number) => (v === undefined ? dflt : parseIntFlag(flag, v, 0, max));
  const historyPath = values.history;
  if (historyPath !== undefined && values['no-history']) throw new UsageError('--history and --no-history contradict each other');
  if (historyPath !== undefined && historyPath.trim() === '') throw new UsageError('--history: empty path');
  if (values['history-max-mib'] !== undefined && historyPath === undefined) throw new UsageError('--history-max-mib needs --history PATH');
  if (historyPath !== undefined && values.once) throw new UsageError('--once writes the textfile and exits: it records no --history (use oomtop record)');
  const historyMiB = values['history-max-mib'] === undefined ? 64 : parseIntFlag('--history-max-mib', values['history-max-mib'], 1, 1_048_576);
  return {
    help: values.help === true,
    listen,
    textfile,
    once: values.once === true,
    top: int('--top', values.top, 10_000, 20),
    maxCgroups: int('--max-cgroups', values['max-cgroups'], 100_000, 100),
    intervalMs,
    kernelLog: values['no-kernel-log'] !== true,
    procRoot: values['proc-root'] ?? '/proc',
    cgroupRoot: values['cgroup-root'] ?? null,
    history: historyPath === undefined ? null : { path: historyPath, maxBytes: historyMiB * 1024 * 1024 },
  };
}
