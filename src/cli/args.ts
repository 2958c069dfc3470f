import { DEFAULT_CONFIG, type AppConfig } from '../config.js';
import { SORT_KEYS, type SortKey } from '../store/rows.js';
import { UsageError } from './errors.js';
import { parseOptions, splitOptionWords, type OptionSpecs } from './options.js';
import { parseHistoryArgs, type HistoryArgs } from './history-args.js';

export interface MonitorArgs {
  config: AppConfig;
  once: boolean;
  json: boolean;
  top: number | null;
  sort: SortKey;
  inverted: boolean;
  filter: string;
  help: boolean;
  version: boolean;
  /** Options for the TUI's guard (`g`), as `oomtop guard` takes them. */
  guardArgs: string[];
  /** --rules PATH: the rules file applied to new processes while the monitor runs. */
  rulesPath: string | null;
  /** --history PATH: record while the monitor runs (as oomtop record does); null: not recording. */
  history: HistoryArgs | null;
}

/** "1", "0.5", "250ms", "2s" → milliseconds. A negative one is out of range, not "not a duration". */
export function parseDuration(flag: string, text: string, minMs: number, maxMs: number): number {
  const m = /^([+-]?\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a duration (examples: 1, 0.5, 250ms)`);
  const ms = m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000;
  if (ms < minMs || ms > maxMs) throw new UsageError(`${flag}: ${text} is out of range (${minMs} ms to ${maxMs / 1000} s)`);
  return Math.round(ms);
}

/** --eta-warn: "15m", "900" or "900s", "1h"; 0 never warns. */
export function parseEtaWarn(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--eta-warn: "${text}" is not a duration (examples: 15m, 900, 90s, 1h; 0: never)`);
  const s = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  if (s > 7 * 86_400) throw new UsageError(`--eta-warn: ${text} is out of range (0 to 7 days)`);
  return Math.round(s);
}

export function parseIntFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(text.trim())) throw new UsageError(`${flag}: "${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag}: ${n} is out of range (${min}..${max})`);
  return n;
}

function rulesPath(path: string | undefined, readOnly: boolean): string | null {
  if (path === undefined) return null;
  if (path.trim() === '') throw new UsageError('--rules: empty path');
  if (readOnly) throw new UsageError('--rules changes oom_score_adj: not with --read-only (oomtop rules check PATH shows what it would match)');
  return path;
}

const MONITOR_OPTIONS = {
  once: { type: 'boolean' },
  json: { type: 'boolean' },
  top: { type: 'string', number: true },
  sort: { type: 'string' },
  invert: { type: 'boolean' },
  filter: { type: 'string' },
  interval: { type: 'string', short: 'd', number: true },
  'proc-root': { type: 'string' },
  'cgroup-root': { type: 'string' },
  kmsg: { type: 'string' },
  'read-only': { type: 'boolean' },
  'adj-step': { type: 'string', number: true },
  'protect-adj': { type: 'string', number: true },
  'expendable-adj': { type: 'string', number: true },
  'kill-grace': { type: 'string', number: true },
  'kill-escalation': { type: 'string' },
  'eta-warn': { type: 'string', number: true },
  'no-color': { type: 'boolean' },
  'guard-opts': { type: 'string', options: true },
  rules: { type: 'string' },
  // The history flags (src/cli/history-args.ts), spelled out here: that module imports this one.
  history: { type: 'string' },
  'no-history': { type: 'boolean' },
  'history-max-mib': { type: 'string', number: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies OptionSpecs;

export function parseMonitorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): MonitorArgs {
  const v = parseOptions(argv, MONITOR_OPTIONS).values;
  const config: AppConfig = { ...DEFAULT_CONFIG };
  if (v.interval !== undefined) config.intervalMs = parseDuration('--interval', v.interval, 50, 3600_000);
  if (v['proc-root'] !== undefined) config.procRoot = v['proc-root'];
  if (v['cgroup-root'] !== undefined) config.cgroupRoot = v['cgroup-root'];
  if (v.kmsg !== undefined) config.devKmsg = v.kmsg;
  config.readOnly = v['read-only'] ?? false;
  if (v['adj-step'] !== undefined) config.adjStep = parseIntFlag('--adj-step', v['adj-step'], 1, 2000);
  if (v['protect-adj'] !== undefined) config.protectAdj = parseIntFlag('--protect-adj', v['protect-adj'], -1000, 1000);
  if (v['expendable-adj'] !== undefined) config.expendableAdj = parseIntFlag('--expendable-adj', v['expendable-adj'], -1000, 1000);
  if (v['kill-grace'] !== undefined) config.killGraceMs = parseDuration('--kill-grace', v['kill-grace'], 0, 600_000);
  if (v['kill-escalation'] !== undefined) {
    const e = v['kill-escalation'];
    if (e !== 'ask' && e !== 'auto' && e !== 'never') throw new UsageError(`--kill-escalation: "${e}" is not one of ask, auto, never`);
    config.killEscalation = e;
  }
  if (v['eta-warn'] !== undefined) config.etaWarnS = parseEtaWarn(v['eta-warn']);
  config.color = !(v['no-color'] ?? false) && !(env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') && env['TERM'] !== 'dumb';
  let sort: SortKey = 'risk';
  if (v.sort !== undefined) {
    if (!(SORT_KEYS as readonly string[]).includes(v.sort)) throw new UsageError(`--sort: "${v.sort}" is not one of ${SORT_KEYS.join(', ')}`);
    sort = v.sort as SortKey;
  }
  return {
    config,
    once: v.once ?? false,
    json: v.json ?? false,
    top: v.top !== undefined ? parseIntFlag('--top', v.top, 1, 1_000_000) : null,
    sort,
    inverted: v.invert ?? false,
    filter: v.filter ?? '',
    help: v.help ?? false,
    version: v.version ?? false,
    guardArgs: splitOptionWords(v['guard-opts'] ?? ''),
    rulesPath: rulesPath(v.rules, config.readOnly),
    // The monitor records only when asked (--history PATH); --no-history says so explicitly.
    history: v.history === undefined ? (parseHistoryArgs(v, env), null) : parseHistoryArgs(v, env),
  };
}
