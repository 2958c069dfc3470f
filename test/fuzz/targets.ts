/**
 * Every parser and reader of outside input, as a fuzz target: its real samples
 * (test/fuzz/seeds.ts) mutated (test/fuzz/mutate.ts), and the properties it must hold.
 *
 * The list was made by grepping every exported parse/read/match function of src/proc,
 * src/cgroup, src/kernel, src/rules, src/containers, src/run and src/cli (see
 * README.md, "Hardening"); test/fuzz/coverage.test.ts fails
 * when a new exported parse* function appears that no target names.
 *
 * Properties, checked on every input:
 * - never throws (the CLI parsers throw only UsageError, with a one-line sanitized message;
 *   the container runtimes' JSON parsers only a SyntaxError or Error, which their callers catch);
 * - every number in a result is finite, and the result survives JSON (what --json prints);
 * - terminal text (analyze's report, rules problems, usage errors) holds nothing sanitize() would change;
 * - a mutated non-OOM kernel line never yields a kill; a kill report's comm is the kernel's;
 * - each input takes bounded time (the runner measures every call: test/fuzz/run.ts).
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCmdline, parseStat, parseStatus } from '../../src/proc/process.js';
import { parseKernelRelease, parseLoadavg, parseMeminfo, parsePressure, parseVmstatField } from '../../src/proc/system.js';
import { openFileLimit, ProcFiles } from '../../src/proc/handles.js';
import { parsePasswd } from '../../src/proc/users.js';
import { hierarchyFromMounts, hierarchyFromRoot, parseMountinfo } from '../../src/cgroup/mountinfo.js';
import { parseProcCgroup } from '../../src/cgroup/proccgroup.js';
import { parseBytesKiB, parseKeyed, parseLimitKiB, parseOomControl, parsePids } from '../../src/cgroup/parse.js';
import { readCgroupMemory } from '../../src/cgroup/memory.js';
import { containerLabel, recognizeContainer } from '../../src/cgroup/container.js';
import { KmsgSplitter, parseKmsgRecord, unescapeKmsg } from '../../src/kernel/kmsg.js';
import { normalizeLine, toLogLines } from '../../src/kernel/normalize.js';
import { OomLogParser, parseOomLog } from '../../src/kernel/parser.js';
import { summarize, recommend } from '../../src/kernel/analysis.js';
import { oomEventLines, renderHuman, renderJson } from '../../src/kernel/render.js';
import { parseProcessKey } from '../../src/kernel/oom.js';
import { messageLines, noMessagesReason } from '../../src/kernel/sources.js';
import { formatProblems, globToRegExp, parseRules } from '../../src/rules/parse.js';
import { unitOf } from '../../src/rules/match.js';
import { parseOptions, splitOptionWords } from '../../src/cli/options.js';
import { parseDuration, parseEtaWarn, parseIntFlag, parseMonitorArgs } from '../../src/cli/args.js';
import { parseGuardArgs } from '../../src/cli/guard-args.js';
import { parseRunArgs } from '../../src/cli/run-args.js';
import { parseRulesArgs } from '../../src/cli/rules.js';
import { parseProtectArgs } from '../../src/cli/protect.js';
import { parseExporterArgs } from '../../src/cli/exporter-args.js';
import { parseListen } from '../../src/cli/listen.js';
import { parseHistoryArgs, parseSince } from '../../src/cli/history-args.js';
import { parseOomdJournalJson, parseOomdLine, parseOomdLog, parseOomdMessage, parseOomdTextLine } from '../../src/kernel/oomd.js';
import { UsageError } from '../../src/cli/errors.js';
import { parseSizeSpec } from '../../src/run/budget.js';
import { parseTermFields } from '../../src/run/forward.js';
import { parseFilter } from '../../src/store/rows.js';
import { parseContainerList, parseEngineEvent, parseInspect } from '../../src/containers/engine.js';
import { parseCrictlPods, parseCrictlPs, parseDockerApi, parseDockerPs, parseKubectlPods, parsePodmanPs } from '../../src/containers/sources.js';
import { sanitize } from '../../src/text/sanitize.js';
import { blindMutation, mutated, mutation } from './mutate.js';
import { seeds } from './seeds.js';

const repo = resolve(import.meta.dirname, '../..');

export interface Target {
  name: string;
  /** Share of the total inputs (relative). */
  weight: number;
  /** The parsers exercised (for the report and the coverage check). */
  covers: string[];
  arb: () => fc.Arbitrary<unknown>;
  check: (input: never) => void;
  /** File writes a check needs (the reader targets), outside the timed part: a loaded box stalls them. */
  prepare?: (input: never) => void;
  /** Undo prepare, after the check (also untimed). */
  finish?: (input: never) => void;
  /** Once, after the target's runs. */
  cleanup?: () => void;
}

export class PropertyFailure extends Error {}

function fail(msg: string): never {
  throw new PropertyFailure(msg);
}

/** Every number finite, and the value survives JSON.stringify/parse unchanged in shape. */
export function assertJsonSafe(v: unknown, where = 'result'): void {
  const walk = (x: unknown, path: string, depth: number): void => {
    if (depth > 50) fail(`${where}: nested deeper than 50 at ${path}`);
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) fail(`${where}: non-finite number ${x} at ${path}`);
    } else if (typeof x === 'bigint') fail(`${where}: bigint at ${path}`);
    else if (x instanceof Map) for (const [k, y] of x) walk(y, `${path}[${String(k)}]`, depth + 1);
    else if (x instanceof RegExp) return;
    else if (Array.isArray(x)) x.forEach((y, i) => walk(y, `${path}[${i}]`, depth + 1));
    else if (x !== null && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, `${path}.${k}`, depth + 1);
  };
  walk(v, where, 0);
  const text = JSON.stringify(v, (_k, x) => (x instanceof Map ? Object.fromEntries(x) : x instanceof RegExp ? x.source : x));
  if (text !== undefined) JSON.parse(text);
}

/** Text for a terminal: nothing that sanitize() would rewrite (no ESC, CR, C1, bidi...). */
export function assertTerminalSafe(text: string, where: string, allowNewlines = false): void {
  const t = allowNewlines ? text.replaceAll('\n', '') : text;
  if (sanitize(t) !== t) fail(`${where}: unsanitized control characters in ${JSON.stringify(t.slice(0, 200))}`);
}

function usageOnly(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message === '') fail('UsageError without a message');
    if (e.message.includes('\n')) fail(`UsageError of several lines: ${JSON.stringify(e.message)}`);
    assertTerminalSafe(e.message, 'UsageError');
  }
}

/** The container runtimes' list parsers take JSON from a socket or a CLI: a bad answer is an Error with a message, caught by the caller. */
function errorOnly(fn: () => unknown): void {
  try {
    assertJsonSafe(fn());
  } catch (e) {
    if (e instanceof PropertyFailure) throw e;
    if (!(e instanceof Error) || e.message === '') throw e;
  }
}

const KILL_KINDS = new Set(['kill', 'group-kill']);

/** The kernel's /dev/kmsg escaping: bytes below 0x20, at or above 0x7f, and the backslash as \xNN. */
function kmsgEscape(bytes: Uint8Array): string {
  return [...bytes].map((b) => (b < 0x20 || b >= 0x7f || b === 0x5c ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b))).join('');
}

/** Options of every subcommand, from its spec table in the source (so a new flag is fuzzed too). */
function optionNames(): string[] {
  const names = new Set<string>();
  for (const f of readdirSync(join(repo, 'src/cli'))) {
    const src = readFileSync(join(repo, 'src/cli', f), 'utf8');
    for (const m of src.matchAll(/^\s+'?([a-z][a-z0-9-]*)'?: \{ type: '(?:string|boolean)'(?:, short: '(.)')?/gm)) {
      names.add(`--${m[1]}`);
      if (m[2]) names.add(`-${m[2]}`);
    }
  }
  return [...names];
}

const VALUES = ['0', '1', '-1', '-300', '0.5', '100ms', '2s', '1.5', '1e3', '999999999999999999999', 'NaN', '', ' ', 'max', '64M', '1G', '50%', '/', '/tmp/x', 'sshd', '^a$', '(', '*', 'rss', 'mem', 'all', '\u001b[2J', 'a\nb', '--', '-', '=', '--x=1'];

function argvArb(): fc.Arbitrary<string[]> {
  const flags = optionNames();
  const token = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...flags) },
    { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...flags), fc.constantFrom(...VALUES)).map(([f, v]) => `${f}=${v}`) },
    { weight: 2, arbitrary: mutated([...flags, ...VALUES], { maxMutations: 2 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  return fc.array(token, { maxLength: 10 });
}

function statWithComm(template: string, comm: string): string {
  const open = template.indexOf('(');
  const close = template.lastIndexOf(')');
  return `${template.slice(0, open + 1)}${comm}${template.slice(close)}`;
}

/** The first kill report of a real /dev/kmsg capture (header to oom_reaper), with its victim's comm. */
function kmsgReport(): { text: string; comm: string } {
  const log = readFileSync(join(repo, 'test/fixtures/kernel-logs/local-6.18-memcg-v1-multi.kmsg.log'), 'utf8').split('\n');
  const end = log.findIndex((l) => l.includes('Killed process'));
  return { text: log.slice(0, end + 1).join('\n') + '\n', comm: '(resolved) hog' };
}

export function targets(): Target[] {
  const s = seeds();
  const cgroupNames = [...s.cgroupFiles.keys()];
  const cgroupSamples = [...s.cgroupFiles.values()].flat();
  const logTexts = s.logs.map((l) => l.text);
  const logLines = [...new Set(logTexts.flatMap((t) => t.split('\n')))].filter((l) => l !== '');
  const kmsgLines = s.kmsg.map((r) => r.split('\n')[0]!).filter(Boolean);
  // Lines that are not part of any OOM report: this machine's kernel messages and the corpus's noise.
  const OOMISH = /oom|kill|memory|mem_cgroup|Tasks state|\[\s*pid\s*\]|reap|invoked|Mem-Info|Node \d|swap|pages|Free|active_|slab|unevictable|huge|^\S*\s*\[\s*\d+\]\s+\d+/i;
  const quiet = [...kmsgLines, ...logLines].filter((l) => !OOMISH.test(l) && parseOomLog(l).length === 0);
  const report = kmsgReport();
  const statTemplates = s.stat.filter((t) => parseStat(t) !== null);

  const tmp = mkdtempSync(join(tmpdir(), 'oomtop-fuzz-'));
  // statm and oom_score through the sampler's own byte parser, from a file held open and rewritten in place.
  mkdirSync(join(tmp, 'proc/4242'), { recursive: true });
  writeFileSync(join(tmp, 'proc/4242/statm'), s.statm[0]!);
  writeFileSync(join(tmp, 'proc/4242/oom_score'), s.oomScore[0]!);
  const files = new ProcFiles(join(tmp, 'proc'), { hold: true, maxFds: 8 });
  // Cgroup trees for the reader: the real v1 root's files copied, and the v2 fixture tree.
  const v1 = join(tmp, 'v1');
  mkdirSync(join(v1, 'memory/fz'), { recursive: true });
  const v1Names = ['memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.stat', 'memory.memsw.usage_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.oom_control', 'memory.failcnt', 'memory.swappiness', 'cgroup.procs'];
  for (const n of v1Names) {
    const t = s.cgroupFiles.get(n)?.[0] ?? '0\n';
    writeFileSync(join(v1, 'memory', n), t);
    writeFileSync(join(v1, 'memory/fz', n), t);
  }
  const v2 = join(tmp, 'v2');
  cpSync(join(repo, 'test/fixtures/cgroup/v2/sys/fs/cgroup'), v2, { recursive: true });
  const v2Dirs = readdirSync(v2, { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && d.name === 'memory.current').map((d) => d.parentPath ?? (d as unknown as { path: string }).path);
  const h1 = hierarchyFromRoot(v1);
  const h2 = hierarchyFromRoot(v2);
  if (!h1 || !h2) throw new Error(`fuzz setup: no cgroup hierarchy in ${tmp}`);

  const saved = new Map<string, string>();
  const cgroupReader = (h: NonNullable<typeof h1>, dirs: string[], names: string[]) => ({
    arb: () => fc.tuple(fc.constantFrom(...dirs), fc.constantFrom(...names), mutated(cgroupSamples)),
    prepare: ([dir, name, text]: [string, string, string]) => {
      const path = join(dir, name);
      saved.set(path, readFileSync(path, 'latin1'));
      writeFileSync(path, text, 'latin1');
    },
    check: ([dir, name]: [string, string, string]) => {
      const rel = dir === h.root ? '/' : dir.slice(h.root.length);
      const m = readCgroupMemory(h, rel, { pressure: true });
      assertJsonSafe(m, `readCgroupMemory(${name})`);
    },
    finish: ([dir, name]: [string, string, string]) => {
      const path = join(dir, name);
      writeFileSync(path, saved.get(path)!, 'latin1');
      saved.delete(path);
    },
  });

  const list: Target[] = [
    {
      name: 'proc stat',
      weight: 6,
      covers: ['parseStat', 'parseTermFields'],
      arb: () => mutated(s.stat),
      check: (t: string) => {
        const st = parseStat(t);
        assertJsonSafe(st, 'parseStat');
        if (st && (!Number.isInteger(st.pid) || st.state === '')) fail(`parseStat: pid ${st.pid} state ${JSON.stringify(st.state)}`);
        assertJsonSafe(parseTermFields(t), 'parseTermFields');
      },
    },
    {
      name: 'proc stat comm (any 1..15 bytes, as the kernel prints it)',
      weight: 3,
      covers: ['parseStat'],
      arb: () => fc.tuple(fc.constantFrom(...statTemplates), fc.uint8Array({ minLength: 1, maxLength: 15 }).filter((b) => !b.includes(0))),
      check: ([template, bytes]: [string, Uint8Array]) => {
        const comm = Buffer.from(bytes).toString('utf8');
        const st = parseStat(statWithComm(template, comm));
        if (st?.comm !== comm) fail(`parseStat comm ${JSON.stringify(st?.comm)} != ${JSON.stringify(comm)}`);
      },
    },
    {
      name: 'proc status',
      weight: 5,
      covers: ['parseStatus'],
      arb: () => mutated(s.status),
      check: (t: string) => {
        const st = parseStatus(t);
        assertJsonSafe(st, 'parseStatus');
      },
    },
    {
      name: 'proc cmdline',
      weight: 3,
      covers: ['parseCmdline'],
      arb: () => mutated(s.cmdline),
      check: (t: string) => {
        const c = parseCmdline(t);
        if (c.includes('\0')) fail('parseCmdline left a NUL');
      },
    },
    {
      name: 'proc statm and oom_score (the sampler byte parser, held descriptor)',
      weight: 5,
      covers: ['ProcFiles.statm', 'ProcFiles.oomScore'],
      arb: () => fc.tuple(fc.boolean(), mutated([...s.statm, ...s.oomScore])),
      prepare: ([statm, t]: [boolean, string]) => writeFileSync(join(tmp, 'proc/4242', statm ? 'statm' : 'oom_score'), t, 'latin1'),
      check: ([statm]: [boolean, string]) => {
        if (statm) {
          if (files.statm(4242)) assertJsonSafe(files.statmPages, 'statm');
        } else assertJsonSafe(files.oomScore(4242), 'oom_score');
        if (files.size !== 2 && files.size !== 1) fail(`held descriptors ${files.size}`);
      },
    },
    {
      name: 'proc limits',
      weight: 1,
      covers: ['openFileLimit'],
      arb: () => mutated(s.limits),
      check: (t: string) => assertJsonSafe(openFileLimit(t), 'openFileLimit'),
    },
    {
      name: 'proc meminfo',
      weight: 4,
      covers: ['parseMeminfo'],
      arb: () => mutated(s.meminfo),
      check: (t: string) => assertJsonSafe(parseMeminfo(t), 'parseMeminfo'),
    },
    {
      name: 'proc vmstat',
      weight: 3,
      covers: ['parseVmstatField'],
      arb: () => fc.tuple(mutated(s.vmstat), fc.constantFrom('oom_kill', 'pgmajfault', 'pswpin', 'pswpout', 'nr_free_pages')),
      check: ([t, f]: [string, string]) => assertJsonSafe(parseVmstatField(t, f), 'parseVmstatField'),
    },
    {
      name: 'proc pressure (and cgroup memory.pressure)',
      weight: 4,
      covers: ['parsePressure'],
      arb: () => mutated(s.pressure),
      check: (t: string) => assertJsonSafe(parsePressure(t), 'parsePressure'),
    },
    {
      name: 'proc loadavg, osrelease',
      weight: 2,
      covers: ['parseLoadavg', 'parseKernelRelease'],
      arb: () => mutated([...s.loadavg, ...s.osrelease]),
      check: (t: string) => {
        assertJsonSafe(parseLoadavg(t), 'parseLoadavg');
        assertJsonSafe(parseKernelRelease(t), 'parseKernelRelease');
      },
    },
    {
      name: 'passwd',
      weight: 1,
      covers: ['parsePasswd'],
      arb: () => mutated(s.passwd),
      check: (t: string) => assertJsonSafe(parsePasswd(t), 'parsePasswd'),
    },
    {
      name: 'mountinfo',
      weight: 3,
      covers: ['parseMountinfo', 'hierarchyFromMounts'],
      arb: () => mutated(s.mountinfo),
      check: (t: string) => {
        const mounts = parseMountinfo(t);
        assertJsonSafe(mounts, 'parseMountinfo');
        assertJsonSafe(hierarchyFromMounts(mounts, () => true), 'hierarchyFromMounts');
      },
    },
    {
      name: 'proc PID cgroup (v1 and v2), container recognition',
      weight: 4,
      covers: ['parseProcCgroup', 'recognizeContainer', 'containerLabel', 'unitOf'],
      arb: () => mutated([...s.procCgroup, ...s.cgroupPaths]),
      check: (t: string) => {
        for (const v of [1, 2] as const) {
          const p = parseProcCgroup(t, v);
          if (p !== null && p.includes('\n')) fail(`parseProcCgroup: a path with a newline ${JSON.stringify(p)}`);
          if (p !== null) {
            const c = recognizeContainer(p);
            assertJsonSafe(c, 'recognizeContainer');
            if (c) containerLabel(c);
            unitOf(p);
          }
        }
        assertJsonSafe(recognizeContainer(t), 'recognizeContainer');
      },
    },
    {
      name: 'cgroup files, every parser on every file (v1 real, v2/hybrid fixtures)',
      weight: 8,
      covers: ['parseLimitKiB', 'parseBytesKiB', 'parseKeyed', 'parsePids', 'parseOomControl', 'parsePressure'],
      arb: () => mutated(cgroupSamples),
      check: (t: string) => {
        for (const [name, fn] of [
          ['parseLimitKiB', parseLimitKiB],
          ['parseBytesKiB', parseBytesKiB],
          ['parseKeyed', parseKeyed],
          ['parsePids', parsePids],
          ['parseOomControl', parseOomControl],
          ['parsePressure', parsePressure],
        ] as const) {
          const r = (fn as (x: string) => unknown)(t);
          assertJsonSafe(r, name);
        }
        const pids = parsePids(t);
        if (pids.some((p) => !Number.isSafeInteger(p) || p <= 0)) fail(`parsePids: ${pids.slice(0, 5)}`);
      },
    },
    {
      name: 'cgroup v1 reader (readCgroupMemory over a copied tree, one file mutated)',
      weight: 3,
      covers: ['readCgroupMemory'],
      ...cgroupReader(h1, [join(v1, 'memory'), join(v1, 'memory/fz')], v1Names),
    },
    {
      name: 'cgroup v2 reader (readCgroupMemory over the v2 fixture tree, one file mutated)',
      weight: 3,
      covers: ['readCgroupMemory'],
      ...cgroupReader(h2, v2Dirs, ['memory.current', 'memory.max', 'memory.high', 'memory.swap.current', 'memory.swap.max', 'memory.stat', 'memory.events', 'memory.oom.group', 'memory.pressure']),
    },
    {
      name: 'kmsg records (this machine’s /dev/kmsg), splitter',
      weight: 6,
      covers: ['parseKmsgRecord', 'unescapeKmsg', 'KmsgSplitter', 'kmsgLogLine'],
      arb: () => fc.tuple(mutated(s.kmsg.length ? s.kmsg : kmsgLines), fc.integer({ min: 1, max: 64 })),
      check: ([t, chunk]: [string, number]) => {
        const rec = parseKmsgRecord(t);
        assertJsonSafe(rec, 'parseKmsgRecord');
        unescapeKmsg(t);
        const sp = new KmsgSplitter();
        const out: string[] = [];
        for (let i = 0; i < t.length; i += chunk) out.push(...sp.push(t.slice(i, i + chunk)));
        out.push(...sp.flush());
        for (const r of out) assertJsonSafe(parseKmsgRecord(r), 'parseKmsgRecord(split)');
      },
    },
    {
      name: 'log lines, every format (dmesg -T/-r/-x, journal, syslog, rsyslog #012, RFC 3339, kmsg)',
      weight: 8,
      covers: ['normalizeLine', 'toLogLines', 'messageLines', 'noMessagesReason'],
      arb: () => mutated(logLines),
      check: (t: string) => {
        assertJsonSafe(normalizeLine(t, { referenceDate: new Date('2026-12-01T00:00:00Z') }), 'normalizeLine');
        assertJsonSafe(toLogLines(t), 'toLogLines');
        messageLines(t);
        noMessagesReason(t, 1);
      },
    },
    {
      name: 'whole kernel logs: OOM parser, analyze report (human, JSON), event details',
      weight: 4,
      covers: ['parseOomLog', 'OomLogParser', 'summarize', 'recommend', 'renderHuman', 'renderJson', 'oomEventLines', 'parseProcessKey'],
      arb: () => mutated(logTexts),
      check: (t: string) => {
        const events = parseOomLog(t, { referenceDate: new Date('2026-12-01T00:00:00Z') });
        assertJsonSafe(events, 'parseOomLog');
        const summary = summarize(events);
        const r = { input: 'fuzz', events, summary, settings: null, recommendations: recommend(events, summary, null) };
        assertTerminalSafe(renderHuman(r), 'renderHuman', true);
        JSON.parse(renderJson(r));
        for (const ev of events) for (const l of oomEventLines(ev)) assertTerminalSafe(l, 'oomEventLines');
        parseProcessKey(t.slice(0, 40));
      },
    },
    {
      name: 'no invented kill: mutated non-OOM lines (this machine’s kmsg and the corpus’s noise)',
      weight: 4,
      covers: ['parseOomLog', 'OomLogParser'],
      arb: () => fc.array(mutated(quiet, { mutations: blindMutation, maxMutations: 3 }), { minLength: 1, maxLength: 30 }),
      check: (lines: string[]) => {
        const text = lines.join('\n');
        const kills = parseOomLog(text).filter((e) => KILL_KINDS.has(e.kind));
        if (kills.length) fail(`a kill from non-OOM lines: ${JSON.stringify(kills[0]!.victim)} in ${JSON.stringify(text.slice(0, 300))}`);
        const p = new OomLogParser();
        for (const l of lines) if (p.push(l).some((e) => KILL_KINDS.has(e.kind))) fail('streaming parser invented a kill');
      },
    },
    {
      name: 'comm is the kernel’s: a real kmsg kill report with any 1..15-byte name',
      weight: 3,
      covers: ['parseOomLog'],
      arb: () => fc.uint8Array({ minLength: 1, maxLength: 15 }).filter((b) => !b.includes(0)),
      check: (bytes: Uint8Array) => {
        // A function, not a string: "$$" in a replacement string means "$".
        const escaped = kmsgEscape(bytes);
        const text = report.text.replaceAll(report.comm, () => escaped);
        const comm = Buffer.from(bytes).toString('utf8');
        const kills = parseOomLog(text).filter((e) => KILL_KINDS.has(e.kind));
        if (kills.length !== 1) fail(`${kills.length} kills for name ${JSON.stringify(comm)}`);
        if (kills[0]!.victim?.comm !== comm) fail(`victim comm ${JSON.stringify(kills[0]!.victim?.comm)} != ${JSON.stringify(comm)}`);
        if (kills[0]!.victim?.pid !== 4787) fail(`victim pid ${kills[0]!.victim?.pid}`);
        for (const l of oomEventLines(kills[0]!)) assertTerminalSafe(l, 'oomEventLines');
      },
    },
    {
      name: 'rules file',
      weight: 3,
      covers: ['parseRules', 'formatProblems', 'globToRegExp'],
      arb: () => mutated(s.rules),
      check: (t: string) => {
        const r = parseRules(t);
        if (!r.ok) {
          if (r.problems.length === 0) fail('parseRules: not ok without a problem');
          for (const l of formatProblems('/etc/oomtop/rules.toml', r.problems)) assertTerminalSafe(l, 'rules problem');
          for (const p of r.problems) if (!Number.isInteger(p.line) || p.line < 1) fail(`problem line ${p.line}`);
        }
      },
    },
    {
      name: 'rules globs and filters typed by the user',
      weight: 1,
      covers: ['globToRegExp', 'parseFilter'],
      arb: () => mutated(['/usr/bin/*', '/opt/**/java', '/usr/lib/[a-z]?sql*', 'pid:42 user:root ssh', 'user:1000 /310']),
      check: (t: string) => {
        // A bad glob throws (an unclosed "[", a class out of order): its one caller, parseRules,
        // turns that into a PATH:LINE problem; the rules-file target checks that path.
        try {
          globToRegExp(t).test('/usr/bin/python3');
        } catch (e) {
          if (!(e instanceof Error) || e.message === '') throw e;
        }
        const r = parseRules(`[[rule]]\nname = "g"\nexe = ${JSON.stringify(t)}\nadj = 1\n`);
        if (!r.ok) for (const l of formatProblems('rules.toml', r.problems)) assertTerminalSafe(l, 'rules problem');
        assertJsonSafe(parseFilter(t), 'parseFilter');
      },
    },
    {
      name: 'command-line arguments, every subcommand',
      weight: 6,
      covers: ['parseOptions', 'parseMonitorArgs', 'parseGuardArgs', 'parseRunArgs', 'parseRulesArgs', 'parseProtectArgs', 'parseExporterArgs', 'parseListen', 'parseHistoryArgs', 'parseSince', 'parseDuration', 'parseEtaWarn', 'parseIntFlag', 'parseSizeSpec', 'splitOptionWords'],
      arb: () => argvArb(),
      check: (argv: string[]) => {
        usageOnly(() => parseMonitorArgs(argv, {}));
        usageOnly(() => parseGuardArgs(argv));
        usageOnly(() => parseRunArgs(argv));
        usageOnly(() => parseRulesArgs(argv));
        usageOnly(() => parseProtectArgs(argv));
        usageOnly(() => parseExporterArgs(argv));
        usageOnly(() => parseOptions(argv, { x: { type: 'string', number: true }, y: { type: 'boolean', short: 'y' } }, { positionals: true }));
        for (const a of argv.slice(0, 2)) {
          usageOnly(() => parseDuration('--interval', a, 100, 3600_000));
          usageOnly(() => parseEtaWarn(a));
          usageOnly(() => splitOptionWords(a));
          usageOnly(() => parseIntFlag('--adj-step', a, -1000, 1000));
          usageOnly(() => parseListen(a));
          usageOnly(() => parseSince(a));
          usageOnly(() => parseHistoryArgs({ history: a, 'history-max-mib': argv[1] }, { HOME: '/root' }));
          // Its error text reaches the terminal only inside a UsageError (run-args), which sanitizes.
          const sz = parseSizeSpec(a);
          if ('error' in sz) assertTerminalSafe(new UsageError(sz.error).message, 'parseSizeSpec');
          else assertJsonSafe(sz, 'parseSizeSpec');
        }
      },
    },
    {
      name: 'systemd-oomd kills: journal JSON records and text lines (a real guest kill), never from a quiet line',
      weight: 2,
      covers: ['parseOomdMessage', 'parseOomdJournalJson', 'parseOomdTextLine', 'parseOomdLine', 'parseOomdLog'],
      arb: () => fc.oneof(mutated(oomdSamples()), fc.constantFrom(...quiet).map((l) => `quiet\u0000${l}`)),
      check: (t: string) => {
        if (t.startsWith('quiet\u0000')) {
          const line = t.slice('quiet\u0000'.length);
          if (parseOomdLine(line) !== null || parseOomdLog(line).length > 0) fail(`a kill from a line that is no systemd-oomd kill: ${JSON.stringify(line)}`);
          return;
        }
        for (const line of t.split('\n')) {
          errorOnly(() => parseOomdJournalJson(line));
          errorOnly(() => parseOomdTextLine(line));
          errorOnly(() => parseOomdLine(line));
          errorOnly(() => parseOomdMessage(line, { oomd: true, manager: true, unit: line.slice(0, 40), time: 1 }));
        }
        errorOnly(() => parseOomdLog(t));
      },
    },
    {
      name: 'container runtimes: Engine API and CLI answers (recorded samples)',
      weight: 2,
      covers: ['parseContainerList', 'parseInspect', 'parseEngineEvent', 'parseDockerApi', 'parseDockerPs', 'parsePodmanPs', 'parseCrictlPs', 'parseCrictlPods', 'parseKubectlPods'],
      arb: () => mutated(containerSamples()),
      check: (t: string) => {
        for (const fn of [parseContainerList, parseInspect, parseDockerApi, parseDockerPs, parsePodmanPs, parseCrictlPs, parseCrictlPods, parseKubectlPods]) errorOnly(() => fn(t));
        assertJsonSafe(parseEngineEvent(t), 'parseEngineEvent');
      },
    },
  ];
  list[list.length - 1]!.cleanup = () => {
    files.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  return list;
}

/** systemd-oomd's records of a real kill in the systemd guest (journal JSON and short-iso text). */
function oomdSamples(): string[] {
  const dir = join(repo, 'test/fixtures/oomd');
  return readdirSync(dir).flatMap((f) => {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean);
    return [...lines, lines.join('\n')];
  });
}

/** Recorded runtime answers from the container tests' fixtures (JSON strings in the test files). */
function containerSamples(): string[] {
  const out: string[] = [];
  for (const f of ['engine.test.ts', 'names.test.ts']) {
    const src = readFileSync(join(repo, 'test/containers', f), 'utf8');
    for (const m of src.matchAll(/JSON\.stringify\(([\s\S]*?)\)\s*[,;)]/g)) out.push(m[1]!);
    for (const m of src.matchAll(/'(\{"[^'\n]*\}|\[\{"[^'\n]*\])'/g)) out.push(m[1]!);
  }
  out.push('[{"Id":"0123456789ab","Names":["/web"],"Labels":{"com.docker.compose.project":"p"}}]', '{"Id":"0123456789ab","Name":"/web","State":{"OOMKilled":true,"Pid":42}}', '{"status":"oom","id":"0123456789ab","Type":"container","Action":"oom","time":1,"timeNano":1,"Actor":{"Attributes":{"name":"web"}}}');
  return out;
}
