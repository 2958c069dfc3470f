/**
 * Strip any kernel-log format down to the kernel's own message text plus whatever
 * timestamps the format carried: raw /dev/kmsg records, dmesg ("[  123.456789]"),
 * dmesg -T ("[Mon Nov  2 10:00:00 2026]"), dmesg -r ("<6>[...]"), dmesg -x
 * ("kern  :err   : "), syslog / journal ("Nov  2 10:00:00 host kernel: ", with or without
 * fractional seconds), RFC 3339 ("2026-11-02T10:00:00.123+00:00 host kernel: "),
 * rsyslog's "#012" newline escapes, and console or hypervisor wrappers that put their
 * own prefix in front of a "<N>[ seconds ]" kernel line.
 */
import { isKmsgRecordLine, parseKmsgRecord } from './kmsg.js';

export interface LogLine {
  /** The kernel message with every log-format prefix removed. */
  text: string;
  /** Kernel monotonic timestamp (printk clock) in microseconds, when the format has one. */
  monotonicUs: number | null;
  /** Wall-clock time in epoch milliseconds, when the format has one. */
  wallMs: number | null;
  /** printk level 0..7 when known. */
  level: number | null;
  /** False when a syslog/journal tag names a program other than the kernel. */
  kernel: boolean;
}

export interface NormalizeOptions {
  /** For syslog stamps without a year: the year is the one that puts the stamp closest before this date. */
  referenceDate?: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON = `(${MONTHS.join('|')})`;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?=\s|$)\s*/;
const BSD = new RegExp(`^${MON}\\s+(\\d{1,2})\\s+(\\d{2}):(\\d{2}):(\\d{2})(?:[.,](\\d{1,9}))?\\s+`);
const DMESG_T = new RegExp(`^\\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\\s+${MON}\\s+(\\d{1,2})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s+(\\d{4})\\]\\s?`);
const MONO = /^\[\s*(\d{1,10})\.(\d{1,9})\]\s?/;
const LEVEL = /^<(\d{1,3})>/;
const DMESG_X = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|res0|res1|res2|res3|res4|local[0-7])\s*:(emerg|alert|crit|err|warn|notice|info|debug)\s*:\s?/;
const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
/** "host tag[pid]: " right after a syslog or RFC 3339 stamp. */
const SYSLOG_TAG = /^(\S+)\s+([^\s:[\]]+)(?:\[\d+\])?:\s?/;
/** "kernel: " or "host kernel: " anywhere a prefix may be. */
const KERNEL_TAG = /^(?:\S+\s+)?kernel(?:\[\d+\])?:\s?/;
/** A kernel line inside someone else's prefix: "<6>[  123.456]" or "[  123.456789] ". */
const EMBEDDED = /<\d{1,3}>\[\s*\d{1,10}\.\d{1,9}\]|\[\s*\d{1,10}\.\d{6}\]\s/;
/** Dictionary lines of a saved /dev/kmsg dump (" SUBSYSTEM=..."). */
const KMSG_DICT = /^ [A-Z][A-Z0-9_]*=/;

function fractionMs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number(`0.${frac}`) * 1000;
}

function localMs(y: number, mon: number, d: number, h: number, mi: number, s: number, frac?: string): number {
  return new Date(y, mon, d, h, mi, s).getTime() + fractionMs(frac);
}

function syslogYearMs(mon: number, d: number, h: number, mi: number, s: number, frac: string | undefined, ref: Date): number {
  const y = ref.getFullYear();
  const t = localMs(y, mon, d, h, mi, s, frac);
  // A December stamp read in January belongs to last year.
  return t > ref.getTime() + 86_400_000 ? localMs(y - 1, mon, d, h, mi, s, frac) : t;
}

/** Normalize one physical line (no newline inside). */
export function normalizeLine(raw: string, opts: NormalizeOptions = {}): LogLine {
  const out: LogLine = { text: '', monotonicUs: null, wallMs: null, level: null, kernel: true };
  let s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let afterWallStamp = false;
  let embeddedUsed = false;
  for (let guard = 0; guard < 12; guard++) {
    const trimmed = s.replace(/^\s+/, '');
    let m: RegExpExecArray | null;
    if (afterWallStamp) {
      afterWallStamp = false;
      m = SYSLOG_TAG.exec(trimmed);
      if (m) {
        if (m[2] !== 'kernel') out.kernel = false;
        s = trimmed.slice(m[0].length);
        continue;
      }
    }
    if ((m = ISO.exec(trimmed))) {
      const [, y, mo, d, h, mi, sec, frac, zone] = m;
      const base = `${y}-${mo}-${d}T${h}:${mi}:${sec}`;
      let ms: number;
      if (zone) {
        const z = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
        ms = Date.parse(`${base}${z}`) + fractionMs(frac);
      } else {
        ms = localMs(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), frac);
      }
      if (Number.isFinite(ms)) out.wallMs = ms;
      s = trimmed.slice(m[0].length);
      afterWallStamp = true;
      continue;
    }
    if ((m = BSD.exec(trimmed))) {
      const mon = MONTHS.indexOf(m[1]!);
      const ms = syslogYearMs(mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6], opts.referenceDate ?? new Date());
      if (Number.isFinite(ms)) out.wallMs = ms;
      s = trimmed.slice(m[0].length);
      afterWallStamp = true;
      continue;
    }
    if ((m = DMESG_T.exec(trimmed))) {
      const mon = MONTHS.indexOf(m[1]!);
      const ms = localMs(Number(m[6]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
      if (Number.isFinite(ms)) out.wallMs = ms;
      s = trimmed.slice(m[0].length);
      continue;
    }
    if ((m = MONO.exec(trimmed))) {
      const frac = m[2]!.padEnd(6, '0').slice(0, 6);
      out.monotonicUs = Number(m[1]) * 1_000_000 + Number(frac);
      s = trimmed.slice(m[0].length);
      continue;
    }
    if ((m = LEVEL.exec(trimmed))) {
      out.level = Number(m[1]) & 7;
      s = trimmed.slice(m[0].length);
      continue;
    }
    if ((m = DMESG_X.exec(trimmed))) {
      out.level = LEVEL_NAMES.indexOf(m[1]!);
      s = trimmed.slice(m[0].length);
      continue;
    }
    if ((m = KERNEL_TAG.exec(trimmed))) {
      s = trimmed.slice(m[0].length);
      continue;
    }
    if (!embeddedUsed) {
      embeddedUsed = true;
      const e = EMBEDDED.exec(trimmed);
      if (e && e.index > 0) {
        s = trimmed.slice(e.index);
        continue;
      }
    }
    s = trimmed;
    break;
  }
  out.text = s.replace(/\s+$/, '');
  return out;
}

/**
 * Turn one physical input line into kernel log lines: a kmsg record may hold several
 * lines (escaped newlines), an rsyslog line may hold several ("#012"); dictionary
 * lines of a kmsg dump give nothing.
 */
export function toLogLines(raw: string, opts: NormalizeOptions = {}): LogLine[] {
  if (KMSG_DICT.test(raw)) return [];
  if (isKmsgRecordLine(raw)) {
    const rec = parseKmsgRecord(raw);
    if (rec) {
      return rec.text.split('\n').map((text) => ({
        text: text.replace(/\s+$/, '').replace(/^\s+/, ''),
        monotonicUs: rec.usec,
        wallMs: null,
        level: rec.level,
        kernel: rec.facility === 0,
      }));
    }
  }
  if (!raw.includes('#012')) return [normalizeLine(raw, opts)];
  const parts = raw.split('#012');
  const first = normalizeLine(parts[0]!, opts);
  const rest = parts.slice(1).map((p) => {
    const n = normalizeLine(p.replace(/#011/g, ' '), opts);
    return {
      ...n,
      monotonicUs: n.monotonicUs ?? first.monotonicUs,
      wallMs: n.wallMs ?? first.wallMs,
      level: n.level ?? first.level,
      kernel: first.kernel,
    };
  });
  return [first, ...rest];
}
