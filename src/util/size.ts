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
