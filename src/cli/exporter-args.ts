/**
 * `oomtop exporter` options (and the `--listen ADDR:PORT` the guard shares), in the parser
 * style of every subcommand (options.ts): a bad option or value is a one-line UsageError.
 */
import { isIP } from 'node:net';
import { UsageError } from './errors.js';
import { parseOptions, type OptionSpecs } from './options.js';

/**
 * The exporter's default port. 9100-9999 (the Prometheus default-port-allocations range) is
 * fully allocated; this one lies above it (see README, "Fleet").
 */
export const DEFAULT_PORT = 10173;
export const DEFAULT_HOST = '127.0.0.1';

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
  --interval SEC          a scrape within SEC of the last sample reuses it; with --textfile, how
                          often the file is written (default 5)
  --no-kernel-log         do not follow the kernel log (no oomtop_kernel_oom_kills_total)
  --proc-root DIR --cgroup-root DIR
`;

export interface ListenAddress {
  host: string;
  port: number;
}

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
} as const satisfies OptionSpecs;

/** "127.0.0.1:10173", "[::1]:10173", "0.0.0.0:10173", "localhost:0". */
export function parseListen(v: string, option = '--listen'): ListenAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(v);
  if (!m) throw new UsageError(`${option}: "${v}" is not ADDR:PORT (e.g. ${DEFAULT_HOST}:${DEFAULT_PORT}, [::1]:${DEFAULT_PORT})`);
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`${option}: port ${port} is out of range (0..65535)`);
  if (host === '') throw new UsageError(`${option}: no address in "${v}": give ${DEFAULT_HOST}:${port} for loopback, or 0.0.0.0:${port} to listen on every address`);
  if (m[1] !== undefined && isIP(host) !== 6) throw new UsageError(`${option}: "${host}" is not an IPv6 address`);
  if (m[2] !== undefined && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    throw new UsageError(`${option}: "${host}" is not an address or host name`);
  }
  return { host, port };
}

function int(name: string, v: string | undefined, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`--${name}: "${v}" is not a whole number`);
  if (n < min || n > max) throw new UsageError(`--${name}: ${v} is out of range (${min}..${max})`);
  return n;
}

export function parseExporterArgs(argv: string[]): ExporterArgs {
  const { values } = parseOptions(argv, EXPORTER_OPTIONS);
  const textfile = values.textfile ?? null;
  if (textfile !== null && textfile.trim() === '') throw new UsageError('--textfile: empty path');
  if (values.once && textfile === null) throw new UsageError('--once needs --textfile');
  if (values.once && values.listen !== undefined) throw new UsageError('--once writes the textfile and exits: it cannot serve --listen');
  const listen = values.listen !== undefined ? parseListen(values.listen) : textfile === null ? { host: DEFAULT_HOST, port: DEFAULT_PORT } : null;
  let intervalMs = 5000;
  if (values.interval !== undefined) {
    const n = Number(values.interval);
    if (values.interval.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--interval: "${values.interval}" is not a number of seconds`);
    if (n < 0.05 || n > 3600) throw new UsageError(`--interval: ${values.interval} is out of range (0.05..3600 s)`);
    intervalMs = Math.round(n * 1000);
  }
  return {
    help: values.help === true,
    listen,
    textfile,
    once: values.once === true,
    top: int('top', values.top, 0, 10_000, 20),
    maxCgroups: int('max-cgroups', values['max-cgroups'], 0, 100_000, 100),
    intervalMs,
    kernelLog: values['no-kernel-log'] !== true,
    procRoot: values['proc-root'] ?? '/proc',
    cgroupRoot: values['cgroup-root'] ?? null,
  };
}
