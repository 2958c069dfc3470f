import { KILL_SIGNALS } from '../config.js';
import type { LogSeverity } from '../store/events.js';
import type { SaveRuleOffer, Target, ViewState } from '../store/store.js';
import type { AdjustRequest } from '../tui/commands.js';
import { ACTS, commandFor, isChar, type Command, type Key } from './keymap.js';

/*
 * The TUI's keys as pure functions: bytes → keys (parseKeys), and (view state, key) → (view
 * state, effects) (reduceKey). App.tsx only feeds the terminal's input in and carries the
 * effects out (src/tui/commands.ts for everything that touches a process).
 */

const CSI_FINAL: Record<string, Key> = { A: 'Up', B: 'Down', C: 'Right', D: 'Left', H: 'Home', F: 'End', P: 'F1', Q: 'F2', R: 'F3', S: 'F4', Z: 'S-Tab' };
const TILDE: Record<string, Key> = {
  '1': 'Home', '2': 'Insert', '3': 'Delete', '4': 'End', '5': 'PgUp', '6': 'PgDn', '7': 'Home', '8': 'End',
  '11': 'F1', '12': 'F2', '13': 'F3', '14': 'F4', '15': 'F5', '17': 'F6', '18': 'F7', '19': 'F8', '20': 'F9', '21': 'F10', '23': 'F11', '24': 'F12',
};
/** The linux console's F1–F5: ESC [ [ A … E. */
const LINUX_F: Record<string, Key> = { A: 'F1', B: 'F2', C: 'F3', D: 'F4', E: 'F5' };

/**
 * The keys in one chunk of terminal input, in order. Printable characters are themselves;
 * escape sequences (xterm, VT220, rxvt, the linux console; modifiers dropped) and control
 * bytes get names. Anything unknown is "Unknown", never a character.
 */
export function parseKeys(chunk: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < chunk.length) {
    const c = chunk[i]!;
    if (c === '\u001b') {
      const next = chunk[i + 1];
      if (next === undefined) {
        keys.push('Esc');
        i++;
        continue;
      }
      if (next === '[' && chunk[i + 2] === '[' && chunk[i + 3] !== undefined) {
        keys.push(LINUX_F[chunk[i + 3]!] ?? 'Unknown');
        i += 4;
        continue;
      }
      if (next === '[') {
        // CSI: parameters 0x30–0x3f, intermediates 0x20–0x2f, one final byte 0x40–0x7e.
        let j = i + 2;
        while (j < chunk.length && /[\x20-\x3f]/.test(chunk[j]!)) j++;
        const final = chunk[j];
        if (final === undefined || !/[\x40-\x7e]/.test(final)) {
          keys.push('Unknown');
          i = j;
          continue;
        }
        const params = chunk.slice(i + 2, j);
        i = j + 1;
        if (params.startsWith('<')) {
          keys.push(mouseKey(params, final));
          continue;
        }
        if (final === '~') keys.push(TILDE[params.split(';')[0]!] ?? 'Unknown');
        else keys.push(CSI_FINAL[final] ?? 'Unknown');
        continue;
      }
      if (next === 'O' && chunk[i + 2] !== undefined) {
        keys.push(CSI_FINAL[chunk[i + 2]!] ?? 'Unknown');
        i += 3;
        continue;
      }
      if (next === '\u001b') {
        keys.push('Esc');
        i++;
        continue;
      }
      // Alt+key: not a command here; never its plain letter.
      keys.push('Unknown');
      i += next.codePointAt(0)! > 0xffff ? 3 : 2;
      continue;
    }
    const code = c.charCodeAt(0);
    if (c === '\r' || c === '\n') keys.push('Enter');
    else if (c === '\u007f' || c === '\b') keys.push('Backspace');
    else if (c === '\t') keys.push('Tab');
    else if (code < 0x20) keys.push(`C-${String.fromCharCode(code + 0x60)}`);
    else if (code >= 0x80 && code < 0xa0) keys.push('Unknown');
    else {
      const cp = chunk.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      keys.push(ch);
      i += ch.length;
      continue;
    }
    i++;
  }
  return keys;
}

/** SGR mouse reports (ESC [ < b ; x ; y M|m): a left click becomes "Click:x:y" (1-based). */
function mouseKey(params: string, final: string): Key {
  const m = /^<(\d+);(\d+);(\d+)$/.exec(params);
  if (!m || final !== 'M') return 'Mouse';
  const button = Number(m[1]);
  if (button === 64) return 'WheelUp';
  if (button === 65) return 'WheelDown';
  return (button & 3) === 0 && (button & 32) === 0 ? `Click:${m[2]}:${m[3]}` : 'Mouse';
}

export type GuardModeName = 'off' | 'dry-run' | 'armed';

/** What the reducer may look at besides the view state. */
export interface KeyContext {
  view: ViewState;
  eventCount: number;
  cgroupCount: number;
  /** The last first-line each scrolling text can have (0 when it fits). */
  helpMax: number;
  detailMax: number;
  /** The last first line of the process detail pane (0 when it fits). */
  processMax: number;
  /** Lines a page of help or details moves. */
  textPage: number;
  readOnly: boolean;
  /** The oom_score_adj presets: the step of ] and [, p (protect) and x (expendable). */
  adj: { step: number; protect: number; expendable: number };
  /** The guard's mode, or null where there is no guard. */
  guard: GuardModeName | null;
  /** The user of the selected process, for `u`. */
  selectedUser: string | null;
}

/** How the key arrived: alone, or with others in one chunk of input (fast typing, a paste). */
export interface Chunk {
  /** Keys in the chunk. */
  size: number;
  /** Every key of the chunk is the same key (`]]`, `jjj`): a repeat, not a paste. */
  repeat: boolean;
}
export const ALONE: Chunk = { size: 1, repeat: true };

/** What a key asks the world to do, besides changing the view. */
export type Effect =
  | { do: 'quit' }
  | { do: 'move'; by: number | 'home' | 'end' }
  | { do: 'cycleSort' }
  | { do: 'adjust'; req: AdjustRequest; targets?: Target[] }
  | { do: 'askNeverKill' }
  | { do: 'askSaveRule' }
  /** The save-rule dialog's answer: the rule, the drop-in, or both. */
  | { do: 'saveRule'; offer: SaveRuleOffer; rule: boolean; dropIn: boolean }
  | { do: 'openKillDialog' }
  | { do: 'kill'; targets: Target[]; signal: NodeJS.Signals }
  | { do: 'escalate'; target: Target }
  | { do: 'leftRunning'; target: Target }
  | { do: 'showPendingEscalation' }
  | { do: 'toggleTag' }
  | { do: 'cycleGuard' }
  | { do: 'search'; text: string; next: boolean }
  | { do: 'showCgroup'; index: number }
  /** A left click at a cell of the screen (1-based): on a table row, selects it. */
  | { do: 'click'; x: number; y: number }
  | { do: 'status'; text: string; severity: LogSeverity }
  /** A key not applied because it came with others (see describeRefused). */
  | { do: 'refused'; key: string; what: string };

export interface KeyResult {
  view: Partial<ViewState> | null;
  effects: Effect[];
}

const none: KeyResult = { view: null, effects: [] };
const view = (patch: Partial<ViewState>, ...effects: Effect[]): KeyResult => ({ view: patch, effects });
const fx = (...effects: Effect[]): KeyResult => ({ view: null, effects });
const status = (text: string, severity: LogSeverity = 'info'): Effect => ({ do: 'status', text, severity });

/** Printable form of a key for messages. */
function keyName(k: Key): string {
  return k === ' ' ? 'Space' : k;
}

function refuseInChunk(key: Key, _chunk: Chunk, what: string): KeyResult {
  return fx({ do: 'refused', key: keyName(key), what });
}

/** One message for the keys of a chunk that were not applied, saying why. */
export function describeRefused(refused: readonly { key: string; what: string }[], chunk: Chunk): string {
  const keys = refused.map((r) => r.key).join(' ');
  const whats = [...new Set(refused.map((r) => r.what))].join('; ');
  return `ignored ${keys}: ${whats} must be pressed on its own, and ${refused.length === 1 ? 'it' : 'they'} came in one chunk of ${chunk.size} keys (a paste?)`;
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** Scroll keys for a text of `max` + page lines. */
function scrollBy(key: Key, at: number, max: number, page: number): number | null {
  switch (key) {
    case 'Up': case 'k': return clamp(at - 1, 0, max);
    case 'Down': case 'j': return clamp(at + 1, 0, max);
    case 'PgUp': case 'WheelUp': return clamp(at - Math.max(1, page), 0, max);
    case 'PgDn': case 'WheelDown': case ' ': return clamp(at + Math.max(1, page), 0, max);
    case 'Home': return 0;
    case 'End': return max;
    default: return null;
  }
}

/** Delete the last character (a whole code point) or, with C-w, the last word. */
function edit(text: string, key: Key): string | null {
  if (key === 'Backspace') return [...text].slice(0, -1).join('');
  if (key === 'C-u') return '';
  if (key === 'C-w') return text.replace(/\S*\s*$/, '');
  if (isChar(key)) return text + key;
  return null;
}

function filterKey(ctx: KeyContext, key: Key): KeyResult {
  const draft = ctx.view.filterDraft!;
  if (key === 'Enter') return view({ filterDraft: null }, ...(draft ? [status(`filter kept: "${draft}" (Esc clears it)`)] : []));
  if (key === 'Esc') return view({ filter: '', filterDraft: null });
  const nav = navigation(key);
  if (nav) return fx(nav);
  const next = edit(draft, key);
  // Live: the filter is what is typed so far.
  return next === null ? none : view({ filterDraft: next, filter: next });
}

function searchKey(ctx: KeyContext, key: Key): KeyResult {
  const text = ctx.view.search!;
  if (key === 'Enter' || key === 'Esc') return view({ search: null });
  if (key === 'F3') return fx({ do: 'search', text, next: true });
  const nav = navigation(key);
  if (nav) return fx(nav);
  const next = edit(text, key);
  return next === null ? none : view({ search: next }, { do: 'search', text: next, next: false });
}

function navigation(key: Key): Effect | null {
  switch (key) {
    case 'Up': return { do: 'move', by: -1 };
    case 'Down': return { do: 'move', by: 1 };
    case 'PgUp': return { do: 'move', by: -Infinity };
    case 'PgDn': return { do: 'move', by: Infinity };
    case 'Home': return { do: 'move', by: 'home' };
    case 'End': return { do: 'move', by: 'end' };
    case 'WheelUp': return { do: 'move', by: -3 };
    case 'WheelDown': return { do: 'move', by: 3 };
    default: return null;
  }
}

function dialogKey(ctx: KeyContext, key: Key, chunk: Chunk): KeyResult {
  const d = ctx.view.dialog!;
  const close = (...effects: Effect[]) => view({ dialog: null }, ...effects, { do: 'showPendingEscalation' });
  if (d.kind === 'kill') {
    if (key === 'Up' || key === 'k') return view({ dialog: { ...d, signalIndex: Math.max(0, d.signalIndex - 1) } });
    if (key === 'Down' || key === 'j') return view({ dialog: { ...d, signalIndex: Math.min(KILL_SIGNALS.length - 1, d.signalIndex + 1) } });
    if (key === 'Enter') {
      if (chunk.size > 1) return refuseInChunk(key, chunk, 'the Enter that sends a signal');
      return close({ do: 'kill', targets: d.targets, signal: KILL_SIGNALS[d.signalIndex]! });
    }
    if (key === 'Esc' || key === 'q') return close();
    return none;
  }
  if (d.kind === 'save-rule') {
    const both = d.offer.dropIn !== null && (key === 'b' || key === 'B');
    const dropIn = d.offer.dropIn !== null && (key === 'd' || key === 'D');
    const rule = key === 'y' || key === 'Y' || key === 'Enter';
    if (rule || both || dropIn) {
      if (chunk.size > 1) return refuseInChunk(key, chunk, 'an answer to a question');
      return close({ do: 'saveRule', offer: d.offer, rule: rule || both, dropIn: dropIn || both });
    }
    if (key === 'n' || key === 'N' || key === 'Esc' || key === 'q') return close(status('nothing saved'));
    return none;
  }
  const yes = key === 'y' || key === 'Y' || key === 'Enter';
  const no = key === 'n' || key === 'N' || key === 'Esc' || key === 'q';
  if (yes) {
    if (chunk.size > 1) return refuseInChunk(key, chunk, 'an answer to a question');
    switch (d.kind) {
      case 'never-kill': return close({ do: 'adjust', req: { set: -1000 }, targets: d.targets });
      case 'escalate': return close({ do: 'escalate', target: d.target });
      case 'arm-guard': return close({ do: 'cycleGuard' });
    }
  }
  if (no) {
    switch (d.kind) {
      case 'never-kill': return close();
      case 'escalate': return close({ do: 'leftRunning', target: d.target });
      case 'arm-guard': return close(status('the guard stays in dry-run'));
    }
  }
  return none;
}

function mainKey(ctx: KeyContext, key: Key, chunk: Chunk): KeyResult {
  const v = ctx.view;
  const click = /^Click:(\d+):(\d+)$/.exec(key);
  if (click) return fx({ do: 'click', x: Number(click[1]), y: Number(click[2]) });
  if (key === 'WheelUp' || key === 'WheelDown') return fx(navigation(key)!);
  if (key === 'Esc') {
    if (v.filter !== '' || v.cgroupFilter !== null) return view({ filter: '', cgroupFilter: null }, status('filter cleared: all processes shown'));
    return none;
  }
  const cmd = commandFor(key);
  if (cmd === null) return none;
  if (ACTS.has(cmd) && chunk.size > 1 && !chunk.repeat) return refuseInChunk(key, chunk, 'a key that changes a process');
  return run(ctx, cmd);
}

function run(ctx: KeyContext, cmd: Command): KeyResult {
  const v = ctx.view;
  switch (cmd) {
    case 'quit': return fx({ do: 'quit' });
    case 'help': return view({ screen: 'help', helpScroll: 0 });
    case 'up': return fx({ do: 'move', by: -1 });
    case 'down': return fx({ do: 'move', by: 1 });
    case 'pageUp': return fx({ do: 'move', by: -Infinity });
    case 'pageDown': return fx({ do: 'move', by: Infinity });
    case 'home': return fx({ do: 'move', by: 'home' });
    case 'end': return fx({ do: 'move', by: 'end' });
    case 'filter': return view({ filterDraft: v.filter });
    case 'search': return view({ search: '' });
    case 'sort': return fx({ do: 'cycleSort' });
    case 'invert': return view({ inverted: !v.inverted });
    case 'pause':
      return view({ paused: !v.paused }, status(v.paused ? 'resumed' : 'paused: the table is frozen (Z resumes); actions still apply and show'));
    case 'adjUp': return fx({ do: 'adjust', req: { delta: ctx.adj.step } });
    case 'adjDown': return fx({ do: 'adjust', req: { delta: -ctx.adj.step } });
    case 'adjReset': return fx({ do: 'adjust', req: { set: 0 } });
    case 'protect': return fx({ do: 'adjust', req: { set: ctx.adj.protect } });
    case 'expendable': return fx({ do: 'adjust', req: { set: ctx.adj.expendable } });
    case 'neverKill': return fx({ do: 'askNeverKill' });
    case 'saveRule':
      if (ctx.readOnly) return fx(status('--read-only: rules are not saved', 'warn'));
      return fx({ do: 'askSaveRule' });
    case 'kill':
      if (ctx.readOnly) return fx(status('--read-only: killing is disabled', 'warn'));
      return fx({ do: 'openKillDialog' });
    case 'tag': return fx({ do: 'toggleTag' });
    case 'untagAll':
      if (v.tagged.size === 0) return fx(status('nothing is tagged'));
      return view({ tagged: new Set() }, status(`untagged ${v.tagged.size} process${v.tagged.size === 1 ? '' : 'es'}`));
    case 'userFilter': {
      if (/(^|\s)user:\S*/i.test(v.filter)) {
        const rest = v.filter.replace(/(^|\s)user:\S*\s*/i, '$1').trim();
        return view({ filter: rest }, status(rest ? `filter: "${rest}"` : 'all users shown'));
      }
      if (ctx.selectedUser === null) return fx(status('no process selected', 'warn'));
      const filter = `user:${ctx.selectedUser}${v.filter ? ` ${v.filter}` : ''}`;
      return view({ filter }, status(`only the processes of ${ctx.selectedUser} (u again shows every user)`));
    }
    case 'events': return view({ screen: 'event', eventIndex: Math.max(0, ctx.eventCount - 1), detailScroll: 0 });
    case 'cgroups': return view({ screen: 'cgroups' });
    case 'tree': return view({ tree: !v.tree }, status(!v.tree ? 'tree view: processes under their parents (t: flat)' : 'flat view'));
    case 'details': return v.selectedKey ? view({ screen: 'process', detailKey: v.selectedKey, processScroll: 0 }) : none;
    case 'logOlder': return view({ logScroll: clamp(v.logScroll + 1, 0, Math.max(0, ctx.eventCount - 1)) });
    case 'logNewer': return view({ logScroll: clamp(v.logScroll - 1, 0, Math.max(0, ctx.eventCount - 1)) });
    case 'guard':
      if (ctx.guard === null) return fx(status('the guard is not available here', 'warn'));
      if (ctx.readOnly) return fx(status('--read-only: the guard cannot be armed', 'warn'));
      if (ctx.guard === 'dry-run') return view({ dialog: { kind: 'arm-guard' } });
      return fx({ do: 'cycleGuard' });
  }
}

/**
 * One key: the new view (a patch, or null when it does not change) and what else to do.
 * Modal, in this order: Ctrl-C always quits; then the filter or search being typed; a dialog;
 * the help, cgroup and event screens; the main screen.
 */
export function reduceKey(ctx: KeyContext, key: Key, chunk: Chunk = ALONE): KeyResult {
  const v = ctx.view;
  if (key === 'C-c') return fx({ do: 'quit' });
  if (v.filterDraft !== null) return filterKey(ctx, key);
  if (v.search !== null) return searchKey(ctx, key);
  if (v.dialog) return dialogKey(ctx, key, chunk);
  // Mouse reports other than those the screen uses never act as "any key".
  if (/^(Click:|Mouse$|Unknown$)/.test(key) && v.screen !== 'main') return none;
  if (v.screen === 'help') {
    const at = scrollBy(key, v.helpScroll, ctx.helpMax, ctx.textPage);
    if (at !== null) return view({ helpScroll: at });
    return view({ screen: 'main', helpScroll: 0 });
  }
  if (v.screen === 'cgroups') {
    const last = Math.max(0, ctx.cgroupCount - 1);
    if (key === 'Up' || key === 'k') return view({ cgroupIndex: clamp(v.cgroupIndex - 1, 0, last) });
    if (key === 'Down' || key === 'j') return view({ cgroupIndex: clamp(v.cgroupIndex + 1, 0, last) });
    if (key === 'Home') return view({ cgroupIndex: 0 });
    if (key === 'End') return view({ cgroupIndex: last });
    if (key === 'Enter') return ctx.cgroupCount > 0 ? fx({ do: 'showCgroup', index: clamp(v.cgroupIndex, 0, last) }) : none;
    if (key === 'Esc') return view({ screen: 'main', ...(v.cgroupFilter ? { cgroupFilter: null } : {}) });
    if (key === 'c' || key === 'q') return view({ screen: 'main' });
    return none;
  }
  if (v.screen === 'process') {
    const at = scrollBy(key, v.processScroll, ctx.processMax, ctx.textPage);
    if (at !== null) return view({ processScroll: at });
    if (key === 'Esc' || key === 'Enter' || key === 'q') return view({ screen: 'main' });
    return none;
  }
  if (v.screen === 'event') {
    const last = Math.max(0, ctx.eventCount - 1);
    if (key === 'Up' || key === 'k') return view({ eventIndex: clamp(v.eventIndex - 1, 0, last), detailScroll: 0 });
    if (key === 'Down' || key === 'j') return view({ eventIndex: clamp(v.eventIndex + 1, 0, last), detailScroll: 0 });
    if (key === 'Home') return view({ eventIndex: 0, detailScroll: 0 });
    if (key === 'End') return view({ eventIndex: last, detailScroll: 0 });
    if (key === 'PgUp' || key === 'PgDn' || key === 'WheelUp' || key === 'WheelDown' || key === ' ') {
      return view({ detailScroll: scrollBy(key, v.detailScroll, ctx.detailMax, ctx.textPage)! });
    }
    if (key === 'Esc' || key === 'e' || key === 'q') return view({ screen: 'main' });
    return none;
  }
  return mainKey(ctx, key, chunk);
}

/** Keys of one chunk, each with how it arrived. */
export function chunkOf(keys: readonly Key[]): Chunk {
  return { size: keys.length, repeat: keys.every((k) => k === keys[0]) };
}
