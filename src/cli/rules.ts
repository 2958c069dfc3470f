/**
 * `oomtop rules check [PATH]` and `oomtop rules apply [PATH] [--watch]`: the rules file,
 * validated, and applied to running (and new) processes. Headless: loads node: modules and
 * smol-toml only.
 */
import { detectMemoryHierarchy } from '../cgroup/mountinfo.js';
import { dockerSocketSource } from '../containers/sources.js';
import { UserNames } from '../proc/users.js';
import { currentMatches, RuleApplier, type RuleChange } from '../rules/applier.js';
import type { FactContext } from '../rules/facts.js';
import { DEFAULT_RULES_PATH, loadRules } from '../rules/load.js';
import type { Rule } from '../rules/parse.js';
import { changeLine } from '../rules/output.js';
import { sanitize } from '../text/sanitize.js';
import { EXIT_USAGE, UsageError } from './errors.js';
import { parseOptions, type OptionSpecs } from './options.js';

export const RULES_USAGE = `Usage:
  oomtop rules check [PATH]    validate the rules file (default ${DEFAULT_RULES_PATH}); print the
                               rules and which running processes each one matches now
  oomtop rules apply [PATH]    apply the rules once to running processes; print what changed
      --watch                  keep applying them to new processes (and to processes whose
                               name changed at exec) within one interval; SIGHUP re-reads PATH
      --interval SEC           poll interval with --watch (default 1, 0.05..3600)
      --json                   JSON lines instead of text
  Both: --rules PATH (same as PATH), --proc-root DIR, --cgroup-root DIR.
The first rule that matches a process wins. Exit codes: 0 ok, 1 a change was refused
(apply without --watch), 2 a bad file or option (PATH:LINE: message on stderr).
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  rules: { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string', number: true },
  json: { type: 'boolean' },
  'proc-root': { type: 'string' },
  'cgroup-root': { type: 'string' },
} as const satisfies OptionSpecs;

export interface RulesArgs {
  command: 'check' | 'apply' | 'help';
  path: string;
  watch: boolean;
  intervalMs: number;
  json: boolean;
  procRoot: string;
  cgroupRoot: string | null;
}

export function parseRulesArgs(argv: string[]): RulesArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help', path: DEFAULT_RULES_PATH, watch: false, intervalMs: 1000, json: false, procRoot: '/proc', cgroupRoot: null };
  }
  if (command !== 'check' && command !== 'apply') throw new UsageError(`rules: unknown command "${sanitize(command)}" (commands: check, apply)`);
  const { values: v, positionals } = parseOptions(rest, OPTIONS, { positionals: true });
  if (positionals.length > 1) throw new UsageError(`rules ${command}: one PATH at most (got ${positionals.length})`);
  if (positionals.length === 1 && v.rules !== undefined) throw new UsageError(`rules ${command}: PATH and --rules both given`);
  if (command === 'check') {
    for (const k of ['watch', 'interval'] as const) if (v[k] !== undefined) throw new UsageError(`rules check: --${k} is for rules apply`);
  }
  let intervalMs = 1000;
  if (v.interval !== undefined) {
    if (!v.watch) throw new UsageError('rules apply: --interval needs --watch');
    const n = Number(v.interval);
    if (v.interval.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--interval: "${sanitize(v.interval)}" is not a number of seconds`);
    if (n < 0.05 || n > 3600) throw new UsageError(`--interval: ${v.interval} is out of range (0.05..3600 s)`);
    intervalMs = Math.round(n * 1000);
  }
  return {
    command,
    path: positionals[0] ?? v.rules ?? DEFAULT_RULES_PATH,
    watch: v.watch ?? false,
    intervalMs,
    json: v.json ?? false,
    procRoot: v['proc-root'] ?? '/proc',
    cgroupRoot: v['cgroup-root'] ?? null,
  };
}

/** Container names from the Docker socket, when a rule names a container (not an id). */
export class ContainerNames {
  private table = new Map<string, string>();
  private at = -Infinity;
  private pending: Promise<void> | null = null;
  readonly wanted: boolean;

  constructor(rules: Rule[]) {
    this.wanted = rules.some((r) => r.container !== null && !/^[0-9a-f]{12,64}$/.test(r.container));
  }

  lookup = (id: string): string | null => this.table.get(id) ?? null;

  /** Refresh at most every 30 s (in the background with --watch). */
  refresh(): Promise<void> {
    if (!this.wanted || this.pending || performance.now() - this.at < 30_000) return this.pending ?? Promise.resolve();
    this.at = performance.now();
    this.pending = dockerSocketSource()
      .list(1000)
      .then(
        (t) => void (this.table = t.containers),
        () => undefined,
      )
      .finally(() => (this.pending = null));
    return this.pending;
  }
}

export function factContext(procRoot: string, cgroupRoot: string | null, names: ContainerNames): FactContext {
  return { procRoot, hierarchy: detectMemoryHierarchy(procRoot, cgroupRoot), users: new UserNames(), containerName: names.lookup };
}

/** One rule as a line: its matchers as written, and the adj. */
export function describeRule(r: Rule, i: number): string {
  const m = r.written.map(([k, v]) => `${k} ${k === 'comm' || k === 'cmdline' || k === 'cgroup' ? `~ /${sanitize(v)}/` : `= ${sanitize(v)}`}`).join(', ');
  return `${i + 1}. "${sanitize(r.name)}" (line ${r.line}): ${m} -> adj ${r.adj}`;
}

export async function run(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s);
  const err = (s: string) => process.stderr.write(s);
  let args: RulesArgs;
  try {
    args = parseRulesArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`oomtop ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (args.command === 'help') {
    out(RULES_USAGE);
    return 0;
  }
  const loaded = loadRules(args.path);
  if (!loaded.ok) {
    for (const m of loaded.messages) err(`${m}\n`);
    return EXIT_USAGE;
  }
  const rules = loaded.rules;
  const names = new ContainerNames(rules);
  await names.refresh();
  const ctx = factContext(args.procRoot, args.cgroupRoot, names);

  if (args.command === 'check') {
    out(`${sanitize(args.path)}: ${rules.length} rule${rules.length === 1 ? '' : 's'}, valid (the first rule that matches a process wins)\n`);
    const matches = currentMatches(rules, ctx);
    rules.forEach((r, i) => {
      out(`${describeRule(r, i)}\n`);
      const m = matches.get(r)!;
      if (m.length === 0) out('     matches no running process\n');
      for (const { facts, adj } of m.slice(0, 50)) {
        out(`     PID ${facts.pid} (${sanitize(facts.comm)}) adj ${adj ?? '?'}${adj === r.adj ? ' (already)' : ''}\n`);
      }
      if (m.length > 50) out(`     ... and ${m.length - 50} more\n`);
    });
    return 0;
  }

  if (args.watch) return watch(args, rules);
  {
    const p = new RuleApplier(rules, ctx).pass();
    for (const c of p.changes) out(`${changeLine(c, new Date(), args.json)}\n`);
    const set = p.changes.filter((c) => c.kind === 'set').length;
    const refused = p.changes.length - set;
    const summary = { matched: p.matched, changed: set, refused, unchanged: p.matched - p.changes.length };
    if (args.json) out(`${JSON.stringify({ time: new Date().toISOString(), event: 'summary', rules: rules.length, ...summary })}\n`);
    else out(`${rules.length} rules: ${p.matched} processes matched, ${set} changed, ${summary.unchanged} already right, ${refused} refused\n`);
    return refused > 0 ? 1 : 0;
  }
}

export interface RulesWatchOptions {
  path: string;
  rules: Rule[];
  intervalMs: number;
  procRoot: string;
  cgroupRoot: string | null;
  readOnly?: boolean;
  onChange: (c: RuleChange) => void;
  onNotice: (message: string) => void;
}

/**
 * Apply the rules now and then every interval to new processes; reload() re-reads the
 * file (a file with errors is refused and the rules in force stay). Used by
 * `oomtop rules apply --watch` and by `oomtop guard --rules`.
 */
export function startRulesWatch(o: RulesWatchOptions): { stop(): void; reload(): void } {
  let names = new ContainerNames(o.rules);
  const make = (rules: Rule[]) => new RuleApplier(rules, { ...factContext(o.procRoot, o.cgroupRoot, names), readOnly: o.readOnly });
  let applier = make(o.rules);
  const tick = () => {
    void names.refresh();
    try {
      for (const c of applier.pass().changes) o.onChange(c);
    } catch (e) {
      o.onNotice(`rules pass failed: ${sanitize((e as Error).message)}`);
    }
  };
  // Container names first (when a rule names one), so the first pass can match them.
  void names.refresh().finally(tick);
  const timer = setInterval(tick, o.intervalMs);
  return {
    stop: () => clearInterval(timer),
    reload: () => {
      const loaded = loadRules(o.path);
      if (!loaded.ok) {
        for (const m of loaded.messages) o.onNotice(`reload refused, the rules in force stay: ${m}`);
        return;
      }
      names = new ContainerNames(loaded.rules);
      applier = make(loaded.rules);
      o.onNotice(`reloaded ${sanitize(o.path)}: ${loaded.rules.length} rules`);
      tick();
    },
  };
}

function watch(args: RulesArgs, rules: Rule[]): Promise<number> {
  const notice = (message: string) => {
    const time = new Date().toISOString();
    process.stdout.write(args.json ? `${JSON.stringify({ time, event: 'notice', message })}\n` : `${time} ${message}\n`);
  };
  notice(`watching ${sanitize(args.path)}: ${rules.length} rules, every ${args.intervalMs / 1000} s`);
  return new Promise((resolve) => {
    const w = startRulesWatch({
      path: args.path,
      rules,
      intervalMs: args.intervalMs,
      procRoot: args.procRoot,
      cgroupRoot: args.cgroupRoot,
      onChange: (c) => process.stdout.write(`${changeLine(c, new Date(), args.json)}\n`),
      onNotice: notice,
    });
    const reload = () => w.reload();
    const stop = () => {
      w.stop();
      for (const s of ['SIGTERM', 'SIGINT'] as const) process.off(s, stop);
      process.off('SIGHUP', reload);
      notice('stopped');
      resolve(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reload);
  });
}
