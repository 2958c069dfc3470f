/**
 * `oomtop analyze [FILE|-] [--json] [--proc-root DIR]`: explain the OOM kills in a log
 * file, stdin, or (by default) the kernel log buffer.
 * Exit codes: 0 ok, 1 runtime error (unreadable or unusable input), 2 usage error.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { dockerHost } from '../containers/engine.js';
import { containersOfKills } from '../containers/kills.js';
import { explainSettings, logOrigin, recommend, summarize } from '../kernel/analysis.js';
import { bootTimeMs } from '../kernel/clock.js';
import { KernelLogUnreadable, readKernelLog } from '../kernel/history.js';
import { OomLogParser } from '../kernel/parser.js';
import { renderHuman, renderJson, type AnalysisResult } from '../kernel/render.js';
import type { OomEvent } from '../kernel/types.js';
import { parseOomdLine, type OomdKill } from '../kernel/oomd.js';
import { readOomdJournal } from '../kernel/oomd-follow.js';
import { systemdRuns } from '../systemd/host.js';
import { readMeminfo, readOomSettings } from '../proc/system.js';
import { sanitize } from '../text/sanitize.js';
import { UsageError } from './errors.js';
import { parseOptions, type OptionSpecs } from './options.js';

export interface AnalyzeIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin: AsyncIterable<Buffer | string>;
}

const USAGE = `Usage: oomtop analyze [FILE|-] [--json] [--proc-root DIR]

Explain the out-of-memory kills in a kernel log: dmesg, dmesg -T, journalctl,
/var/log/messages or kern.log, raw /dev/kmsg, or any mix of them. systemd-oomd's kills
are listed too: from the file when it holds them, else (under systemd) from this boot's
journal.

  FILE             log file to read; "-" reads stdin; default: the kernel log buffer
                   (/dev/kmsg, else dmesg, else journalctl -k)
  --json           machine-readable output
  --proc-root DIR  where to read the OOM settings from (default /proc)
  -h, --help       this help
`;

class InputError extends Error {}

/** Feed chunks to the parser line by line; rejects binary input early. */
async function parseChunks(chunks: AsyncIterable<Buffer | string>, parser: OomLogParser, label: string, oomd: OomdKill[] = []): Promise<OomEvent[]> {
  const push = (line: string) => {
    const k = parseOomdLine(line);
    if (k) oomd.push(k);
    return parser.push(line);
  };
  const events: OomEvent[] = [];
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let bytes = 0;
  let checked = false;
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    if (!checked) {
      checked = true;
      const head = chunk.subarray(0, 8192);
      const nul = head.includes(0);
      const text = head.toString('utf8');
      const bad = (text.match(/\ufffd/g) ?? []).length;
      // eslint-disable-next-line no-control-regex
      const ctl = (text.match(/[\u0001-\u0008\u000e-\u001a\u001c-\u001f]/g) ?? []).length;
      if (nul || bad + ctl > Math.max(8, text.length * 0.05)) {
        throw new InputError(`${label} does not look like a text log (binary data)`);
      }
    }
    bytes += chunk.length;
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) events.push(...push(line));
  }
  rest += decoder.decode();
  if (rest) events.push(...push(rest));
  events.push(...parser.flush());
  if (bytes === 0) throw new InputError(`${label} is empty`);
  return events;
}

async function fromFile(path: string, parser: OomLogParser, oomd: OomdKill[]): Promise<OomEvent[]> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? `${path}: no such file` : code === 'EACCES' ? `${path}: permission denied` : `${path}: cannot read (${code ?? 'error'})`,
    );
  }
  if (st.isDirectory()) throw new InputError(`${path} is a directory, not a log file`);
  const stream = createReadStream(path);
  try {
    return await parseChunks(stream, parser, path, oomd);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read (${code === 'EACCES' ? 'permission denied' : (code ?? String(e))})`);
  } finally {
    stream.destroy();
  }
}

const ANALYZE_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'proc-root': { type: 'string' },
} as const satisfies OptionSpecs;

export async function run(argv: string[], io: AnalyzeIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseOptions(argv, ANALYZE_OPTIONS, { positionals: true }));
    if (positionals.length > 1) throw new UsageError(`one input at most (got ${positionals.length})`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    // One line, as for every subcommand; the usage is one --help away.
    io.stderr.write(`oomtop analyze: ${e.message} (see oomtop analyze --help)\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const procRoot = values['proc-root'] ?? '/proc';
  const target = positionals[0];

  let events: OomEvent[];
  let input: string;
  // systemd-oomd's kills: from the file or stdin when they are in it, else from this boot's journal.
  let oomd: OomdKill[] = [];
  try {
    if (target === undefined) {
      const dump = await readKernelLog({ procRoot });
      input = `the kernel log (${dump.source})`;
      const parser = new OomLogParser({ bootTimeMs: dump.source === 'journalctl' ? null : bootTimeMs() });
      events = dump.lines.flatMap((l) => parser.pushLogLine(l));
      events.push(...parser.flush());
      if (systemdRuns()) oomd = readOomdJournal() ?? [];
    } else if (target === '-') {
      input = 'stdin';
      events = await parseChunks(io.stdin, new OomLogParser(), 'stdin', oomd);
    } else {
      input = target;
      events = await fromFile(target, new OomLogParser(), oomd);
    }
  } catch (e) {
    if (e instanceof InputError || e instanceof KernelLogUnreadable) {
      io.stderr.write(`oomtop analyze: ${sanitize(e.message)}\n`);
      return 1;
    }
    io.stderr.write(`oomtop analyze: ${sanitize(String((e as Error)?.message ?? e))}\n`);
    return 1;
  }

  const summary = summarize(events);
  const settings = explainSettings(readOomSettings(procRoot), readMeminfo(procRoot));
  const origin = logOrigin(events, { kernelBuffer: target === undefined, hostname: hostname() });
  // Kills inside containers: named by the runtime (Docker Engine over DOCKER_HOST's socket) when
  // the log is this machine's; the Engine's oom event and OOMKilled state are a second witness.
  const mine = origin?.thisMachine !== false;
  const containers = await containersOfKills(
    events.map((e) => {
      const t = e.time ? Date.parse(e.time) : NaN;
      return { memcgPath: e.memcg?.taskMemcg ?? e.memcg?.oomMemcg ?? null, timeMs: Number.isFinite(t) ? t : null };
    }),
    mine ? (dockerHost().socket ?? null) : null,
  );
  const result: AnalysisResult = {
    input,
    events,
    summary,
    settings,
    origin,
    recommendations: recommend(events, summary, settings, origin),
    containers: containers.some((c) => c !== null) ? containers : undefined,
    oomd: oomd.length > 0 ? oomd : undefined,
  };
  io.stdout.write(values.json ? renderJson(result) : renderHuman(result));
  return 0;
}
