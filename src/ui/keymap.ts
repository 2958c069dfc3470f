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
  | 'events'
  | 'cgroups'
  | 'guard'
  | 'details'
  | 'tree';

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
  c: 'cgroups',
  g: 'guard',
  t: 'tree',
};

export function commandFor(key: KeyInfo): Command | null {
  if (key.ctrl && key.input === 'c') return 'quit';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'details';
  return CHARS[key.input] ?? null;
}

/** Lines for the help screen: keys and what they do. */
export const HELP: readonly [string, string][] = [
  ['↑ ↓ j PgUp PgDn Home End', 'move; the selection follows the process (k is kill, as in htop)'],
  ['/', 'filter by name or command line; digits alone: that PID (Enter keeps, Esc clears)'],
  ['s F6   I', 'cycle the sort (risk, RSS, adj, growth, PID, name)   I: invert'],
  ['Z', 'pause / resume sampling'],
  [']  +   [  -   0', 'oom_score_adj up / down by the step, 0 resets (down needs CAP_SYS_RESOURCE below the floor)'],
  ['p   x', 'protect (adj preset below 0)   expendable (adj preset above 0)'],
  ['P', 'never kill: oom_score_adj -1000 (asks first)'],
  ['k F9', 'kill dialog: SIGTERM, then SIGKILL after the grace period'],
  ['Space   g', 'tag / untag (actions apply to all tagged)   guard: off → dry-run → armed'],
  ['Enter   t', "process details (why this rank: the kernel's arithmetic; cgroups, history)   tree view"],
  ['e   c', 'event details (OOM kills, actions, pressure)   cgroup view (Enter: its processes)'],
  ['? F1 h   q F10 ^C', 'this help   quit'],
];

export const LEGEND: readonly [string, string][] = [
  ['V C N P E *', 'every badge that applies (VE, CP): V next victim system-wide, C of its cgroup, N never killed (adj -1000), P protected (adj < 0), E expendable (adj > 0), * tagged'],
  ['SCORE  RISK  %LIM', "the kernel's oom_score (0..1333 since 5.9, idle 666); share of RAM+swap charged (adj included); its cgroup limit used"],
  ['GROW/s  ▼ ▲', 'RSS growth per second, the slope over the last 10 samples; the sort column and its direction (I inverts)'],
  ['COMMAND', 'program name (bold), then its arguments; its directory (dim) when the line fits. "(this monitor)": oomtop itself'],
];
