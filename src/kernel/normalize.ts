/**
 * Strip any kernel-log format down to the kernel's own message text plus whatever
 * timestamps the format carried: raw /dev/kmsg records, dmesg ("[  123.456789]"),
 * dmesg -T ("[Mon Nov  2 10:00:00 2026]"), dmesg -r ("<6>[...]"), dmesg -x
 * ("kern  :err   : "), syslog / journal ("Nov  2 10:00:00 host kernel: ", with or without
 * fractional seconds), RFC 3339 ("2026-11-02T10:00:00.123+00:00 host kernel: "),
 * rsyslog's "#012" newline escapes, and console or hypervisor wrappers that put their
 * own prefix in front of a "<N>[ seconds ]" kernel line.
 */
import { isKmsgRecordLine, parseKmsgRecord, type KmsgRecord } from './kmsg.js';

export interface LogLine {
  /**
   * The kernel message with every log-format prefix removed. It may hold newlines: a
   * /dev/kmsg record is one message (a comm may hold "\x0a"), and so is a dmesg line
   * with its indented continuation lines (see ContinuationJoiner).
   */
  text: string;
  /** Kernel monotonic timestamp (printk clock) in microseconds, when the format has one. */
  monotonicUs: number | null;
  /** Wall-clock time in epoch milliseconds, when the format has one. */
  wallMs: number | null;
  /** printk level 0..7 when known. */
  level: number | null;
  /** False when a syslog/journal tag names a program other than the kernel. */
  kernel: boolean;
  /** The host a syslog or journal line names ("Nov  2 10:00:00 HOST kernel: ..."). */
  host?: string | null;
  /**
   * What the wall-clock stamp did not say and was assumed: the year (syslog stamps have
   * none: the latest that is not in the future) and the time zone (syslog, dmesg -T and
   * zoneless ISO stamps are read as this machine's local time).
   */
  timeAssumed?: TimeAssumed | null;
}

export interface TimeAssumed {
  year: boolean;
  zone: boolean;
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

/** Lines whose message starts with a comm: leading spaces there are part of the name. */
const COMM_FIRST = / invoked oom-killer:| cpuset=\S* mems_allowed=\S+$/;

/**
 * Normalize one line. A newline inside (a joined continuation) is kept: the prefixes are
 * those of the first line.
 */
export function normalizeLine(raw: string, opts: NormalizeOptions = {}): LogLine {
  return normalizeWithStart(raw, opts).line;
}

/** normalizeLine, and where the message begins in `raw` (after the last prefix's separator). */
function normalizeWithStart(raw: string, opts: NormalizeOptions = {}): { line: LogLine; start: number } {
  const out: LogLine = { text: '', monotonicUs: null, wallMs: null, level: null, kernel: true };
  let s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const whole = s.length;
  let afterWallStamp = false;
  let afterKernelStamp = false;
  let tagAfterStamp = false;
  let embeddedUsed = false;
  for (let guard = 0; guard < 12; guard++) {
    const trimmed = s.trimStart();
    let m: RegExpExecArray | null;
    if (afterWallStamp) {
      afterWallStamp = false;
      m = SYSLOG_TAG.exec(trimmed);
      if (m) {
        if (m[2] !== 'kernel') out.kernel = false;
        out.host = m[1]!;
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
      if (Number.isFinite(ms)) {
        out.wallMs = ms;
        out.timeAssumed = zone ? null : { year: false, zone: true };
      }
      s = trimmed.slice(m[0].length);
      afterWallStamp = true;
      continue;
    }
    if ((m = BSD.exec(trimmed))) {
      const mon = MONTHS.indexOf(m[1]!);
      const ms = syslogYearMs(mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6], opts.referenceDate ?? new Date());
      if (Number.isFinite(ms)) {
        out.wallMs = ms;
        out.timeAssumed = { year: true, zone: true };
      }
      s = trimmed.slice(m[0].length);
      afterWallStamp = true;
      continue;
    }
    // The kernel-clock stamp is the last prefix in every format (dmesg, -r, -x, -T, a
    // console wrapper, syslog), save journalctl's "[ 1.2] host kernel: ". What follows is
    // the message, even when it looks like a stamp or a level (a comm "[ 1.5] a").
    if (!afterKernelStamp && (m = DMESG_T.exec(trimmed))) {
      const mon = MONTHS.indexOf(m[1]!);
      const ms = localMs(Number(m[6]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
      if (Number.isFinite(ms)) {
        out.wallMs = ms;
        out.timeAssumed = { year: false, zone: true };
      }
      s = trimmed.slice(m[0].length);
      afterKernelStamp = true;
      continue;
    }
    if (!afterKernelStamp && (m = MONO.exec(trimmed))) {
      const frac = m[2]!.padEnd(6, '0').slice(0, 6);
      out.monotonicUs = Number(m[1]) * 1_000_000 + Number(frac);
      s = trimmed.slice(m[0].length);
      afterKernelStamp = true;
      continue;
    }
    if (afterKernelStamp) {
      if (!tagAfterStamp && (m = KERNEL_TAG.exec(trimmed))) {
        tagAfterStamp = true;
        s = trimmed.slice(m[0].length);
        continue;
      }
      break;
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
    // Every stamp and tag above ate its own separator; what is left is the message. It
    // starts with the comm on a header line, whose leading spaces are part of the name.
    s = guard > 0 && COMM_FIRST.test(s) ? s : trimmed;
    break;
  }
  const start = whole - s.length;
  if (afterKernelStamp && !COMM_FIRST.test(s)) s = s.trimStart();
  // trimEnd(), not replace(/\s+$/): the regex retries from every blank of a long blank run
  // (quadratic: 0.75 s for one 40,000-blank line, found by npm run fuzz).
  out.text = s.trimEnd();
  return { line: out, start };
}

/** One /dev/kmsg record as one log line (its text may hold newlines). */
export function kmsgLogLine(rec: KmsgRecord): LogLine {
  return { text: rec.text.trimEnd(), monotonicUs: rec.usec, wallMs: null, level: rec.level, kernel: rec.facility === 0 };
}

/**
 * dmesg and journalctl print a message that holds a newline (a process renamed to
 * "a\nb") as several lines: the first with the stamp, the next indented by the width
 * of that stamp and without one of their own:
 *
 *     [  241.145527] x) Z (y
 *                    sshd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, ...
 *
 * This joins such lines back into one (with "\n"), so the continuation is never taken
 * for a message of its own. A line is held until the next one shows whether it goes on;
 * flush() hands over the last. A line that `complete` says cannot go on (a whole kill
 * line: its last field is a number) is handed over at once.
 */
export class ContinuationJoiner {
  private pending: string | null = null;
  /** Width of the pending line's prefix (stamp, tags), or 0 when it cannot be continued. */
  private indent = 0;

  constructor(private readonly complete: (line: string) => boolean = () => false) {}

  push(raw: string): string[] {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.pending !== null && this.indent >= 2 && isContinuation(line, this.indent)) {
      this.pending += `\n${line.slice(this.indent)}`;
      return this.complete(this.pending) ? this.flush() : [];
    }
    const out = this.flush();
    if (line.trim() === '') return out;
    if (this.complete(line)) {
      out.push(line);
      return out;
    }
    this.pending = line;
    this.indent = prefixWidth(line);
    return out;
  }

  flush(): string[] {
    const out = this.pending === null ? [] : [this.pending];
    this.pending = null;
    this.indent = 0;
    return out;
  }
}

/**
 * dmesg and journalctl start every message at column 0, so a line indented at least to
 * the text column of the line before is that message going on, whatever it holds (even
 * text that looks like a stamp: a comm may be "a\n[ 1.0] b").
 */
function isContinuation(line: string, indent: number): boolean {
  return line.length >= indent && line.slice(0, indent).trim() === '';
}

/** Where the message of a dmesg/journal line begins (0: not a line that dmesg continues). */
function prefixWidth(line: string): number {
  if (isKmsgRecordLine(line) || KMSG_DICT.test(line) || line.includes('#012')) return 0;
  const { line: n, start } = normalizeWithStart(line);
  return n.monotonicUs === null && n.wallMs === null ? 0 : start;
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
    if (rec) return [kmsgLogLine(rec)];
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
      timeAssumed: n.wallMs !== null ? n.timeAssumed : first.timeAssumed,
      host: n.host ?? first.host,
      level: n.level ?? first.level,
      kernel: first.kernel,
    };
  });
  return [first, ...rest];
}
