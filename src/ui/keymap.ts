/** Key → command name, htop habits where they fit. Shared by the UI and the help screen. */
export type Command =
  | 'quit'
  | 'help'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'filter'
  | 'sort'
  | 'invert'
  | 'pause'
  | 'adjUp'
  | 'adjDown'
  | 'adjReset'
  | 'protect'
  | 'neverKill'
  | 'expendable'
  | 'kill'
  | 'tag'
  | 'events';

export interface KeyInfo {
  input: string;
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  ctrl?: boolean;
  escape?: boolean;
  return?: boolean;
}

/** Function keys, by the raw bytes terminals send (xterm, VT220, linux console). */
const FKEYS: Record<string, Command> = {
  '\u001bOP': 'help', // F1
  '\u001b[11~': 'help',
  '\u001b[[A': 'help',
  '\u001b[17~': 'sort', // F6
  '\u001b[20~': 'kill', // F9
  '\u001b[21~': 'quit', // F10
};

/** Ink's useInput hides function keys: the UI feeds raw input here too. */
export function commandForRaw(data: string): Command | null {
  return FKEYS[data] ?? null;
}

const CHARS: Record<string, Command> = {
  q: 'quit',
  '?': 'help',
  h: 'help',
  j: 'down',
  k: 'kill',
  '/': 'filter',
  s: 'sort',
  I: 'invert',
  Z: 'pause',
  ']': 'adjUp',
  '+': 'adjUp',
  '[': 'adjDown',
  '-': 'adjDown',
  '0': 'adjReset',
  p: 'protect',
  P: 'neverKill',
  x: 'expendable',
  ' ': 'tag',
  e: 'events',
};

export function commandFor(key: KeyInfo): Command | null {
  if (key.ctrl && key.input === 'c') return 'quit';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  return CHARS[key.input] ?? null;
}

/** Lines for the help screen: keys and what they do. */
export const HELP: readonly [string, string][] = [
  ['↑ ↓  j  PgUp PgDn  Home End', 'move the selection (it follows the process; k is kill, as in htop)'],
  ['/', 'filter by name, command line or PID (Enter keeps it, Esc clears)'],
  ['s  F6', 'cycle the sort: risk, RSS, adj, growth, PID, name'],
  ['I', 'invert the sort'],
  ['Z', 'pause / resume sampling'],
  [']  +', 'raise oom_score_adj by the step (more likely to be killed)'],
  ['[  -', 'lower oom_score_adj by the step (needs CAP_SYS_RESOURCE below the floor)'],
  ['0', 'reset oom_score_adj to 0'],
  ['p', 'protect: set oom_score_adj to the protect preset'],
  ['P', 'never kill: oom_score_adj -1000 (asks first)'],
  ['x', 'expendable: set oom_score_adj to the expendable preset'],
  ['k  F9', 'kill dialog: SIGTERM, then SIGKILL after the grace period'],
  ['Space', 'tag / untag; actions apply to all tagged processes'],
  ['e', 'event details (OOM kills, actions, pressure changes)'],
  ['?  F1  h', 'this help'],
  ['q  F10  Ctrl-C', 'quit'],
];

export const LEGEND: readonly [string, string][] = [
  ['V', 'next victim: the kernel would kill it first in a system-wide OOM now'],
  ['N', 'never killed: oom_score_adj -1000'],
  ['P', 'protected: oom_score_adj below 0'],
  ['E', 'expendable: oom_score_adj above 0'],
  ['*', 'tagged'],
  ['SCORE', "the kernel's /proc/PID/oom_score (0..1333 since Linux 5.9; idle reads 666)"],
  ['RISK', 'share of RAM+swap the kernel charges it, adj bonus included (badness)'],
];
