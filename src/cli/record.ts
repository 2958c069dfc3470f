import { memcgResolver } from '../cgroup/resolve.js';
import { HistoryWriter } from '../history/recorder.js';
import { DEFAULT_SELECT } from '../history/select.js';
import { Sampler } from '../sampler/sampler.js';
import { parseDuration, parseIntFlag } from './args.js';
import { UsageError } from './errors.js';
import { HISTORY_OPTIONS, parseHistoryArgs } from './history-args.js';
import { parseOptions } from './options.js';

export const RECORD_USAGE = `Usage: oomtop record [options]

Records system memory, memory PSI, every memory cgroup with a limit, and the processes that
matter (the top N by risk and by growth, and every next victim) into the history, at the
sampling interval, until stopped (SIGINT, SIGTERM). Read it with oomtop report.

Options:
  --history PATH         the history file (default /var/lib/oomtop/history.db for root,
                         else $XDG_STATE_HOME/oomtop/history.db)
  --history-max-mib N    cap the file at N MiB, oldest points dropped first (default 64)
  -d, --interval DUR     sampling interval: 1 (s, default), 0.5, 250ms
  --top N                processes per ranking, risk and growth (default ${DEFAULT_SELECT.top})
  --duration DUR         stop after DUR (e.g. 60, 10s); default: run until stopped
  --proc-root DIR        read processes from DIR instead of /proc
  --cgroup-root DIR      read cgroups from DIR instead of the mounted hierarchy
  -h, --help             this help

Raw samples are kept for an hour, one-minute mean/min/max for a week, fifteen-minute ones
for a year. Each tick is one transaction (WAL): a crash loses at most the tick being written.
A corrupt or locked file is moved aside (PATH.bad-TIME) and a new one started.
`;

const OPTIONS = {
  ...HISTORY_OPTIONS,
  interval: { type: 'string', short: 'd', number: true },
  top: { type: 'string', number: true },
  duration: { type: 'string', number: true },
  'proc-root': { type: 'string' },
  'cgroup-root': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `oomtop record`: headless (no Ink, no React); better-sqlite3 is loaded here only. */
export async function run(argv: string[]): Promise<number> {
  const err = (s: string) => process.stderr.write(`oomtop record: ${s}\n`);
  let intervalMs: number;
  let durationMs: number | null;
  let top: number;
  let hist: ReturnType<typeof parseHistoryArgs>;
  let procRoot: string;
  let cgroupRoot: string | null;
  try {
    const { values: v } = parseOptions(argv, OPTIONS);
    if (v.help) {
      process.stdout.write(RECORD_USAGE);
      return 0;
    }
    if (v['no-history']) throw new UsageError('--no-history: record has nothing to do without a history');
    hist = parseHistoryArgs(v);
    intervalMs = v.interval === undefined ? 1000 : parseDuration('--interval', v.interval, 100, 3600_000);
    durationMs = v.duration === undefined ? null : parseDuration('--duration', v.duration, 100, 366 * 86_400_000);
    top = v.top === undefined ? DEFAULT_SELECT.top : parseIntFlag('--top', v.top, 1, 100_000);
    procRoot = v['proc-root'] ?? '/proc';
    cgroupRoot = v['cgroup-root'] ?? null;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(e.message);
    return 2;
  }
  let writer: HistoryWriter;
  try {
    writer = await HistoryWriter.open(hist.path!, hist.maxBytes, err, { ...DEFAULT_SELECT, top });
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
  const { memoryCgroupOf, hierarchy } = memcgResolver(procRoot, cgroupRoot);
  const sampler = new Sampler({ procRoot, memoryCgroupOf, hierarchy });
  process.stderr.write(`oomtop record: recording to ${hist.path} every ${intervalMs / 1000} s${durationMs === null ? '' : ` for ${durationMs / 1000} s`}\n`);
  const started = Date.now();
  return await new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const stop = () => {
      if (timer) clearTimeout(timer);
      sampler.close();
      writer.close();
      for (const s of signals) process.off(s, stop);
      resolve(0);
    };
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const s of signals) process.on(s, stop);
    const tick = () => {
      const t0 = Date.now();
      writer.record(sampler.sample());
      if (durationMs !== null && Date.now() - started >= durationMs) return stop();
      timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - t0)));
    };
    tick();
  });
}
