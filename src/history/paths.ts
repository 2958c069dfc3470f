/**
 * Where the history lives and how large it may grow: kept apart from the SQLite store
 * (src/history/db.ts) so that argument parsers can name them without reaching the binding.
 */

export const DEFAULT_MAX_MIB = 64;

/** Where the history goes by default: /var/lib/oomtop/history.db for root, else $XDG_STATE_HOME/oomtop/history.db. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? -1): string {
  if (uid === 0) return '/var/lib/oomtop/history.db';
  const state = env['XDG_STATE_HOME'] && env['XDG_STATE_HOME'].startsWith('/') ? env['XDG_STATE_HOME'] : `${env['HOME'] ?? '/tmp'}/.local/state`;
  return `${state}/oomtop/history.db`;
}
