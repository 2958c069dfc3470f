import stringWidth from 'string-width';
import { narrowCell } from './one-cell.js';
import { sanitize } from './sanitize.js';
import { fmtKiB } from './size.js';

/** RSS growth per second: "+1.2M/s", "-", "0". */
export function fmtRate(kibPerSec: number | null): string {
  if (kibPerSec === null) return '-';
  if (Math.abs(kibPerSec) < 1) return '0';
  return `${kibPerSec > 0 ? '+' : ''}${fmtKiB(kibPerSec)}/s`;
}

export function fmtAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h ago`;
  return `${(s / 86400).toFixed(1)} d ago`;
}

export function fmtClock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export { narrowCell };

/** Display width in terminal cells (wide CJK and emoji count 2); plain ASCII is its length. */
export function width(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  for (let i = 0; i < text.length; i++) if (!narrowCell(text.charCodeAt(i))) return stringWidth(text);
  return text.length;
}

/**
 * Sanitize, then fit to exactly `cells` terminal cells: cut with an ellipsis when too wide
 * (never splitting a wide character), pad when too narrow.
 */
export function fit(text: string, cells: number, align: 'left' | 'right' = 'left'): string {
  if (cells <= 0) return '';
  if (PRINTABLE_ASCII.test(text)) {
    // The common case, without sanitizing or measuring character by character.
    if (text.length > cells) return `${text.slice(0, cells - 1)}…`;
    const pad = ' '.repeat(cells - text.length);
    return align === 'right' ? pad + text : text + pad;
  }
  let s = sanitize(text);
  let w = width(s);
  if (w > cells) {
    s = cut(s, cells);
    w = width(s);
  }
  const pad = ' '.repeat(Math.max(0, cells - w));
  return align === 'right' ? pad + s : s + pad;
}

/**
 * Text already sanitized, cut to at most `cells` terminal cells with an ellipsis when it is
 * wider (never splitting a wide character); as it is when it fits.
 */
export function cut(text: string, cells: number): string {
  if (width(text) <= cells) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const cw = width(ch);
    if (used + cw > cells - 1) break;
    out += ch;
    used += cw;
  }
  return `${out}…`;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** "45 s", "12 min", "3.5 h", "6.2 days": a span of time in seconds, for history and charts. */
export function fmtSpan(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

/**
 * The mean of each of at most `cells` equal spans of time (empty spans skipped), oldest first,
 * with each span's middle time: a long series squeezed to a chart's width.
 */
export function bucketMeans(times: readonly number[], values: readonly number[], cells: number): { times: number[]; values: number[] } {
  if (times.length <= cells) return { times: times.slice(), values: values.slice() };
  const t0 = times[0]!;
  const span = times.at(-1)! - t0 || 1;
  const sum = new Array<number>(cells).fill(0);
  const n = new Array<number>(cells).fill(0);
  for (let i = 0; i < times.length; i++) {
    const b = Math.min(cells - 1, Math.floor(((times[i]! - t0) / span) * cells));
    sum[b]! += values[i]!;
    n[b]!++;
  }
  const outT: number[] = [];
  const outV: number[] = [];
  for (let b = 0; b < cells; b++) {
    if (n[b] === 0) continue;
    outT.push(t0 + ((b + 0.5) / cells) * span);
    outV.push(sum[b]! / n[b]!);
  }
  return { times: outT, values: outV };
}

/** A sparkline of the last `cells` values scaled to [0, max]. */
export function sparkline(values: readonly number[], cells: number, max?: number): string {
  const vs = values.slice(-cells);
  const top = max ?? Math.max(1e-9, ...vs);
  const line = vs.map((v) => BLOCKS[Math.max(0, Math.min(7, Math.round((v / top) * 7)))]!).join('');
  return line.padStart(cells, ' ');
}

/** "[|||||||     ]" style gauge with `cells` inner cells. */
export function gauge(fraction: number, cells: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * cells);
  return `[${'|'.repeat(filled)}${' '.repeat(Math.max(0, cells - filled))}]`;
}

/** "OOM in ~14 min", "OOM in ~3 h", "no trend". */
export function fmtEta(etaSeconds: number | null): string {
  if (etaSeconds === null) return 'no trend';
  if (etaSeconds < 90) return `OOM in ~${Math.max(1, Math.round(etaSeconds))} s`;
  if (etaSeconds < 90 * 60) return `OOM in ~${Math.round(etaSeconds / 60)} min`;
  if (etaSeconds < 48 * 3600) return `OOM in ~${Math.round(etaSeconds / 3600)} h`;
  return `OOM in ~${Math.round(etaSeconds / 86_400)} d`;
}
