/**
 * The TUI's `R`: the selected process's adj as a rule appended to the rules file, and for a
 * process of a systemd service the drop-in `oomtop protect --unit` writes. The rule's text
 * comes from src/rules/save.ts (pure), the drop-in's from src/systemd; this module reads the
 * file, writes it and says what happened.
 */
import { appendFileSync, mkdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readCmdline, readExe, readProcCgroupText } from '../proc/process.js';
import { loadRules } from '../rules/load.js';
import { firstMatch } from '../rules/match.js';
import { parseRules, formatProblems, type Rule } from '../rules/parse.js';
import { checkedAppend, proposeRule, serviceOf } from '../rules/save.js';
import { dropInPath, dropInText, serviceName, type DropIn } from '../systemd/dropin.js';
import { systemctl, systemdRuns } from '../systemd/host.js';
import { applyToUnit, errText, writeDropIn } from '../systemd/protect.js';
import { sanitize } from '../text/sanitize.js';
import type { Row } from '../store/rows.js';
import type { SaveRuleOffer, Target } from '../store/store.js';

export interface SaveRuleContext {
  procRoot: string;
  /** The rules file: --rules, or the default path. */
  path: string;
  /** The comms of every process in the snapshot (to tell whether the comm is shared). */
  runningComms: readonly string[];
  /** Where systemd runs (sd_booted); the root for tests. */
  systemdRoot?: string;
  now?: Date;
}

export type Outcome = { ok: boolean; text: string; hint?: string };

function readText(path: string): { ok: true; text: string | null } | { ok: false; message: string } {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, text: null };
    return { ok: false, message: `${sanitize(path)}: cannot read: ${errText(e)}` };
  }
}

function dropInFor(unit: string, adj: number): DropIn {
  return { unit, adj, policy: null, managedOom: null, managedOomLimitPct: null, managedOomPreference: null };
}

/** What `R` would write for this row, or why it writes nothing. */
export function offerFor(row: Row, ctx: SaveRuleContext): { ok: true; offer: SaveRuleOffer } | { ok: false; text: string; hint?: string } {
  const label = `PID ${row.pid} (${sanitize(row.name)})`;
  const adj = row.oomScoreAdj;
  if (adj === null) return { ok: false, text: `${label}: its oom_score_adj cannot be read` };
  if (adj === 0) return { ok: false, text: `${label} has oom_score_adj 0, the default: nothing to save`, hint: 'set an adj first (] [ p x), then press R' };
  const file = readText(ctx.path);
  if (!file.ok) return { ok: false, text: file.message };
  let existing: Rule[] = [];
  if (file.text !== null) {
    const r = parseRules(file.text);
    if (!r.ok) return { ok: false, text: `${formatProblems(ctx.path, r.problems)[0]}: the rules file has problems, nothing appended`, hint: `oomtop rules check ${sanitize(ctx.path)}` };
    existing = r.rules;
  }
  const cmdline = readCmdline(ctx.procRoot, row.pid) ?? (row.cmdline || null);
  const target = { pid: row.pid, comm: row.name, cmdline, adj };
  const proposed = proposeRule(target, ctx.runningComms, existing, ctx.now ?? new Date());
  const checked = checkedAppend(file.text, proposed);
  if (!checked.ok) return { ok: false, text: `${sanitize(ctx.path)}: ${checked.message}` };

  const notes: string[] = [];
  if (proposed.matcher === 'cmdline') notes.push(`${proposed.sameComm} running processes are called ${sanitize(row.name)}: the rule matches this one's command line`);
  // First match wins: an earlier rule that matches this process would keep this one from acting.
  const cgroupText = readProcCgroupText(ctx.procRoot, row.pid);
  const winner = firstMatch(checked.rules, { pid: row.pid, comm: row.name, cmdline, exe: readExe(ctx.procRoot, row.pid), uid: row.uid, user: row.user, cgroup: row.cgroup });
  if (winner !== null && winner.name !== proposed.name) notes.push(`rule "${sanitize(winner.name)}" (line ${winner.line}) matches it first and wins: move the new rule above it to take effect`);

  let dropIn: SaveRuleOffer['dropIn'] = null;
  const unit = cgroupText === null ? null : serviceOf(cgroupText);
  const root = ctx.systemdRoot ?? '/';
  if (!systemdRuns(root)) notes.push('systemd drop-in: not offered, systemd is not PID 1 here (no /run/systemd/system)');
  else if (unit === null || serviceName(unit) === null) notes.push('systemd drop-in: not offered, the process is not in a systemd service');
  else {
    const d = dropInFor(unit, adj);
    dropIn = { unit, adj, path: dropInPath(root, unit), text: dropInText(d) };
    notes.push(`${sanitize(unit)}: d writes the drop-in ${dropIn.path} (OOMScoreAdjust=${adj}, systemd sets it at every start), b both`);
  }
  const created = file.text === null ? ' (created, with a header comment)' : file.text === '' ? ' (empty: a header comment first)' : ' (its text kept, the rule added last)';
  notes.unshift(`appends to ${sanitize(ctx.path)}${created}:`);
  return {
    ok: true,
    offer: { target: { pid: row.pid, startTimeTicks: row.startTimeTicks, name: row.name, oomScoreAdj: adj } satisfies Target, path: ctx.path, before: file.text, after: checked.text, name: proposed.name, block: proposed.text, notes, dropIn },
  };
}

/**
 * Append the offered rule: only if the file is as it was when the offer was made, then read
 * back with the rules loader; a file that does not load is put back as it was.
 */
export function saveRule(offer: SaveRuleOffer): { ok: true; rules: Rule[]; text: string } | { ok: false; text: string; hint?: string } {
  const path = sanitize(offer.path);
  const now = readText(offer.path);
  if (!now.ok) return { ok: false, text: now.message };
  if (now.text !== offer.before) return { ok: false, text: `${path} changed since the rule was shown: nothing written`, hint: 'press R again' };
  try {
    if (offer.before === null) {
      mkdirSync(dirname(offer.path), { recursive: true, mode: 0o755 });
      writeFileSync(offer.path, offer.after, { flag: 'wx', mode: 0o644 });
    } else appendFileSync(offer.path, offer.after.slice(offer.before.length));
  } catch (e) {
    return { ok: false, text: `cannot write ${path}: ${errText(e)}` };
  }
  const loaded = loadRules(offer.path);
  if (!loaded.ok) {
    try {
      if (offer.before === null) unlinkSync(offer.path);
      else truncateSync(offer.path, Buffer.byteLength(offer.before));
    } catch {
      /* reported below all the same */
    }
    return { ok: false, text: `${loaded.messages[0] ?? path}: the rule was taken back out` };
  }
  return { ok: true, rules: loaded.rules, text: `rule "${sanitize(offer.name)}" appended to ${path}` };
}

/** Write the offered drop-in, reload systemd, and set the adj of the unit's processes now. */
export function saveDropIn(offer: SaveRuleOffer, root = '/'): Outcome[] {
  const d = offer.dropIn;
  if (d === null) return [];
  const unit = sanitize(d.unit);
  const w = writeDropIn(root, dropInFor(d.unit, d.adj));
  if (!w.ok) return [{ ok: false, text: w.message, hint: 'run oomtop as root' }];
  const out: Outcome[] = [{ ok: true, text: `${w.written ? 'wrote' : 'unchanged'} ${w.path}: OOMScoreAdjust=${d.adj}` }];
  const reload = systemctl(['daemon-reload']);
  if (!reload.ok) return [...out, { ok: false, text: `systemctl daemon-reload failed: ${sanitize(reload.message)}` }];
  for (const a of applyToUnit(d.unit, d.adj)) {
    if (a.ok) out.push({ ok: true, text: `${unit}: PID ${a.pid} (${sanitize(a.comm)}) oom_score_adj ${a.before} → ${a.after}` });
    else out.push({ ok: false, text: `${unit}: PID ${a.pid} (${sanitize(a.comm)}): ${sanitize(a.error.message)}`, hint: a.error.hint ?? undefined });
  }
  out.push({ ok: true, text: `${unit}: its next start gets OOMScoreAdjust=${d.adj} from systemd itself` });
  return out;
}
