import { DEFAULT_MAX_MIB, defaultHistoryPath } from '../history/paths.js';
import { parseIntFlag } from './args.js';
import { UsageError } from './errors.js';
import type { OptionSpecs } from './options.js';

/** The history flags, as every command that records or reports takes them. */
export const HISTORY_OPTIONS = {
  history: { type: 'string' },
  'no-history': { type: 'boolean' },
  'history-max-mib': { type: 'string', number: true },
} as const satisfies OptionSpecs;

export interface HistoryArgs {
  /** null: --no-history. */
  path: string | null;
  maxBytes: number;
}

export function parseHistoryArgs(v: { history?: string; 'no-history'?: boolean; 'history-max-mib'?: string }, env: NodeJS.ProcessEnv = process.env): HistoryArgs {
  if (v.history !== undefined && v['no-history']) throw new UsageError('--history and --no-history contradict each other');
  if (v.history !== undefined && v.history.trim() === '') throw new UsageError('--history: empty path');
  const mib = v['history-max-mib'] === undefined ? DEFAULT_MAX_MIB : parseIntFlag('--history-max-mib', v['history-max-mib'], 1, 1_048_576);
  return { path: v['no-history'] ? null : (v.history ?? defaultHistoryPath(env)), maxBytes: mib * 1024 * 1024 };
}

/** "1h", "7d", "30m", "90s", "2w" → milliseconds. */
export function parseSince(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new UsageError(`--since: "${text}" is not a span (examples: 30m, 1h, 7d)`);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 7 * 86_400e3 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  const ms = Number(m[1]) * unit;
  if (ms <= 0) throw new UsageError(`--since: ${text} is out of range (more than 0)`);
  return ms;
}
