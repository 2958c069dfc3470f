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
  | 'search'
  | 'tree'
  | 'untagAll'
  | 'userFilter'
  | 'logOlder'
  | 'logNewer'
  | 'details'
  | 'saveRule';

/**
 * A key, as src/ui/keys.ts parses it from the terminal's bytes: a printable character is
 * itself ("k", "]", "é"); every other key has a name of several letters ("Up", "PgDn",
 * "Enter", "Esc", "Backspace", "F1" … "F12", "C-c" for Ctrl-C).
 */
export type Key = string;

/** A printable character (one code point), not a named key. */
export function isChar(key: Key): boolean {
  return [...key].length === 1;
}

/** htop's function keys where they fit; F2 (setup) has no counterpart. */
const NAMED: Record<string, Command> = {
  'C-c': 'quit',
  Up: 'up',
  Down: 'down',
  PgUp: 'pageUp',
  PgDn: 'pageDown',
  Home: 'home',
  End: 'end',
  F1: 'help',
  F3: 'search',
  F4: 'filter',
  F5: 'tree',
  F6: 'sort',
  F7: 'adjDown',
  F8: 'adjUp',
  F9: 'kill',
  F10: 'quit',
  Enter: 'details',
};

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
  U: 'untagAll',
  u: 'userFilter',
  t: 'tree',
  e: 'events',
  c: 'cgroups',
  g: 'guard',
  '{': 'logOlder',
  '}': 'logNewer',
  R: 'saveRule',
};

export function commandFor(key: Key): Command | null {
  return (isChar(key) ? CHARS[key] : NAMED[key]) ?? null;
}

/** Commands that change a process or arm something: never run from a pasted string of keys. */
export const ACTS: ReadonlySet<Command> = new Set<Command>(['adjUp', 'adjDown', 'adjReset', 'protect', 'expendable', 'neverKill', 'kill', 'guard', 'saveRule']);

/** Lines for the help screen: keys and what they do. */
export const HELP: readonly [string, string][] = [
  ['↑ ↓ j PgUp PgDn Home End', 'move; the selection follows the process (k is kill, as in htop)'],
  ['/ F4', 'filter as you type: name or command line; digits also match the PID; pid:310 that PID only; user:NAME a user. Enter keeps it, Esc clears it (Esc on the main screen too)'],
  ['F3', 'search: the selection jumps to the next match as you type, F3 again finds the next one, Enter or Esc ends'],
  ['u   U', "show only the selected process's user (u again shows all)   untag all"],
  ['s F6   I', 'cycle the sort (risk, RSS, adj, growth, PID, name)   I: invert'],
  ['t F5', 'tree view: processes under their parents'],
  ['Enter', "process details: why this rank (the kernel's arithmetic), its cgroups, its history (Esc returns)"],
  ['Z', 'pause / resume sampling (actions still work; the frozen table shows their result)'],
  [']  +  F8   [  -  F7   0', 'oom_score_adj up / down by the step, 0 resets (down needs CAP_SYS_RESOURCE below the floor)'],
  ['p   x', 'protect (adj preset below 0)   expendable (adj preset above 0)'],
  ['P', 'never kill: oom_score_adj -1000 (asks first)'],
  ['R', "save the selected process's adj as a rule in the rules file (--rules, or /etc/oomtop/rules.toml): shows it and asks; for a systemd service, offers the drop-in too"],
  ['k F9', 'kill dialog: SIGTERM, then SIGKILL after the grace period'],
  ['Space', 'tag / untag (actions apply to all tagged)'],
  ['g', 'guard: off → dry-run → armed (arming asks first)'],
  ['e   c', 'event details (OOM kills, actions, pressure; PgUp PgDn scroll a long report)   cgroup view (Enter: its processes)'],
  ['{   }', 'scroll the event log to older / newer events'],
  ['? F1 h   q F10 ^C', 'this help (↑ ↓ PgUp PgDn scroll it, any other key returns)   quit'],
  ['several keys at once', 'keys that arrive together (fast typing, a slow link) are applied one by one, except keys that change a process: those must come alone unless they repeat (]] is two steps); a paste never acts'],
];

export const LEGEND: readonly [string, string][] = [
  ['V C N P E *', 'every badge that applies (VE, CP): V next victim system-wide, C of its cgroup, R adj set by a rule, N never killed (adj -1000), P protected (adj < 0), E expendable (adj > 0), * tagged'],
  ['SCORE  RISK  %LIM', "the kernel's oom_score (0..1333 since 5.9, idle 666); share of RAM+swap charged (adj included); its cgroup limit used"],
  ['GROW/s  ▼ ▲', 'RSS growth per second, the slope over the last 10 samples; the sort column and its direction (I inverts)'],
  ['COMMAND', 'program name (bold), then its arguments; its directory (dim) when the line fits. "(this monitor)": oomtop itself'],
];
