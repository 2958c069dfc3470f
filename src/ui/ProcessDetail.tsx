import React from 'react';
import type { ProcessDetailModel, ScoreArithmetic } from '../store/detail.js';
import { commandParts, fmtGrowth } from '../text/columns.js';
import { bucketMeans, fit, fmtSpan, sparkline, width as cellWidth } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import { sanitize } from '../text/sanitize.js';
import { bold, paint } from './ansi.js';
import { Lines } from './Lines.js';
import type { Theme } from './theme.js';

export interface DetailLine {
  text: string;
  style?: 'title' | 'heading' | 'dim' | 'bad';
}

/** Cut sanitized text into pieces of at most `cells` cells, at a space when one is near the end. */
export function wrapCells(text: string, cells: number): string[] {
  const s = sanitize(text);
  if (cells <= 0) return [];
  const out: string[] = [];
  let line = '';
  let used = 0;
  let lastSpace = -1;
  for (const ch of s) {
    const w = cellWidth(ch);
    if (used + w > cells) {
      // Break at the last space if it leaves the line at least two thirds full.
      if (lastSpace >= 0 && cellWidth(line.slice(0, lastSpace)) >= (cells * 2) / 3) {
        out.push(line.slice(0, lastSpace));
        line = line.slice(lastSpace + 1);
      } else {
        out.push(line);
        line = '';
      }
      used = cellWidth(line);
      lastSpace = line.lastIndexOf(' ');
    }
    if (ch === ' ') lastSpace = line.length;
    line += ch;
    used += w;
  }
  if (line !== '' || out.length === 0) out.push(line);
  return out;
}

/** A sparkline between the series' own minimum and maximum (a flat series draws flat). */
function spark(values: readonly number[], cells: number): string {
  const vs = values.slice(-cells);
  if (vs.length === 0) return '';
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  return sparkline(vs.map((v) => v - lo), vs.length, hi - lo || 1).trimStart();
}

function arithmeticLines(a: ScoreArithmetic, kernelScore: number | null, what: string): string[] {
  const total = a.domain === 'system' ? 'RAM + swap' : 'its limit';
  const mem = a.rssPages + a.swapPages + a.pgtablesPages;
  const out = [
    `${what}: rss ${a.rssPages} + swap ${a.swapPages} + page tables ${a.pgtablesPages} = ${mem} pages`,
    `  adj ${a.adj} × ⌊${a.totalPages} pages (${total}) / 1000⌋ = ${a.adjPages} pages`,
  ];
  if (a.points === null) out.push('  never picked: adj -1000, or init');
  else {
    out.push(`  points ${a.points} of ${a.totalPages} = ${a.permille}‰ (${((a.permille ?? 0) / 10).toFixed(1)}% of ${total})`);
    if (a.expectedScore !== null) {
      const agree = kernelScore === null ? '' : kernelScore === a.expectedScore ? `; the kernel's oom_score reads ${kernelScore}` : `; the kernel's oom_score reads ${kernelScore} (its counters are newer than these figures)`;
      out.push(`  oom_score = (1000 + ${a.permille}) × 2/3 = ${a.expectedScore}${agree}`);
    }
  }
  return out;
}

/** Everything the pane shows, as lines of at most `width` cells (long ones wrapped). */
export function processDetailLines(m: ProcessDetailModel, width: number, selfPid: number = process.pid): DetailLine[] {
  const r = m.row;
  const out: DetailLine[] = [];
  const add = (text: string, style?: DetailLine['style'], indent = 0) => {
    const pad = ' '.repeat(indent);
    for (const piece of wrapCells(text, Math.max(1, width - indent))) out.push({ text: pad + piece, style });
  };
  const name = r.pid === selfPid ? 'oomtop (this monitor)' : commandParts(r.name, r.cmdline).name;
  add(`PID ${r.pid}  ${name}  (comm ${r.name})  user ${r.user}${r.uid === null ? '' : ` (uid ${r.uid})`}  state ${r.state}  parent ${r.ppid}`, 'title');
  if (r.rule) add(`oom_score_adj ${r.oomScoreAdj} set by rule "${r.rule}" (the rules file in force)`, undefined, 2);
  add('Command line', 'heading');
  add(r.cmdline || `[${r.name}] (no command line: a kernel thread or a zombie)`, undefined, 2);

  add('Why this rank (mm/oom_kill.c oom_badness)', 'heading');
  if (m.rank !== null) {
    add(`system-wide: ${m.rank === 1 ? 'the next victim' : `number ${m.rank}`} of ${m.killable} killable processes${m.rank === 1 || m.nextVictimPid === null ? '' : ` (next victim: PID ${m.nextVictimPid})`}`, m.rank === 1 ? 'bad' : undefined, 2);
  } else add('system-wide: never picked (adj -1000, or init)', undefined, 2);
  if (m.system) for (const l of arithmeticLines(m.system, r.oomScore, 'system OOM')) add(l, undefined, 2);
  if (m.cgroup) for (const l of arithmeticLines(m.cgroup, null, `OOM in ${m.cgroup.domain}`)) add(l, undefined, 2);
  if (r.cgroupVictim) add(`the next victim if ${m.cgroup?.domain ?? 'its cgroup'} runs out`, 'bad', 2);

  add('Memory', 'heading');
  add(`RSS ${fmtKiB(r.rssKiB)} = anon ${fmtKiB(r.anonKiB)} + file ${fmtKiB(r.fileKiB)} + shmem ${fmtKiB(r.shmemKiB)}   swap ${fmtKiB(r.swapKiB)}   page tables ${fmtKiB(r.pgtablesKiB)}   (split read ${m.detailAgeS} s ago)`, undefined, 2);

  add('Memory cgroups, root first', 'heading');
  if (m.chain.length === 0) add(r.cgroup === null ? 'no memory cgroup (no controller, or not readable)' : r.cgroup, 'dim', 2);
  for (const c of m.chain) {
    const label = c.label === c.path ? c.path : `${c.label} (${c.path})`;
    const lim = c.limitKiB === null ? 'no limit' : `limit ${fmtKiB(c.limitKiB)}, working set ${Math.round((100 * c.workingSetKiB) / c.limitKiB)}%`;
    add(`${label}: usage ${fmtKiB(c.usageKiB)}, ${lim}${c.isDomain ? '   ← its OOM domain' : ''}`, c.isDomain ? 'bad' : undefined, 2);
  }

  const h = m.history;
  if (h && h.times.length > 0) {
    const span = Math.round((h.times.at(-1)! - h.times[0]!) / 1000);
    add(`History: the last ${h.times.length} samples, over ${span} s (oldest left)`, 'heading');
    const cells = Math.max(4, Math.min(60, width - 40));
    const rssLo = Math.min(...h.rssKiB);
    const rssHi = Math.max(...h.rssKiB);
    add(`RSS       ${spark(h.rssKiB, cells)}  ${fmtKiB(rssLo)} … ${fmtKiB(rssHi)}, now ${fmtKiB(h.rssKiB.at(-1)!)}`, undefined, 2);
    add(`oom_score ${spark(h.oomScore, cells)}  ${Math.min(...h.oomScore)} … ${Math.max(...h.oomScore)}, now ${h.oomScore.at(-1)}`, undefined, 2);
    if (m.growth) add(`GROW/s    ${fmtGrowth(m.growth.kibPerSec)}/s: the RSS slope over the last ${m.growth.samples} samples (${m.growth.seconds} s)`, undefined, 2);
    if (r.leakKiBps) add(`LEAK      suspect: its RSS floor rises steadily, ${fmtGrowth(r.leakKiBps)}/s (badge L; oomtop report over days)`, 'bad', 2);
    const long = h.long;
    if (long.times.length >= 2) {
      const min = Math.round((long.times.at(-1)! - long.times[0]!) / 60_000);
      add(`RSS ${String(min).padStart(2)} min ${spark(long.rssKiB, cells)}  ${fmtKiB(Math.min(...long.rssKiB))} … ${fmtKiB(Math.max(...long.rssKiB))} (one point per 10 s)`, undefined, 2);
    }
  }
  const rec = m.recorded;
  if (rec) {
    // The long history from the file the monitor records into (--history): mean per cell.
    const cells = Math.max(4, Math.min(60, width - 40));
    const spanS = (rec.times.at(-1)! - rec.times[0]!) / 1000;
    const means = bucketMeans(rec.times, rec.rssKiB, cells).values;
    add(`Recorded history (--history): ${fmtSpan(spanS)}, ${rec.times.length} points (oldest left)`, 'heading');
    add(`RSS ${spark(means, cells)}  ${fmtKiB(Math.min(...rec.rssKiB))} … ${fmtKiB(Math.max(...rec.rssKiB))}, now ${fmtKiB(rec.rssKiB.at(-1)!)}`, undefined, 2);
  }
  return out;
}

export function ProcessDetail({ model, scroll, width, height, theme }: { model: ProcessDetailModel | null; scroll: number; width: number; height: number; theme: Theme }): React.ReactElement {
  const head = bold(paint(fit('Process details — ↑/↓ PgUp/PgDn scroll, Esc or Enter returns', width), theme.accent));
  if (!model) return <Lines lines={[head, fit('the process is gone, and oomtop has no record of it', width)]} width={width} />;
  const all = processDetailLines(model, width);
  const room = Math.max(1, height - 1);
  const first = Math.max(0, Math.min(scroll, all.length - room));
  const style = (l: DetailLine) => {
    const t = fit(l.text, width);
    if (l.style === 'title') return bold(t);
    if (l.style === 'heading') return bold(paint(t, theme.accent));
    if (l.style === 'dim') return paint(t, theme.dim);
    if (l.style === 'bad') return paint(t, theme.severity('bad'));
    return t;
  };
  const shown = all.slice(first, first + room).map(style);
  return <Lines lines={[head, ...shown]} width={width} />;
}
