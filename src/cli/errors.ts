/** A bad flag or value: one line on stderr and exit code 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
