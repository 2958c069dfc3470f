/** How a rule's change is logged: one human line, or one JSON line. */
import { sanitize } from '../text/sanitize.js';
import type { RuleChange } from './applier.js';

export function changeLine(c: RuleChange, time: Date, json: boolean): string {
  if (json) {
    const base = { time: time.toISOString(), pid: c.pid, comm: c.comm, rule: c.rule };
    return JSON.stringify(
      c.kind === 'set'
        ? { ...base, event: 'adj-set', before: c.before, after: c.after }
        : { ...base, event: 'adj-refused', target: c.target, code: c.error.code, message: c.error.message, hint: c.error.hint },
    );
  }
  const who = `PID ${c.pid} (${sanitize(c.comm)})`;
  const rule = `rule "${sanitize(c.rule)}"`;
  if (c.kind === 'set') return `${time.toISOString()} ${who}: oom_score_adj ${c.before} -> ${c.after} (${rule})`;
  return `${time.toISOString()} ${who}: not changed to ${c.target} (${rule}): ${sanitize(c.error.message)}${c.error.hint ? `; ${sanitize(c.error.hint)}` : ''} (not retried)`;
}
