import { sanitize } from './sanitize.js';
import { cut, width } from './format.js';

/**
 * Word-wrap text (sanitized first) into lines of at most `cells` terminal cells. Words longer
 * than a line are broken; continuation lines start with `indent` (counted in the width). At
 * most `maxLines` lines: the last one ends in "…" when text was left out.
 */
export function wrap(text: string, cells: number, opts: { indent?: string; maxLines?: number } = {}): string[] {
  if (cells <= 0) return [];
  const indent = opts.indent !== undefined && width(opts.indent) < cells ? opts.indent : '';
  const maxLines = opts.maxLines ?? Infinity;
  const lines: string[] = [];
  const words = sanitize(text).split(/ +/).filter((w) => w !== '');
  let line = '';
  let used = 0;
  const push = () => {
    lines.push(line);
    line = indent;
    used = width(indent);
  };
  for (const word of words) {
    const w = width(word);
    const sep = used > width(lines.length > 0 ? indent : '') ? 1 : 0;
    if (used + sep + w <= cells) {
      line += (sep ? ' ' : '') + word;
      used += sep + w;
      continue;
    }
    if (used > width(lines.length > 0 ? indent : '')) push();
    // A word wider than a line: break it by characters.
    for (const ch of word) {
      const cw = width(ch);
      if (used + cw > cells) push();
      line += ch;
      used += cw;
    }
  }
  if (used > width(lines.length > 0 ? indent : '') || lines.length === 0) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    // The last line kept says there is more: cut one cell short of the width, then the ellipsis.
    kept[maxLines - 1] = cut(`${kept[maxLines - 1]!}…`, cells);
    return kept;
  }
  return lines;
}

/**
 * One part of a line laid out by priority: `variants` from the longest to the shortest form;
 * `priority` 0 is never dropped (its shortest form is cut to fit if it must be), higher
 * numbers go first when space runs out.
 */
export interface Segment {
  variants: readonly string[];
  priority: number;
  /** Style applied after layout (colour, bold): it must not change the width. */
  style?: (text: string) => string;
}

export interface PlacedSegment {
  text: string;
  style?: (text: string) => string;
}

/**
 * Choose, for each segment, the longest form that fits, more important segments first; drop
 * the least important ones when even the shortest forms do not fit. Order on the line is
 * the order given. Segments are separated by `gap` spaces. The result is at most `cells` wide.
 */
export function layoutSegments(segments: readonly Segment[], cells: number, gap = 2): PlacedSegment[] {
  const n = segments.length;
  // Names from /proc and the kernel log reach the header: never an escape sequence.
  const vars = segments.map((s) => s.variants.map((v) => sanitize(v)));
  const choice: (number | null)[] = segments.map((seg) => seg.variants.length - 1);
  const w = (i: number) => {
    const c = choice[i];
    return c === null || c === undefined ? 0 : width(vars[i]![c]!);
  };
  const total = () => {
    let sum = 0;
    let shown = 0;
    for (let i = 0; i < n; i++) {
      if (choice[i] === null) continue;
      sum += w(i);
      shown++;
    }
    return sum + Math.max(0, shown - 1) * gap;
  };
  // Most important first: a level's parts come in at their shortest, then grow, and only the
  // space left goes to the next level. Priority 0 always comes in (cut at the end if need be).
  const levels = [...new Set(segments.map((s) => s.priority))].sort((a, b) => a - b);
  for (let i = 0; i < n; i++) choice[i] = null;
  for (const level of levels) {
    const here = segments.map((s, i) => i).filter((i) => segments[i]!.priority === level);
    for (const i of here) {
      choice[i] = segments[i]!.variants.length - 1;
      if (level > 0 && total() > cells) choice[i] = null;
    }
    for (const i of here) {
      while (choice[i] !== null && choice[i]! > 0) {
        choice[i]!--;
        if (total() > cells) {
          choice[i]!++;
          break;
        }
      }
    }
  }
  const out: PlacedSegment[] = [];
  let used = 0;
  const shownIdx = segments.map((s, i) => i).filter((i) => choice[i] !== null);
  for (let k = 0; k < shownIdx.length; k++) {
    const i = shownIdx[k]!;
    const s = segments[i]!;
    const sep = out.length > 0 ? gap : 0;
    let text = vars[i]![choice[i]!]!;
    // Only parts that must show (priority 0) can overflow: the first to reach the edge is cut.
    const room = cells - used - sep;
    if (room <= 0) break;
    if (width(text) > room) text = cut(text, room);
    out.push({ text: sep ? ' '.repeat(sep) + text : text, style: s.style });
    used += sep + width(text);
  }
  return out;
}

/** The plain text of placed segments, padded to `cells`. */
export function plain(parts: readonly PlacedSegment[], cells: number): string {
  const text = parts.map((p) => p.text).join('');
  return text + ' '.repeat(Math.max(0, cells - width(text)));
}

/** Placed segments with their styles, padded to `cells` (the style leaves the leading gap alone). */
export function styled(parts: readonly PlacedSegment[], cells: number): string {
  let used = 0;
  let out = '';
  for (const p of parts) {
    used += width(p.text);
    if (!p.style) {
      out += p.text;
      continue;
    }
    const lead = /^ */.exec(p.text)![0];
    out += lead + p.style(p.text.slice(lead.length));
  }
  return out + ' '.repeat(Math.max(0, cells - used));
}
