/**
 * `oomtop protect --unit NAME.service --adj N`: a systemd drop-in with OOMScoreAdjust=
 * (and OOMPolicy=, ManagedOOM*= when asked), so the protection comes from systemd itself
 * at every start. Headless: node: modules only.
 */
import { rmdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  dropInPath,
  MANAGED_OOM_MODES,
  MANAGED_OOM_PREFERENCES,
  OOM_POLICIES,
  serviceName,
  type DropIn,
} from '../systemd/dropin.js';
import { systemctl, systemdRuns } from '../systemd/host.js';
import { applyToUnit, errText, writeDropIn } from '../systemd/protect.js';
import { sanitize } from '../text/sanitize.js';
import { EXIT_RUNTIME, EXIT_USAGE, UsageError } from './errors.js';
import { parseOptions, type OptionSpecs } from './options.js';

export const PROTECT_USAGE = `Usage: oomtop protect --unit NAME.service --adj N [options]
       oomtop protect --unit NAME.service --unprotect [--root DIR]
Writes /etc/systemd/system/NAME.service.d/50-oomtop.conf with [Service] OOMScoreAdjust=N,
runs systemctl daemon-reload and sets the adj of the unit's running processes now; the
unit's next start gets it from systemd itself (before the service runs, with the
privilege to lower it).
  --adj N                      OOMScoreAdjust= (-1000..1000; -1000: never killed)
  --policy continue|stop|kill  OOMPolicy=: what systemd does when the kernel's OOM killer
                               kills one of the unit's processes
  --managed-oom auto|kill      ManagedOOMMemoryPressure= (systemd-oomd, cgroup v2)
  --managed-oom-limit PCT      ManagedOOMMemoryPressureLimit=PCT% (with --managed-oom)
  --managed-oom-preference none|avoid|omit
                               ManagedOOMPreference=: systemd-oomd deprioritizes (avoid)
                               or never picks (omit) the unit
  --unprotect                  remove the drop-in (running processes keep their adj)
  --root DIR                   write under DIR (an image, a test); reloads nothing and
                               changes no running process
  --json                       the result as one JSON object
Without --root and without a running systemd, nothing is written.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  unit: { type: 'string' },
  adj: { type: 'string', number: true },
  policy: { type: 'string' },
  'managed-oom': { type: 'string' },
  'managed-oom-limit': { type: 'string', number: true },
  'managed-oom-preference': { type: 'string' },
  unprotect: { type: 'boolean' },
  root: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;

export type ProtectArgs =
  | { help: true }
  | { help: false; unprotect: false; dropIn: DropIn; root: string | null; json: boolean }
  | { help: false; unprotect: true; unit: string; root: string | null; json: boolean };

function oneOf<T extends readonly string[]>(flag: string, v: string | undefined, allowed: T): T[number] | null {
  if (v === undefined) return null;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag}: "${sanitize(v)}" is not one of ${allowed.join(', ')}`);
  return v as T[number];
}

export function parseProtectArgs(argv: string[]): ProtectArgs {
  const { values: v } = parseOptions(argv, OPTIONS);
  if (v.help) return { help: true };
  if (v.unit === undefined) throw new UsageError('protect: --unit NAME.service is required');
  const unit = serviceName(v.unit);
  if (unit === null) throw new UsageError(`--unit: "${sanitize(v.unit)}" is not a service unit name (letters, digits, ":-_.\\@", ending in .service)`);
  if (v.root !== undefined && v.root.trim() === '') throw new UsageError('--root: empty path');
  const root = v.root ?? null;
  const json = v.json ?? false;
  if (v.unprotect) {
    for (const k of ['adj', 'policy', 'managed-oom', 'managed-oom-limit', 'managed-oom-preference'] as const) {
      if (v[k] !== undefined) throw new UsageError(`--unprotect removes the drop-in: --${k} makes no sense with it`);
    }
    return { help: false, unprotect: true, unit, root, json };
  }
  if (v.adj === undefined) throw new UsageError('protect: --adj N is required (or --unprotect)');
  if (!/^[+-]?\d+$/.test(v.adj.trim())) throw new UsageError(`--adj: "${sanitize(v.adj)}" is not a whole number`);
  const adj = Number(v.adj);
  if (adj < -1000 || adj > 1000) throw new UsageError(`--adj: ${adj} is out of range (-1000..1000)`);
  const managedOom = oneOf('--managed-oom', v['managed-oom'], MANAGED_OOM_MODES);
  let limit: number | null = null;
  if (v['managed-oom-limit'] !== undefined) {
    if (managedOom === null) throw new UsageError('--managed-oom-limit needs --managed-oom');
    const t = v['managed-oom-limit'].trim().replace(/%$/, '');
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) throw new UsageError(`--managed-oom-limit: "${sanitize(v['managed-oom-limit'])}" is not a percentage`);
    if (n < 0 || n > 100) throw new UsageError(`--managed-oom-limit: ${t} is out of range (0..100)`);
    limit = n;
  }
  return {
    help: false,
    unprotect: false,
    root,
    json,
    dropIn: {
      unit,
      adj,
      policy: oneOf('--policy', v.policy, OOM_POLICIES),
      managedOom,
      managedOomLimitPct: limit,
      managedOomPreference: oneOf('--managed-oom-preference', v['managed-oom-preference'], MANAGED_OOM_PREFERENCES),
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  let args: ProtectArgs;
  try {
    args = parseProtectArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`oomtop ${e.message.startsWith('protect') ? '' : 'protect: '}${e.message}\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    process.stdout.write(PROTECT_USAGE);
    return 0;
  }
  const lines: string[] = [];
  const result: Record<string, unknown> = {};
  const say = (s: string) => lines.push(s);
  const finish = (code: number) => {
    if (args.help) return code;
    if (args.json) process.stdout.write(`${JSON.stringify({ ...result, ok: code === 0 })}\n`);
    else process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return code;
  };
  const live = args.root === null;
  if (live && !systemdRuns()) {
    const message = 'systemd is not running here (no /run/systemd/system): nothing written. Use --root DIR to write the drop-in into an image, or oomtop rules for processes without systemd.';
    result['error'] = message;
    if (!args.json) process.stderr.write(`oomtop protect: ${message}\n`);
    return finish(EXIT_RUNTIME);
  }
  const unit = args.unprotect ? args.unit : args.dropIn.unit;
  const path = dropInPath(args.root ?? '/', unit);
  result['unit'] = unit;
  result['path'] = path;

  if (args.unprotect) {
    try {
      unlinkSync(path);
      say(`removed ${path}`);
      result['removed'] = true;
      try {
        rmdirSync(dirname(path));
      } catch {
        /* other drop-ins are there */
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        result['error'] = `cannot remove ${path}: ${errText(e)}`;
        process.stderr.write(`oomtop protect: ${result['error']}\n`);
        return finish(EXIT_RUNTIME);
      }
      say(`${path} does not exist: nothing to remove`);
      result['removed'] = false;
    }
  } else {
    const w = writeDropIn(args.root ?? '/', args.dropIn);
    if (!w.ok) {
      result['error'] = w.message;
      process.stderr.write(`oomtop protect: ${result['error']}\n`);
      return finish(EXIT_RUNTIME);
    }
    say(`${w.written ? 'wrote' : 'unchanged'} ${path}:`);
    for (const l of w.text.trimEnd().split('\n')) if (!l.startsWith('#')) say(`  ${l}`);
    result['written'] = w.written;
    result['text'] = w.text;
  }

  if (!live) {
    say('--root: nothing reloaded, no running process changed');
    return finish(0);
  }
  const reload = systemctl(['daemon-reload']);
  result['reloaded'] = reload.ok;
  if (!reload.ok) {
    say(`systemctl daemon-reload failed: ${sanitize(reload.message)}`);
    return finish(EXIT_RUNTIME);
  }
  say('systemctl daemon-reload: done');
  if (args.unprotect) {
    say(`${unit}: its running processes keep their oom_score_adj until the unit restarts`);
    return finish(0);
  }
  const adj = args.dropIn.adj;
  const changed: unknown[] = [];
  let failed = 0;
  const applied = applyToUnit(unit, adj);
  if (applied.length === 0) say(`${unit} has no running process now`);
  for (const a of applied) {
    if (a.ok) {
      say(`PID ${a.pid} (${sanitize(a.comm)}): oom_score_adj ${a.before} -> ${a.after}`);
      changed.push({ pid: a.pid, comm: a.comm, before: a.before, after: a.after });
    } else {
      failed++;
      say(`PID ${a.pid} (${sanitize(a.comm)}): not changed: ${sanitize(a.error.message)}${a.error.hint ? `; ${sanitize(a.error.hint)}` : ''}`);
      changed.push({ pid: a.pid, comm: a.comm, error: a.error });
    }
  }
  result['processes'] = changed;
  say(`${unit}: its next start gets OOMScoreAdjust=${adj} from systemd itself`);
  return finish(failed > 0 ? EXIT_RUNTIME : 0);
}
