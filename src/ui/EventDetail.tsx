import React from 'react';
import { Box, Text } from 'ink';
import { oomEventLines } from '../kernel/render.js';
import type { LogEntry } from '../store/events.js';
import { fit, fmtClock, sparkline } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import { wrap } from '../text/layout.js';
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

/** How the event screen splits its height: the list of events, then the selected one's details. */
export function eventLayout(height: number): { list: number; detail: number } {
  const list = Math.max(3, Math.floor(height / 2));
  return { list, detail: Math.max(0, height - list) };
}

/** The selected entry's details, each line wrapped to the width (continuations indented). */
export function wrappedDetail(e: LogEntry | undefined, width: number): string[] {
  if (!e) return ['no events yet'];
  return detailLines(e).flatMap((l) => {
    const lead = /^ */.exec(l)![0];
    return wrap(l, width, { indent: `${lead}  ` });
  });
}

/** The last first-line the details can scroll to (0 when they fit). */
export function detailScrollMax(events: LogEntry[], index: number, width: number, height: number): number {
  const e = events[Math.max(0, Math.min(index, events.length - 1))];
  const { detail } = eventLayout(height);
  return Math.max(0, wrappedDetail(e, width).length - Math.max(1, detail - 1));
}

export function EventDetail({ events, index, scroll, width, height, theme }: { events: LogEntry[]; index: number; scroll: number; width: number; height: number; theme: Theme }): React.ReactElement {
  const { list: listH, detail: detailH } = eventLayout(height);
  const i = Math.max(0, Math.min(index, events.length - 1));
  const start = Math.max(0, Math.min(i - Math.floor((listH - 1) / 2), events.length - (listH - 1)));
  const list = events.slice(start, start + listH - 1);
  const sel = events[i];
  const detail = wrappedDetail(sel, width);
  const room = Math.max(1, detailH - 1);
  const from = Math.max(0, Math.min(scroll, detail.length - room));
  const shown = detail.slice(from, from + room);
  const more = detail.length > room ? `  lines ${from + 1}–${from + shown.length} of ${detail.length}: PgUp/PgDn scroll` : '';
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.accent} wrap="truncate">{fit(`Events — ↑/↓ choose, Home/End first/last, Esc or e returns${more}`, width)}</Text>
      {list.map((e) => (
        <Text key={e.id} inverse={e === sel} color={e === sel ? undefined : theme.severity(e.severity)} wrap="truncate">
          {fit(eventLine(e), width)}
        </Text>
      ))}
      <Text bold wrap="truncate">{fit('─'.repeat(width), width)}</Text>
      {shown.map((l, n) => (
        <Text key={`d${from + n}`} wrap="truncate">{fit(l, width)}</Text>
      ))}
    </Box>
  );
}
