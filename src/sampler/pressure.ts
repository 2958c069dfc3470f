/** The pressure level lives with the readers (src/proc/pressure-level.ts) so the guard can use it too. */
export * from '../proc/pressure-level.js';
