/**
 * A faster Output.get() for Ink 6, installed at TUI start. Same result string, byte for
 * byte (test/ui/ink-output.test.ts runs both on random frames); measured reason:
 *
 * Ink builds every frame from scratch: a fresh cell object with its own `styles: []` for
 * each of width × height cells, every written line tokenized again into one object per
 * character, and each row turned back into a string through diffAnsiCodes, which builds
 * three Sets per character. At 120×40 that was about 10 ms and 1 MiB of garbage per frame
 * (bench/results: Output.get was the largest cost of oomtop's TUI after the sampler).
 *
 * Here a row that holds exactly one written line (nearly all of them: the table and the
 * panes are pre-styled lines) is looked up by (x, line) in a cache kept from the frame
 * before; only rows that changed, or hold several writes (box borders), go through cells,
 * and those reuse tokenized lines and skip the style diff between equal styles. Caches
 * hold two frames' worth, no more. Anything else (clipping, wide characters, lines past
 * the bottom) follows Ink's code path as written.
 */
import { ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, styledCharsFromTokens, styledCharsToString, tokenize, type AnsiCode, type StyledChar } from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import { narrowCell } from '../../text/format.js';
import stringWidth from 'string-width';

type Transformer = (line: string, index: number) => string;
type Clip = { x1?: number; x2?: number; y1?: number; y2?: number };
type Operation = { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] } | { type: 'clip'; clip: Clip } | { type: 'unclip' };
type Cell = StyledChar;
export interface OutputLike {
  width: number;
  height: number;
  operations: Operation[];
}
export type GetFn = (this: OutputLike) => { output: string; height: number };

/** A map that keeps what was used in this generation and the one before. */
class TwoGen<V> {
  private cur = new Map<string, V>();
  private prev = new Map<string, V>();
  get(key: string): V | undefined {
    let v = this.cur.get(key);
    if (v === undefined) {
      v = this.prev.get(key);
      if (v !== undefined) this.cur.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.cur.set(key, v);
  }
  rotate(): void {
    this.prev = this.cur;
    this.cur = new Map();
  }
  clear(): void {
    this.cur.clear();
    this.prev.clear();
  }
}

const BLANK: Cell = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) as unknown as AnsiCode[] }) as Cell;

class FrameCaches {
  width = -1;
  readonly chars = new TwoGen<Cell[]>();
  readonly widths = new TwoGen<number>();
  readonly rows = new TwoGen<string>();
  blankRow = '';

  forWidth(width: number): this {
    if (width !== this.width) {
      this.width = width;
      this.rows.clear();
      this.blankRow = styledCharsToString(new Array<Cell>(Math.max(0, width)).fill(BLANK)).trimEnd();
    }
    return this;
  }
  styledChars(line: string): Cell[] {
    let c = this.chars.get(line);
    if (c === undefined) this.chars.set(line, (c = styledCharsFromTokens(tokenize(line))));
    return c;
  }
  stringWidth(text: string): number {
    let w = this.widths.get(text);
    if (w === undefined) this.widths.set(text, (w = stringWidth(text)));
    return w;
  }
  widestLine(text: string): number {
    let w = 0;
    for (const line of text.split('\n')) w = Math.max(w, this.stringWidth(line));
    return w;
  }
  rotate(): void {
    this.chars.rotate();
    this.widths.rotate();
    this.rows.rotate();
  }
}

const caches = new FrameCaches();

function sameStyles(a: readonly AnsiCode[], b: readonly AnsiCode[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.code !== b[i]!.code || a[i]!.endCode !== b[i]!.endCode) return false;
  return true;
}

/** styledCharsToString, without the diff where two neighbours carry the same styles (it is empty then). */
function charsToString(chars: readonly Cell[]): string {
  let ret = '';
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (i === 0) ret += ansiCodesToString(char.styles);
    else if (!sameStyles(chars[i - 1]!.styles, char.styles)) ret += ansiCodesToString(diffAnsiCodes(chars[i - 1]!.styles, char.styles));
    ret += char.value;
    if (i === chars.length - 1 && char.styles.length > 0) ret += ansiCodesToString(diffAnsiCodes(char.styles, []));
  }
  return ret;
}

/** An SGR sequence (CSI digits and semicolons, then m): all the escapes oomtop's own lines hold. */
const SGR = /\u001b\[[0-9;]*m/y;
/** Each SGR sequence's ANSI codes, as tokenize gives them (few distinct ones: kept). */
const sgrCodes = new Map<string, AnsiCode[]>();

function codesOf(seq: string): AnsiCode[] {
  let codes = sgrCodes.get(seq);
  if (codes === undefined) {
    codes = tokenize(seq).filter((t): t is AnsiCode & { type: 'ansi' } => t.type === 'ansi');
    if (sgrCodes.size < 512) sgrCodes.set(seq, codes);
  }
  return codes;
}

/**
 * The row Ink would build from one line written at x, without a cell or a token per
 * character: runs of text between SGR sequences carry one style list each, and the same
 * rules emit codes between runs (the style list at the first cell, the difference where
 * two neighbours differ, the reset after the last cell). Null when the line holds anything
 * else (another escape, a wide or zero-width character, a control), or does not fit in the
 * row: those take the cell path. Checked against Ink's own on random frames.
 */
export function runRow(x: number, line: string, width: number): string | null {
  if (x < 0) return null;
  let out = x > 0 ? ' '.repeat(x) : '';
  let first = x === 0;
  let prev: readonly AnsiCode[] = BLANK.styles;
  let styles: AnsiCode[] = [];
  let cells = x;
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      SGR.lastIndex = i;
      const m = SGR.exec(line);
      if (m === null) return null;
      styles = reduceAnsiCodesIncremental(styles, codesOf(m[0]));
      i += m[0].length;
      continue;
    }
    let j = i;
    while (j < line.length && line.charCodeAt(j) !== 0x1b) {
      if (!narrowCell(line.charCodeAt(j))) return null;
      j++;
    }
    cells += j - i;
    if (cells > width) return null;
    if (first) out += ansiCodesToString(styles);
    else if (!sameStyles(prev, styles)) out += ansiCodesToString(diffAnsiCodes(prev as AnsiCode[], styles));
    first = false;
    out += line.slice(i, j);
    prev = styles;
    i = j;
  }
  // The blanks after the line (styles []) or the end of the row: either way the styles close here.
  if (prev.length > 0) out += ansiCodesToString(diffAnsiCodes(prev as AnsiCode[], []));
  return out.trimEnd();
}

/** Ink's per-character placement into a row of cells (output.js), as written there. */
function place(row: Cell[], x: number, characters: readonly Cell[], c: FrameCaches): void {
  let offsetX = x;
  for (const character of characters) {
    row[offsetX] = character;
    const v = character.value;
    const characterWidth = v.length === 1 && narrowCell(v.charCodeAt(0)) ? 1 : Math.max(1, c.stringWidth(v));
    if (characterWidth > 1) {
      for (let index = 1; index < characterWidth; index++) {
        row[offsetX + index] = { type: 'char', value: '', fullWidth: false, styles: character.styles };
      }
    }
    offsetX += characterWidth;
  }
}

export const fastGet: GetFn = function fastGet(this: OutputLike) {
  const { width, height } = this;
  const c = caches.forWidth(width);
  // Per row: the lines written into it, in order, as [x, line].
  const writes: Array<Array<[number, string]> | undefined> = new Array(height);
  const clips: Clip[] = [];
  for (const operation of this.operations) {
    if (operation.type === 'clip') clips.push(operation.clip);
    if (operation.type === 'unclip') clips.pop();
    if (operation.type !== 'write') continue;
    const { text, transformers } = operation;
    let { x, y } = operation;
    let lines = text.split('\n');
    const clip = clips.at(-1);
    if (clip) {
      const clipHorizontally = typeof clip?.x1 === 'number' && typeof clip?.x2 === 'number';
      const clipVertically = typeof clip?.y1 === 'number' && typeof clip?.y2 === 'number';
      if (clipHorizontally) {
        const w = c.widestLine(text);
        if (x + w < clip.x1! || x > clip.x2!) continue;
      }
      if (clipVertically) {
        const h = lines.length;
        if (y + h < clip.y1! || y > clip.y2!) continue;
      }
      if (clipHorizontally) {
        lines = lines.map((line) => {
          const from = x < clip.x1! ? clip.x1! - x : 0;
          const w = c.stringWidth(line);
          const to = x + w > clip.x2! ? clip.x2! - x : w;
          return sliceAnsi(line, from, to);
        });
        if (x < clip.x1!) x = clip.x1!;
      }
      if (clipVertically) {
        const from = y < clip.y1! ? clip.y1! - y : 0;
        const h = lines.length;
        const to = y + h > clip.y2! ? clip.y2! - y : h;
        lines = lines.slice(from, to);
        if (y < clip.y1!) y = clip.y1!;
      }
    }
    let offsetY = 0;
    for (let index = 0; index < lines.length; index++) {
      const r = y + offsetY;
      // Ink skips a line whose row does not exist, without moving down (so do we).
      if (!(Number.isInteger(r) && r >= 0 && r < height)) continue;
      let line = lines[index]!;
      for (const transformer of transformers) line = transformer(line, index);
      (writes[r] ??= []).push([x, line]);
      offsetY++;
    }
  }
  const out: string[] = new Array(height);
  for (let r = 0; r < height; r++) {
    const w = writes[r];
    if (w === undefined) {
      out[r] = c.blankRow;
      continue;
    }
    const key = w.length === 1 ? `${w[0]![0]}\u0000${w[0]![1]}` : null;
    const hit = key === null ? undefined : c.rows.get(key);
    if (hit !== undefined) {
      out[r] = hit;
      continue;
    }
    const fast = w.length === 1 ? runRow(w[0]![0], w[0]![1], width) : null;
    let s: string;
    if (fast !== null) s = fast;
    else {
      const row: Cell[] = new Array<Cell>(width).fill(BLANK);
      for (const [x, line] of w) place(row, x, c.styledChars(line), c);
      s = charsToString(row.filter((item) => item !== undefined)).trimEnd();
    }
    if (key !== null) c.rows.set(key, s);
    out[r] = s;
  }
  c.rotate();
  return { output: out.join('\n'), height };
};

let installed: 'fast' | 'ink' | null = null;

/**
 * Put fastGet in place of Ink's Output.get, after checking on a sample frame that both
 * give the same string (so a changed Ink keeps its own code). Returns which one draws.
 */
export async function installFastOutput(): Promise<'fast' | 'ink'> {
  if (installed !== null) return installed;
  installed = 'ink';
  try {
    // The very module Ink's renderer uses: a path, since Ink's exports name only its index
    // (the bundle resolves it to the same file, so it is one module there too).
    const Output = ((await import('../../../node_modules/ink/build/output.js')) as unknown as { default: InkOutputClass }).default;
    const proto = Output.prototype;
    if (typeof proto.get !== 'function') return installed;
    if (!sameOnSample(Output)) return installed;
    proto.get = fastGet;
    installed = 'fast';
  } catch {
    /* Ink's layout changed: keep its own code */
  }
  return installed;
}

/**
 * A frame with the shapes oomtop draws: styled lines, a bordered box, clipping, transformers.
 * ASCII only: the first non-ASCII character Ink's own path measures makes string-width compile
 * its Unicode-property regexes (about 50 ms of CPU, measured, before the first frame, whose
 * rows need none of it). Wide and box-drawing characters are checked against the installed
 * Ink by the property test (test/ui/ink/output.test.ts).
 */
export function sampleOperations(): OutputLike {
  const line = '\u001b[1m\u001b[36mPID\u001b[39m\u001b[22m  \u001b[7mnode\u001b[27m server.js x';
  return {
    width: 30,
    height: 6,
    operations: [
      { type: 'write', x: 0, y: 0, text: line, transformers: [] },
      { type: 'write', x: 0, y: 1, text: '\u001b[32m+----+\u001b[39m\n\u001b[32m|\u001b[39m    \u001b[32m|\u001b[39m', transformers: [] },
      { type: 'write', x: 1, y: 2, text: 'ab', transformers: [(l) => `\u001b[31m${l}\u001b[39m`] },
      { type: 'clip', clip: { x1: 2, x2: 8, y1: 3, y2: 5 } },
      { type: 'write', x: 0, y: 3, text: 'clipped line here\nsecond\nthird\nfourth', transformers: [] },
      { type: 'unclip' },
    ],
  };
}

type InkOutputClass = { new (o: { width: number; height: number }): OutputLike & { get(): { output: string } }; prototype: { get: GetFn } };

function sameOnSample(Output: InkOutputClass): boolean {
  const sample = sampleOperations();
  const ink = new Output({ width: sample.width, height: sample.height });
  ink.operations = sample.operations;
  const want = ink.get();
  // Twice: the second run of fastGet answers from its row cache.
  return fastGet.call(sample).output === want.output && fastGet.call(sampleOperations()).output === want.output;
}
