/**
 * systemd-oomd's kills, as the journal tells them (pure parser): systemd 252's own lines.
 *
 * systemd-oomd (SYSLOG_IDENTIFIER=systemd-oomd), src/oom/oomd-manager.c, at LOG_NOTICE:
 *   Killed CGROUP due to memory pressure for MONITORED being 62.35% > 10.00% for > 2s with reclaim activity
 *   Killed CGROUP due to memory used (N) / total (N) and swap used (N) / total (N) being more than 90.00%
 * the service manager (PID 1 or a user manager), unit_check_oomd_kill() in src/core/cgroup.c,
 * MESSAGE_ID d989611b15e44c9dbf31e3c81256e4ed, with UNIT= and N_PROCESSES= (as journaled by
 * systemd 252 in the test guest, test/fixtures/oomd/):
 *   UNIT: systemd-oomd killed 3 process(es) in this unit.
 *   UNIT: systemd-oomd killed some process(es) in this unit.
 * Input is one line of `journalctl -o json` (MESSAGE may be an array of bytes when it is not
 * UTF-8) or of the short text formats (`journalctl`, syslog), where the tag says who wrote it.
 */
import { normalizeLine } from './normalize.js';
export const OOMD_UNIT_KILL_MESSAGE_ID = 'd989611b15e44c9dbf31e3c81256e4ed';

export type OomdKill =
  | {
      kind: 'pressure';
      /** The cgroup systemd-oomd killed (every process in it). */
      cgroup: string;
      /** The cgroup whose memory pressure was over its limit (the unit with ManagedOOMMemoryPressure=kill). */
      monitored: string;
      pressurePct: number;
      limitPct: number;
      /** For how long, as systemd-oomd printed it ("2s", "20s", "1min 30s"). */
      duration: string;
      time: number | null;
      source: 'systemd-oomd';
    }
  | {
      kind: 'swap';
      cgroup: string;
      memUsed: number;
      memTotal: number;
      swapUsed: number;
      swapTotal: number;
      limitPct: number;
      time: number | null;
      source: 'systemd-oomd';
    }
  | {
      /** The service manager's line about the unit: how many processes died in it. */
      kind: 'unit';
      unit: string;
      /** null: "some". */
      processes: number | null;
      time: number | null;
      source: 'manager';
    };

const PRESSURE = /^Killed (.+?) due to memory pressure for (.+?) being (\d+(?:\.\d+)?)% > (\d+(?:\.\d+)?)% for > (.+?) with reclaim activity\s*$/;
const SWAP = /^Killed (.+?) due to memory used \((\d+)\) \/ total \((\d+)\) and swap used \((\d+)\) \/ total \((\d+)\) being more than (\d+(?:\.\d+)?)%\s*$/;
const UNIT = /^(?:\S+ )?(.+?): systemd-oomd killed (\d+|some) process\(es\) in this unit\.\s*$/;

/** The message text of a journal field: a string, or bytes as an array of numbers. */
function fieldText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((b) => typeof b === 'number' && b >= 0 && b <= 255)) return Buffer.from(v as number[]).toString('utf8');
  return null;
}

/** A MESSAGE from systemd-oomd or the service manager, with what the journal said around it. */
export function parseOomdMessage(message: string, from: { oomd: boolean; manager: boolean; unit?: string | null; time?: number | null }): OomdKill | null {
  const time = from.time ?? null;
  if (from.oomd) {
    let m = PRESSURE.exec(message);
    if (m) return { kind: 'pressure', cgroup: m[1]!, monitored: m[2]!, pressurePct: Number(m[3]), limitPct: Number(m[4]), duration: m[5]!, time, source: 'systemd-oomd' };
    m = SWAP.exec(message);
    if (m) {
      return { kind: 'swap', cgroup: m[1]!, memUsed: Number(m[2]), memTotal: Number(m[3]), swapUsed: Number(m[4]), swapTotal: Number(m[5]), limitPct: Number(m[6]), time, source: 'systemd-oomd' };
    }
  }
  if (from.manager) {
    const m = UNIT.exec(message);
    if (m) return { kind: 'unit', unit: from.unit ?? m[1]!, processes: m[2] === 'some' ? null : Number(m[2]), time, source: 'manager' };
  }
  return null;
}

/** One `journalctl -o json` line; null when it is not one of the kills above (or not JSON). */
export function parseOomdJournalJson(line: string): OomdKill | null {
  let j: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(line);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    j = v as Record<string, unknown>;
  } catch {
    return null;
  }
  const message = fieldText(j['MESSAGE']);
  if (message === null) return null;
  const ident = fieldText(j['SYSLOG_IDENTIFIER']);
  const usec = fieldText(j['__REALTIME_TIMESTAMP']);
  const time = usec !== null && /^\d+$/.test(usec) ? Math.floor(Number(usec) / 1000) : null;
  const oomd = ident === 'systemd-oomd' || fieldText(j['_SYSTEMD_UNIT']) === 'systemd-oomd.service';
  const manager = fieldText(j['MESSAGE_ID']) === OOMD_UNIT_KILL_MESSAGE_ID || ident === 'systemd';
  const k = parseOomdMessage(message, { oomd, manager, unit: fieldText(j['UNIT']) ?? fieldText(j['USER_UNIT']), time });
  const n = fieldText(j['N_PROCESSES']);
  if (k?.kind === 'unit' && k.processes === null && n !== null && /^\d+$/.test(n)) k.processes = Number(n);
  return k;
}

/**
 * A text line of a journal or syslog ("Dec 01 10:04:41 host systemd-oomd[588]: Killed ...",
 * ISO stamps too): the tag says who wrote it. The time is left to the caller (a stamp without
 * a year or zone is the normalizer's business).
 */
export function parseOomdTextLine(line: string): OomdKill | null {
  const m = /(?:^|\s)(systemd-oomd|systemd)(?:\[\d+\])?: (.*)$/.exec(line);
  if (!m) return null;
  const oomd = m[1] === 'systemd-oomd';
  return parseOomdMessage(m[2]!, { oomd, manager: !oomd });
}

/** One line of any log (JSON record or text), the time from its stamp when it has one. */
export function parseOomdLine(line: string): OomdKill | null {
  if (line.startsWith('{')) return parseOomdJournalJson(line);
  if (!line.includes('systemd-oomd')) return null;
  const k = parseOomdTextLine(line);
  return k === null ? null : { ...k, time: normalizeLine(line).wallMs };
}

/** Every kill in a text (a journal export, a syslog file, JSON lines). */
export function parseOomdLog(text: string): OomdKill[] {
  const out: OomdKill[] = [];
  for (const l of text.split(/\r?\n/)) {
    const k = parseOomdLine(l);
    if (k) out.push(k);
  }
  return out;
}

/** The event log's line for a kill. */
export function describeOomdKill(k: OomdKill): string {
  switch (k.kind) {
    case 'pressure':
      return `systemd-oomd killed ${k.cgroup}: memory pressure of ${k.monitored} ${k.pressurePct.toFixed(2)}% > its limit ${k.limitPct.toFixed(2)}% for > ${k.duration}, with reclaim`;
    case 'swap':
      return `systemd-oomd killed ${k.cgroup}: memory ${pct(k.memUsed, k.memTotal)} and swap ${pct(k.swapUsed, k.swapTotal)} used, over ${k.limitPct.toFixed(2)}%`;
    case 'unit':
      return `systemd-oomd: ${k.unit}: ${k.processes === null ? 'some processes' : `${k.processes} process${k.processes === 1 ? '' : 'es'}`} killed (the service manager's count)`;
  }
}

function pct(used: number, total: number): string {
  return total > 0 ? `${((100 * used) / total).toFixed(1)}%` : `${used}`;
}
