import { fmtKiB } from '../text/size.js';

/**
 * The live status of `oomtop run` on a terminal: one line at the bottom of the screen,
 * kept out of CMD's way with a scroll region (as apt draws its progress bar): CMD's
 * output scrolls in the rows above, the status row stays. Pure: text and escape sequences.
 */

export interface StatusInput {
  currentKiB: number;
  peakKiB: number;
  limitKiB: number;
  elapsedMs: number;
  columns: number;
}

export function fmtElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "oomtop run  12.3M / 64.0M  19% [||        ] peak 20.1M  0:12", cut to the width. */
export function statusLine(s: StatusInput): string {
  const frac = s.limitKiB > 0 ? s.currentKiB / s.limitKiB : 0;
  const pct = Math.round(Math.max(0, frac) * 100);
  const cells = 10;
  const filled = Math.max(0, Math.min(cells, Math.round(frac * cells)));
  const bar = `[${'|'.repeat(filled)}${' '.repeat(cells - filled)}]`;
  const line = `oomtop run  ${fmtKiB(s.currentKiB)} / ${fmtKiB(s.limitKiB)} ${String(pct).padStart(3)}% ${bar} peak ${fmtKiB(s.peakKiB)}  ${fmtElapsed(s.elapsedMs)}`;
  return line.length > s.columns - 1 ? line.slice(0, Math.max(0, s.columns - 1)) : line;
}

const SAVE = '\u001b7';
const RESTORE = '\u001b8';

/** Make room for the status row: rows 1..rows-1 scroll, the cursor stays inside them. */
export function setupRegion(rows: number): string {
  return `\n${SAVE}\u001b[1;${rows - 1}r${RESTORE}\u001b[1A`;
}

/** Draw the status in the last row and put the cursor back where CMD left it. */
export function drawStatus(rows: number, text: string): string {
  return `${SAVE}\u001b[${rows};1H\u001b[2K${text}${RESTORE}`;
}

/** Give the whole screen back and clear the status row. */
export function teardownRegion(rows: number): string {
  return `${SAVE}\u001b[1;${rows}r\u001b[${rows};1H\u001b[2K${RESTORE}`;
}
