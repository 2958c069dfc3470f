import React from 'react';
import { Box, Text } from 'ink';
import { oomEventLines } from '../kernel/render.js';
import type { LogEntry } from '../store/events.js';
import { fit, fmtClock, sparkline } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import { eventLine } from './EventLog.js';
import type { Theme } from './theme.js';

/** Lines describing one entry: for a kernel OOM kill, everything the report and oomtop's own samples say. */
export function detailLines(e: LogEntry): string[] {
  const out = [`${new Date(e.time).toISOString()}  ${e.kind}  ${e.text}`];
  const o = e.oom;
  if (o) {
    out.push(...oomEventLines(o));
    const notes = [o.source ? `source: ${o.source}` : null, o.past ? 'before oomtop started' : null].filter((x) => x !== null);
    if (notes.length > 0) out.push(`   ${notes.join(', ')}`);
  }
  const r = e.recorded;
  if (r && r.rssKiB.length > 0) {
    out.push(`oomtop watched it for ${((r.times.at(-1)! - r.times[0]!) / 1000).toFixed(0)} s before it died:`);
    out.push(`  RSS ${sparkline(r.rssKiB, Math.min(40, r.rssKiB.length))} ${fmtKiB(r.rssKiB[0]!)} → ${fmtKiB(r.rssKiB.at(-1)!)}`);
    out.push(`  oom_score ${r.oomScore[0]} → ${r.oomScore.at(-1)}  adj ${r.oomScoreAdj ?? '?'}`);
  }
  return out;
}

export function EventDetail({ events, index, width, height, theme }: { events: LogEntry[]; index: number; width: number; height: number; theme: Theme }): React.ReactElement {
  const listH = Math.max(3, Math.floor(height / 2));
  const i = Math.max(0, Math.min(index, events.length - 1));
  const start = Math.max(0, Math.min(i - Math.floor((listH - 1) / 2), events.length - (listH - 1)));
  const list = events.slice(start, start + listH - 1);
  const sel = events[i];
  const detail = sel ? detailLines(sel) : ['no events yet'];
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.accent}>{fit('Events — ↑/↓ choose, Esc or e returns', width)}</Text>
      {list.map((e) => (
        <Text key={e.id} inverse={e === sel} color={e === sel ? undefined : theme.severity(e.severity)} wrap="truncate">
          {fit(eventLine(e), width)}
        </Text>
      ))}
      {detail.slice(0, Math.max(0, height - listH)).map((l, n) => (
        <Text key={`d${n}`} wrap="truncate">{fit(l, width)}</Text>
      ))}
    </Box>
  );
}
