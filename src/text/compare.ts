/**
 * Code-point order, as htop's and top's strcmp. Not `localeCompare`: that loads ICU's collation
 * data into the process (about 2.7 MiB of the node binary's pages, measured) and costs more per
 * call, on paths that sort every tick.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
