import { openForRead } from '../history/db.js';
import { buildReport, renderReport, reportJson, type ReportSeries } from '../history/report.js';
import { parseDuration } from './args.js';
import { UsageError } from './errors.js';
import { HISTORY_OPTIONS, parseHistoryArgs, parseSince } from './history-args.js';
import { parseOptions } from './options.js';

export const REPORT_USAGE = `Usage: oomtop report [--since SPAN] [--json] [--history PATH | --prometheus URL]

Leak suspects (processes whose memory grows steadily, keyed by PID and start time), the time
to exhaustion of the system (MemAvailable + free swap) and of each memory cgroup with a
limit (limit - working set), and a capacity plan (mean and peak use now and in 30 days,
days to 80 % and 90 % of RAM and of each limit, growth rate, a recommendation, a chart),
from the history that oomtop record wrote.

Options:
  --since SPAN          only the last SPAN: 30m, 1h, 7d, 2w (default: all of it)
  --json                JSON instead of text
  --history PATH        the history file (default as for oomtop record)
  --prometheus URL      read the exporter's series from Prometheus instead (query_range;
                        default --since 1d): a fleet's report, scopes named by instance
  --step SEC            with --prometheus: the query step (default: the range / 1100, at
                        least 15 s); as fine as the scrape interval, not finer
  -h, --help            this help
`;

const OPTIONS = {
  ...HISTORY_OPTIONS,
  since: { type: 'string' },
  prometheus: { type: 'string' },
  step: { type: 'string', number: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `oomtop report`: headless; better-sqlite3 is loaded here only. */
export async function run(argv: string[]): Promise<number> {
  const err = (s: string) => process.stderr.write(`oomtop report: ${s}\n`);
  let path: string;
  let sinceMs: number | null;
  let json: boolean;
  let prometheus: string | null = null;
  let step: number | null = null;
  try {
    const { values: v } = parseOptions(argv, OPTIONS);
    if (v.help) {
      process.stdout.write(REPORT_USAGE);
      return 0;
    }
    if (v['no-history']) throw new UsageError('--no-history: report reads the history');
    path = parseHistoryArgs(v).path!;
    sinceMs = v.since === undefined ? null : parseSince(v.since);
    json = v.json ?? false;
    if (v.prometheus !== undefined) {
      if (v.history !== undefined) throw new UsageError('--prometheus and --history: one source at a time');
      if (!/^https?:\/\/[^\s/]+/.test(v.prometheus)) throw new UsageError(`--prometheus: "${v.prometheus}" is not an http(s) URL (example: http://127.0.0.1:9090)`);
      prometheus = v.prometheus;
    }
    if (v.step !== undefined) {
      if (prometheus === null) throw new UsageError('--step is for --prometheus (the history file has its own tiers)');
      step = parseDuration('--step', v.step, 1000, 86_400_000) / 1000;
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(e.message);
    return 2;
  }
  let report;
  if (prometheus !== null) {
    try {
      const { prometheusSeries } = await import('../history/prometheus.js');
      const now = Date.now();
      const series: ReportSeries[] = await prometheusSeries(prometheus, now - (sinceMs ?? 86_400_000), now, fetch, step);
      if (series.length === 0) throw new Error(`Prometheus at ${prometheus} has no oomtop series in that span (is oomtop exporter scraped?)`);
      report = buildReport(series, prometheus);
    } catch (e) {
      err((e as Error).message);
      return 1;
    }
    process.stdout.write(json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : renderReport(report));
    return 0;
  }
  try {
    const db = await openForRead(path);
    try {
      const series = db.readSince(sinceMs === null ? 0 : Date.now() - sinceMs);
      report = buildReport(series, path);
    } finally {
      db.close();
    }
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
  process.stdout.write(json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : renderReport(report));
  return 0;
}
