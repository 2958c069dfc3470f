import { sanitize } from '../text/sanitize.js';

/**
 * A bad flag or value: one line on stderr and exit code 2. The message is sanitized here, once
 * for every thrower: it quotes what was typed, which may hold ESC or a newline (found by npm run fuzz).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(sanitize(message));
  }
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
