/**
 * /dev/kmsg records: "prio,seq,usec,flags[,...];text" followed by optional dictionary
 * lines that start with a space (" SUBSYSTEM=..."). The kernel escapes every byte below
 * 0x20, at or above 0x7f, and the backslash itself as "\xNN", so one record never spans
 * several physical lines: embedded newlines arrive as "\x0a".
 */

export interface KmsgRecord {
  /** syslog facility*8 + level */
  facility: number;
  level: number;
  seq: number;
  /** Kernel monotonic timestamp (printk clock) in microseconds. */
  usec: number;
  /** '-' normal record, 'c' continuation (old kernels). */
  flags: string;
  /** The message, unescaped; may hold several lines. */
  text: string;
  dict: Record<string, string>;
}

/**
 * Flags up to the first ',' or ';', then any further fields. Written so that each character has
 * one way to match: "([^;,]*)[^;]*;" tried every split of a long line without ';' (quadratic:
 * 5 s for 70,000 characters, found by npm run fuzz).
 */
const RECORD_HEAD = /^(\d+),(\d+),(\d+),([^;,]*)(?:,[^;]*)?;/;

/** True when a physical line looks like the start of a kmsg record. */
export function isKmsgRecordLine(line: string): boolean {
  return RECORD_HEAD.test(line);
}

/** Undo the kernel's "\xNN" escaping; the bytes are decoded as UTF-8 (comm may be non-ASCII). */
export function unescapeKmsg(text: string): string {
  if (!text.includes('\\x')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c && text[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const enc = Buffer.from(String.fromCodePoint(cp), 'utf8');
    for (const b of enc) bytes.push(b);
    i += cp > 0xffff ? 2 : 1;
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Parse one record as returned by a single read() of /dev/kmsg (trailing newline and
 * dictionary lines included). Returns null for anything that is not a record.
 */
export function parseKmsgRecord(record: string): KmsgRecord | null {
  const lines = record.split('\n');
  const first = lines[0] ?? '';
  const m = RECORD_HEAD.exec(first);
  if (!m) return null;
  const prio = Number(m[1]);
  const seq = Number(m[2]);
  const usec = Number(m[3]);
  if (![prio, seq, usec].every(Number.isSafeInteger)) return null;
  const dict: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (!line.startsWith(' ')) continue;
    const eq = line.indexOf('=');
    if (eq > 1) dict[line.slice(1, eq)] = unescapeKmsg(line.slice(eq + 1));
  }
  return {
    facility: prio >> 3,
    level: prio & 7,
    seq,
    usec,
    flags: m[4] ?? '-',
    text: unescapeKmsg(first.slice(m[0].length)),
    dict,
  };
}

/**
 * Incrementally split a byte stream of records (a saved `cat /dev/kmsg`, or chunks from
 * a regular file) into record strings. Real /dev/kmsg returns exactly one record per
 * read(), which this handles too.
 */
export class KmsgSplitter {
  private rest = '';
  private current: string | null = null;

  /** Feed a chunk; returns the records completed so far. */
  push(chunk: string): string[] {
    // A chunk without a newline only lengthens the line: re-splitting all of it on every
    // chunk was quadratic in a long line fed in small pieces (npm run fuzz).
    if (chunk !== '' && !chunk.includes('\n')) {
      this.rest += chunk;
      return [];
    }
    const out: string[] = [];
    const data = this.rest + chunk;
    const lines = data.split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.line(line, out);
    // A read that ends on a newline ends a record (one record per read() on /dev/kmsg):
    // hand it over now rather than waiting for the next record.
    if (this.rest === '' && this.current !== null) {
      out.push(this.current);
      this.current = null;
    }
    return out;
  }

  /** End of input: return whatever is pending. */
  flush(): string[] {
    const out: string[] = [];
    if (this.rest) this.line(this.rest, out);
    this.rest = '';
    if (this.current !== null) out.push(this.current);
    this.current = null;
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line.startsWith(' ')) {
      if (this.current !== null) this.current += `${line}\n`;
      return;
    }
    if (this.current !== null) out.push(this.current);
    this.current = isKmsgRecordLine(line) ? `${line}\n` : null;
  }
}
