import { parseOptions, splitOptionWords } from './options.js';
import { parseSizeSpec, type SizeSpec } from '../run/budget.js';
import { validJobLabel } from '../run/cgroup.js';
import { UsageError } from './errors.js';

export const RUN_USAGE = `Usage: oomtop run --memory SIZE [options] -- CMD [ARGS...]
Runs CMD in a new memory cgroup with a budget, shows its memory live on a terminal, and
reports how it went. The exit status is CMD's, or 128+signal when a signal ended it.

Budget (sizes like systemd's: 512M, 2G, 1.5G, 64K, or a percentage of RAM: 50%)
  --memory SIZE        hard limit (v2 memory.max, v1 memory.limit_in_bytes); required
  --high SIZE          throttle above this (v2 memory.high; cgroup v1 has none)
  --swap SIZE          swap allowance (v2 memory.swap.max, v1 memsw = memory + swap;
                       a percentage is of the machine's swap)
Options
  --name NAME          add NAME to the cgroup's name (oomtop-run-PID-NAME)
  --json               print the report as one JSON object on the last line of stdout
  --guard              end the job with SIGTERM (then SIGKILL) before the kernel's OOM killer would
  --guard-opts="OPTS" thresholds etc. for --guard, as oomtop guard takes them (implies --guard)
  --no-status          no live status row (drawn only when stderr is a terminal; turn it
                       off for full-screen programs)
  --proc-root DIR --cgroup-root DIR
  -h, --help

Exit status: CMD's, or 128+signal; 2 for bad options, a budget that cannot be, or a
cgroup oomtop may not create (it says why and how to fix it); 1 when oomtop itself failed.
`;

export interface RunArgs {
  memory: SizeSpec;
  high: SizeSpec | null;
  swap: SizeSpec | null;
  name: string | null;
  json: boolean;
  guard: boolean;
  guardOpts: string[];
  status: boolean;
  procRoot: string;
  cgroupRoot: string | null;
  command: string[];
  help: boolean;
}

const OPTIONS = {
  memory: { type: 'string' },
  high: { type: 'string' },
  swap: { type: 'string' },
  name: { type: 'string' },
  json: { type: 'boolean' },
  guard: { type: 'boolean' },
  'guard-opts': { type: 'string', options: true },
  'no-status': { type: 'boolean' },
  'proc-root': { type: 'string' },
  'cgroup-root': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Split at the command: after "--", or at the first word that is not an option or an
 * option's value (so `oomtop run --memory 1G make -j4` leaves -j4 to make).
 */
export function splitCommand(argv: string[]): { own: string[]; command: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { own: argv.slice(0, i), command: argv.slice(i + 1) };
    if (!a.startsWith('-') || a === '-') return { own: argv.slice(0, i), command: argv.slice(i) };
    const long = a.startsWith('--') ? a.slice(2) : null;
    if (long !== null && !long.includes('=')) {
      const opt = (OPTIONS as Record<string, { type: string }>)[long];
      if (opt?.type === 'string') i++;
    }
  }
  return { own: argv, command: [] };
}

function size(flag: string, text: string | undefined, infinity: boolean): SizeSpec | null {
  if (text === undefined) return null;
  const s = parseSizeSpec(text);
  if ('error' in s) throw new UsageError(`${flag}: ${s.error}`);
  if (s.kind === 'infinity' && !infinity) throw new UsageError(`${flag}: infinity is no budget; give a size`);
  return s.kind === 'infinity' ? null : s;
}

export function parseRunArgs(argv: string[]): RunArgs {
  const { own, command } = splitCommand(argv);
  // The one option parser (its length bound: node's parseArgs alone took 2 s on a
  // 26,000-character "-)))..." here, found by npm run fuzz).
  const v = parseOptions(own, OPTIONS).values;
  const base = { procRoot: v['proc-root'] ?? '/proc', cgroupRoot: v['cgroup-root'] ?? null };
  if (v.help) {
    return { memory: { kind: 'infinity' }, high: null, swap: null, name: null, json: false, guard: false, guardOpts: [], status: false, command, help: true, ...base };
  }
  if (v.memory === undefined) throw new UsageError('--memory SIZE is required (e.g. --memory 512M)');
  const memory = size('--memory', v.memory, false)!;
  if (command.length === 0) throw new UsageError('no command: oomtop run --memory SIZE -- CMD [ARGS...]');
  if (command[0] === '') throw new UsageError('the command is an empty string');
  const name = v.name ?? null;
  if (name !== null && !validJobLabel(name)) {
    throw new UsageError(`--name: "${name}" is not a usable name (letters, digits, _ . @ -; at most 64; not starting with . or -)`);
  }
  const guardOpts = splitOptionWords(v['guard-opts'] ?? '');
  for (const o of guardOpts) {
    if (/^--(cgroup|scope|all-cgroups|cgroup-root|proc-root)(=|$)/.test(o)) {
      throw new UsageError(`--guard-opts: ${o} is not allowed here (the guard watches the job's cgroup)`);
    }
    if (/^--listen(=|$)/.test(o)) throw new UsageError('--guard-opts: --listen is for oomtop guard and oomtop exporter, not oomtop run');
  }
  return {
    memory,
    high: size('--high', v.high, true),
    swap: size('--swap', v.swap, true),
    name,
    json: v.json ?? false,
    guard: (v.guard ?? false) || guardOpts.length > 0,
    guardOpts,
    status: !(v['no-status'] ?? false),
    command,
    help: false,
    ...base,
  };
}
