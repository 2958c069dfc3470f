import { readSmall } from './read.js';
import { parseStat, parseStatus } from './process.js';

/** Page size in KiB, from this process's own VmRSS and rss pages (Node has no sysconf). */
export function detectPageKiB(): number {
  const status = readSmall('/proc/self/status');
  const stat = readSmall('/proc/self/stat');
  if (status && stat) {
    const st = parseStatus(status);
    const s = parseStat(stat);
    if (st && s && s.rssPages > 0) {
      const ratio = st.vmRssKiB / s.rssPages;
      for (const size of [4, 16, 64]) if (Math.abs(ratio - size) / size < 0.25) return size;
    }
  }
  return 4;
}
