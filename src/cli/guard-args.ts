/**
 * `oomtop guard` options → a GuardPolicy, in the parser style of every subcommand
 * (options.ts): a bad option or value is a one-line UsageError.
 */
import { DEFAULT_HANDLER_TIMEOUT_MS, parseOnLevel } from '../guard/handlers.js';
import { PolicyError, thresholdPair } from '../guard/policy.js';
import { checkWebhookUrl } from '../guard/webhook.js';
import type { GuardPolicy, LevelHandler, ScopeSpec } from '../guard/types.js';
import { UsageError } from './errors.js';
import { parseOptions, type OptionSpecs } from './options.js';
import { parseListen, type ListenAddress } from './listen.js';

export const GUARD_USAGE = `Usage: oomtop guard [options]
Ends the process the kernel would pick, before the kernel's OOM killer has to.

Scope
  --scope system          watch MemAvailable/SwapFree from /proc/meminfo (default without --cgroup)
  --cgroup PATH           watch a memory cgroup (relative to the controller root, e.g. /docker/ID,
                          or an absolute sysfs path); repeatable
  --all-cgroups           watch every memory cgroup that has a limit
  --container NAME|ID     watch a Docker container's memory cgroup, resolved through the Engine
                          (DOCKER_HOST or /var/run/docker.sock) and followed when it is
                          recreated under the same name; repeatable
  --all-containers        watch every running Docker container that has a memory limit
Thresholds (available memory / free swap; both must be low, no swap counts as low)
  --mem-term PCT  --mem-kill PCT          default 10 and 5 (KILL defaults to TERM/2)
  --swap-term PCT --swap-kill PCT         default 10 and 5
  --mem-term-mib N --mem-kill-mib N       sizes instead (with both forms the lower wins)
  --swap-term-mib N --swap-kill-mib N
  --psi-full PCT [--psi-duration SEC]     TERM when PSI memory "full avg10" stays >= PCT (default 10 s)
Victim
  --prefer REGEX  --avoid REGEX           on name and command line (prefer wins, avoid last)
  --ignore REGEX                          never end a match
  --sort-by-rss                           largest RSS instead of the kernel's badness
Escalation
  --term-timeout SEC      SIGKILL when SIGTERM did not end the victim in time (default 5)
  --kill-wait SEC         give up on a SIGKILLed victim after this long (default 10)
  --kill-group            signal the victim's process group
  --dry-run               decide and log, never signal
  --no-intercept          do not hold the cgroup at its limit (v1 memory.oom_control; v2 memory.high just below memory.max)
Hooks (environment OOMTOP_PID, OOMTOP_NAME, OOMTOP_SIGNAL, OOMTOP_SCOPE, OOMTOP_AVAILABLE_KIB, ...)
  --pre-kill CMD  --post-kill CMD  [--hook-timeout SEC (default 2)]
Level handlers (pressure levels with hysteresis, per scope: normal elevated high critical)
  --on-level LEVEL=CMD    run CMD (sh -c) each time a scope enters LEVEL, rising or falling;
                          repeatable; facts in OOMTOP_LEVEL, OOMTOP_PREVIOUS_LEVEL, OOMTOP_SCOPE,
                          OOMTOP_AVAILABLE_PCT, OOMTOP_AVAILABLE_KIB, OOMTOP_NEXT_VICTIM_PID,
                          OOMTOP_NEXT_VICTIM_NAME, OOMTOP_PSI_SOME_AVG10, OOMTOP_PSI_FULL_AVG10, ...
  --handler-timeout SEC   kill a handler's process group after this long (default 30)
Telling people (when the guard acts, or a scope rises to high or critical)
  --webhook URL           POST each event (level, term, kill, would-*, exited, stuck, no-victim,
                          handler, oom-kill: a kernel kill from /dev/kmsg) as its --json line;
                          repeatable; queued and retried off the guard's path, the oldest
                          dropped when the queue (100) is full
  --webhook-format slack  {"text": "..."} for Slack/Mattermost incoming webhooks (default json)
  --webhook-timeout SEC   per request (default 5)
  --notify                desktop notification on each logged-in user's session bus
                          (/run/user/UID/bus, through notify-send or busctl)
  --wall                  broadcast to every terminal through wall(1)
Output and pacing
  --json                  JSON lines
  --report SEC            periodic report
  --min-interval MS --max-interval MS     sampling bounds (default 5 and 1000)
  --assume-rate MIBPS     fill rate that could start any moment, sizes the sleep (default 6144, 0: off)
  --proc-root DIR --cgroup-root DIR --state-dir DIR
Metrics
  --listen ADDR:PORT      serve oomtop exporter's metrics, plus oomtop_guard_kills_total and
                          oomtop_guard_armed, on ADDR:PORT (e.g. 127.0.0.1:10173; see oomtop exporter --help)
Rules (oom_score_adj that lasts; see oomtop rules --help)
  --rules PATH            apply the rules file to running and new processes, as
                          oomtop rules apply --watch does (read at start)
  --rules-interval SEC    how often new processes are looked for (default 1)

History (see oomtop record --help; read it with oomtop report --history PATH)
  --history PATH          record every second while guarding, as oomtop record does
  --history-max-mib N     cap the file at N MiB (default 64)
  --no-history            do not record (the default; said explicitly)
`;

/** --rules: the rules file applied to new processes inside the guard (src/rules). */
export interface GuardRulesArgs {
  path: string;
  intervalMs: number;
}

/** --history PATH: record while guarding, as oomtop record does (src/cli/history-beside.ts). */
export interface GuardHistoryArgs {
  path: string;
  maxBytes: number;
}

export type GuardArgs = { help: true } | { help: false; policy: GuardPolicy; rules: GuardRulesArgs | null; listen?: ListenAddress | null; history: GuardHistoryArgs | null };

const GUARD_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  scope: { type: 'string' },
  cgroup: { type: 'string', multiple: true },
  'all-cgroups': { type: 'boolean' },
  container: { type: 'string', multiple: true },
  'all-containers': { type: 'boolean' },
  'mem-term': { type: 'string', number: true },
  'mem-kill': { type: 'string', number: true },
  'swap-term': { type: 'string', number: true },
  'swap-kill': { type: 'string', number: true },
  'mem-term-mib': { type: 'string', number: true },
  'mem-kill-mib': { type: 'string', number: true },
  'swap-term-mib': { type: 'string', number: true },
  'swap-kill-mib': { type: 'string', number: true },
  'psi-full': { type: 'string', number: true },
  'psi-duration': { type: 'string', number: true },
  prefer: { type: 'string' },
  avoid: { type: 'string' },
  ignore: { type: 'string' },
  'sort-by-rss': { type: 'boolean' },
  'term-timeout': { type: 'string', number: true },
  'kill-wait': { type: 'string', number: true },
  'kill-group': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'no-intercept': { type: 'boolean' },
  'pre-kill': { type: 'string' },
  'post-kill': { type: 'string' },
  'hook-timeout': { type: 'string', number: true },
  'on-level': { type: 'string', multiple: true },
  'handler-timeout': { type: 'string', number: true },
  webhook: { type: 'string', multiple: true },
  'webhook-format': { type: 'string' },
  'webhook-timeout': { type: 'string', number: true },
  notify: { type: 'boolean' },
  wall: { type: 'boolean' },
  report: { type: 'string', number: true },
  json: { type: 'boolean' },
  'min-interval': { type: 'string', number: true },
  'max-interval': { type: 'string', number: true },
  'assume-rate': { type: 'string', number: true },
  'proc-root': { type: 'string' },
  'cgroup-root': { type: 'string' },
  'state-dir': { type: 'string' },
  rules: { type: 'string' },
  'rules-interval': { type: 'string', number: true },
  listen: { type: 'string' },
  // The history flags as src/cli/history-args.ts spells them (not imported: that module
  // reaches the SQLite store, which the guard loads only with --history).
  history: { type: 'string' },
  'no-history': { type: 'boolean' },
  'history-max-mib': { type: 'string', number: true },
} as const satisfies OptionSpecs;

function num(name: string, v: string | undefined, min: number, max: number): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: "${v}" is not a number`);
  if (n < min || n > max) throw new UsageError(`--${name}: ${v} is out of range (${min}..${max})`);
  return n;
}

function regex(name: string, v: string | undefined): RegExp | null {
  if (v === undefined) return null;
  try {
    return new RegExp(v);
  } catch (e) {
    throw new UsageError(`--${name}: invalid regular expression: ${(e as Error).message}`);
  }
}

/** Throws UsageError (one line) on a bad option or value. */
export function parseGuardArgs(argv: string[]): GuardArgs {
  const values = parseOptions(argv, GUARD_OPTIONS).values;
  if (values.help) return { help: true };
  const s = (k: keyof typeof GUARD_OPTIONS) => values[k] as string | undefined;
  const b = (k: keyof typeof GUARD_OPTIONS) => values[k] === true;
  const scopes: ScopeSpec[] = [];
  const scopeArg = s('scope');
  if (scopeArg !== undefined && scopeArg !== 'system') {
    throw new UsageError(`--scope: "${scopeArg}" is not a scope (use --scope system or --cgroup PATH)`);
  }
  const cgroups = values.cgroup ?? [];
  for (const c of cgroups) {
    if (c.trim() === '') throw new UsageError('--cgroup: empty path');
    scopes.push({ kind: 'cgroup', path: c });
  }
  const containers = values.container ?? [];
  for (const c of containers) {
    // Docker's names: [a-zA-Z0-9][a-zA-Z0-9_.-]*; ids: hex, 64 or a unique prefix.
    if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(c)) throw new UsageError(`--container: "${c}" is not a container name or id`);
  }
  const anyContainer = containers.length > 0 || b('all-containers');
  if (scopeArg === 'system' || (cgroups.length === 0 && !b('all-cgroups') && !anyContainer)) scopes.unshift({ kind: 'system' });

  let mem: ReturnType<typeof thresholdPair>;
  let swap: ReturnType<typeof thresholdPair>;
  try {
    mem = thresholdPair(
      'mem',
      num('mem-term', s('mem-term'), 0, 100),
      num('mem-kill', s('mem-kill'), 0, 100),
      num('mem-term-mib', s('mem-term-mib'), 0, 1 << 30),
      num('mem-kill-mib', s('mem-kill-mib'), 0, 1 << 30),
    );
    swap = thresholdPair(
      'swap',
      num('swap-term', s('swap-term'), 0, 100),
      num('swap-kill', s('swap-kill'), 0, 100),
      num('swap-term-mib', s('swap-term-mib'), 0, 1 << 30),
      num('swap-kill-mib', s('swap-kill-mib'), 0, 1 << 30),
    );
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message);
    throw e;
  }
  const psiFull = num('psi-full', s('psi-full'), 0.01, 100);
  const psiDuration = num('psi-duration', s('psi-duration'), 0.1, 3600);
  if (psiDuration !== null && psiFull === null) throw new UsageError('--psi-duration needs --psi-full');

  const minMs = num('min-interval', s('min-interval'), 1, 60_000) ?? 5;
  const maxMs = num('max-interval', s('max-interval'), 1, 60_000) ?? 1000;
  if (minMs > maxMs) throw new UsageError(`--min-interval ${minMs} is above --max-interval ${maxMs}`);
  const report = num('report', s('report'), 0.1, 86_400);
  const onLevel: LevelHandler[] = (values['on-level'] ?? []).map((a) => {
    const h = parseOnLevel(a);
    if (typeof h === 'string') throw new UsageError(`--on-level: ${h}`);
    return h;
  });

  const webhooks = values.webhook ?? [];
  for (const w of webhooks) {
    const bad = checkWebhookUrl(w);
    if (bad) throw new UsageError(`--webhook: ${bad}`);
  }
  const format = s('webhook-format') ?? 'json';
  if (format !== 'json' && format !== 'slack') throw new UsageError(`--webhook-format: "${format}" is not a format (json or slack)`);
  if (webhooks.length === 0 && (s('webhook-format') !== undefined || s('webhook-timeout') !== undefined)) {
    throw new UsageError('--webhook-format and --webhook-timeout need --webhook URL');
  }
  const policy: GuardPolicy = {
    scopes,
    allCgroups: b('all-cgroups'),
    containers: containers.map((c) => c.replace(/^\//, '')),
    allContainers: b('all-containers'),
    memTerm: mem.term,
    memKill: mem.kill,
    swapTerm: swap.term,
    swapKill: swap.kill,
    psi: psiFull === null ? null : { fullPct: psiFull, durationMs: (psiDuration ?? 10) * 1000 },
    prefer: regex('prefer', s('prefer')),
    avoid: regex('avoid', s('avoid')),
    ignore: regex('ignore', s('ignore')),
    sortByRss: b('sort-by-rss'),
    termTimeoutMs: (num('term-timeout', s('term-timeout'), 0.01, 3600) ?? 5) * 1000,
    killWaitMs: (num('kill-wait', s('kill-wait'), 0.1, 3600) ?? 10) * 1000,
    killGroup: b('kill-group'),
    dryRun: b('dry-run'),
    preKill: s('pre-kill') ?? null,
    postKill: s('post-kill') ?? null,
    hookTimeoutMs: (num('hook-timeout', s('hook-timeout'), 0.01, 600) ?? 2) * 1000,
    onLevel,
    webhooks,
    webhookFormat: format,
    webhookTimeoutMs: (num('webhook-timeout', s('webhook-timeout'), 0.1, 300) ?? 5) * 1000,
    notify: b('notify'),
    wall: b('wall'),
    handlerTimeoutMs: (num('handler-timeout', s('handler-timeout'), 0.01, 3600) ?? DEFAULT_HANDLER_TIMEOUT_MS / 1000) * 1000,
    reportMs: report === null ? null : report * 1000,
    json: b('json'),
    intercept: !b('no-intercept'),
    minIntervalMs: minMs,
    maxIntervalMs: maxMs,
    assumeRateKiBps: (num('assume-rate', s('assume-rate'), 0, 1 << 24) ?? 6144) * 1024,
    procRoot: s('proc-root') ?? '/proc',
    cgroupRoot: s('cgroup-root') ?? '/sys/fs/cgroup',
    stateDir: s('state-dir') ?? null,
  };
  for (const [k, v] of [['pre-kill', policy.preKill], ['post-kill', policy.postKill]] as const) {
    if (v !== null && v.trim() === '') throw new UsageError(`--${k}: empty command`);
  }
  const rulesPath = s('rules');
  const rulesInterval = num('rules-interval', s('rules-interval'), 0.05, 3600);
  if (rulesInterval !== null && rulesPath === undefined) throw new UsageError('--rules-interval needs --rules');
  if (rulesPath !== undefined && rulesPath.trim() === '') throw new UsageError('--rules: empty path');
  const rules = rulesPath === undefined ? null : { path: rulesPath, intervalMs: Math.round((rulesInterval ?? 1) * 1000) };
  const listen = s('listen') === undefined ? null : parseListen(s('listen')!);
  const historyPath = s('history');
  const historyMiB = num('history-max-mib', s('history-max-mib'), 1, 1_048_576);
  if (historyMiB !== null && historyPath === undefined) throw new UsageError('--history-max-mib needs --history PATH');
  if (historyPath !== undefined && historyPath.trim() === '') throw new UsageError('--history: empty path');
  // --no-history: what the guard does without --history, said explicitly (as every command takes it).
  if (historyPath !== undefined && values['no-history']) throw new UsageError('--history and --no-history contradict each other');
  const history = historyPath === undefined ? null : { path: historyPath, maxBytes: Math.round(historyMiB ?? 64) * 1024 * 1024 };
  return { help: false, policy, rules, listen, history };
}
