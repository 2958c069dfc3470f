/** Sizes for people: shared by the monitor's cells and the headless subcommands (no UI imports). */

/** KiB → "812K", "1.2M", "23.5G" (1024-based, at most 5 characters). */
export function fmtKiB(kib: number | null | undefined): string {
  if (kib === null || kib === undefined || !Number.isFinite(kib)) return '-';
  const sign = kib < 0 ? '-' : '';
  let v = Math.abs(kib);
  const units = ['K', 'M', 'G', 'T', 'P'];
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = v < 10 && u > 0 ? 1 : 0;
  return `${sign}${v.toFixed(digits)}${units[u]}`;
}

/**
 * KiB → "812 KiB", "12.5 MiB", "256 MiB", "1.5 GiB" for prose (reports, guard lines, advice):
 * 1024-based, one decimal below 100, "?" when unknown. Columns use fmtKiB.
 */
export function fmtSize(kib: number | null | undefined): string {
  if (kib === null || kib === undefined || !Number.isFinite(kib)) return '?';
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = kib;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u > 0 && Math.abs(v) < 100 && Math.round(v * 10) % 10 !== 0 ? 1 : 0;
  return `${v.toFixed(digits)} ${units[u]}`;
}
