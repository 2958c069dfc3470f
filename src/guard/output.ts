import { fmtSize } from '../text/size.js';
import { sanitize } from '../text/sanitize.js';
import type { GuardEvent } from './types.js';


const VERB: Record<string, string> = {
  term: 'sent SIGTERM to',
  kill: 'sent SIGKILL to',
  'would-term': 'would send SIGTERM to (dry run)',
  'would-kill': 'would send SIGKILL to (dry run)',
  exited: 'exited:',
  stuck: 'stuck:',
  recovered: 'recovered',
  'no-victim': 'no victim',
  'oom-kill': 'the kernel killed',
};

/** One human line per event; names, scopes and messages from the system are sanitized. */
export function formatHuman(raw: GuardEvent): string {
  const e: GuardEvent = {
    ...raw,
    scope: sanitize(raw.scope),
    ...(raw.name !== undefined ? { name: sanitize(raw.name) } : {}),
    ...(raw.message !== undefined ? { message: sanitize(raw.message) } : {}),
  };
  const head = e.scope === 'guard' ? `${e.time} guard:` : `${e.time} guard ${e.scope}:`;
  const mem =
    e.availablePct !== undefined
      ? ` available ${e.availablePct}% (${fmtSize(e.availableKiB)} of ${fmtSize(e.totalKiB)})${
          e.swapFreePct !== undefined && e.swapFreePct !== null ? `, swap free ${e.swapFreePct}%` : ''
        }`
      : '';
  const who = e.pid !== undefined ? ` PID ${e.pid} (${e.name ?? '?'})${e.rssKiB !== undefined ? ` rss ${fmtSize(e.rssKiB)}` : ''}` : '';
  switch (e.event) {
    case 'term':
    case 'kill':
    case 'would-term':
    case 'would-kill':
      return `${head} ${VERB[e.event]}${who};${mem}, level ${e.level}, trigger ${e.trigger}`;
    case 'exited':
      return `${head} ${VERB.exited}${who}${e.afterMs !== undefined ? ` ${e.afterMs} ms after ${e.signal}` : ''}${
        e.message ? ` (${e.message})` : ''
      };${mem}`;
    default:
      return `${head} ${VERB[e.event] ?? e.event}${who}${e.message ? `: ${e.message}` : ''}${mem ? `;${mem}` : ''}`;
  }
}

export function formatJson(e: GuardEvent): string {
  return JSON.stringify(e);
}

export type Writer = (line: string) => void;

export function eventPrinter(json: boolean, write: Writer): (e: GuardEvent) => void {
  return (e) => write(json ? formatJson(e) : formatHuman(e));
}
