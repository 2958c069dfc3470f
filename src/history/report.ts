/**
 * `oomtop report`: leak suspects, time to exhaustion per scope, and the capacity plan, from
 * recorded series (the SQLite history or Prometheus's query_range), as JSON or text with a
 * chart kept to 80 columns. Building is pure; the chart is asciichart's.
 */
import asciichart from 'asciichart';
import { parseProcessKey } from '../kernel/oom.js';
import { bucketMeans, fmtSpan as span } from '../text/format.js';
import { sanitize } from '../text/sanitize.js';
import { fmtSize } from '../text/size.js';
import { capacityPlan, exhaustion, fmtEta, leakOf, type CapacityPlan } from './analysis.js';

/** One series as the report reads it, from either source. */
export interface ReportSeries {
  kind: 'system' | 'cgroup' | 'proc';
  key: string;
  metric: string;
  label: string | null;
  cgroup: string | null;
  times: number[];
  values: number[];
}

export interface LeakEntry {
  pid: number;
  startTimeTicks: number | null;
  name: string;
  cgroup: string | null;
  slopeKiBPerS: number;
  rssKiB: number;
  windowS: number;
  confidence: number;
}

export interface ScopeEntry {
  scope: string;
  usedKiB: number;
  limitKiB: number;
  headroomKiB: number;
  slopeKiBPerS: number;
  confidence: number;
  etaSeconds: number | null;
  eta: string;
  daysTo80Pct: number | null;
  daysTo90Pct: number | null;
}

export interface HistoryReport {
  source: string;
  from: number | null;
  to: number | null;
  leaks: LeakEntry[];
  scopes: ScopeEntry[];
  capacity: CapacityPlan | null;
  /** The system's use, % of RAM (mean per column of the chart), oldest first. */
  chart: { times: number[]; usedPct: number[] };
}

const find = (all: ReportSeries[], kind: string, key: string, metric: string) => all.find((s) => s.kind === kind && s.key === key && s.metric === metric);

/** Values of `a` minus those of `b` at the same times (points only one of them has are left out). */
function minus(a: ReportSeries, b: ReportSeries, reverse = false): { times: number[]; values: number[] } {
  const at = new Map<number, number>();
  for (let i = 0; i < b.times.length; i++) at.set(b.times[i]!, b.values[i]!);
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < a.times.length; i++) {
    const o = at.get(a.times[i]!);
    if (o === undefined) continue;
    times.push(a.times[i]!);
    values.push(reverse ? o - a.values[i]! : a.values[i]! - o);
  }
  return { times, values };
}

function ratioPct(used: { times: number[]; values: number[] }, cap: ReportSeries): { times: number[]; values: number[] } {
  const at = new Map<number, number>();
  for (let i = 0; i < cap.times.length; i++) at.set(cap.times[i]!, cap.values[i]!);
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < used.times.length; i++) {
    const c = at.get(used.times[i]!) ?? cap.values.at(-1)!;
    if (!(c > 0)) continue;
    times.push(used.times[i]!);
    values.push((100 * used.values[i]!) / c);
  }
  return { times, values };
}

function medianStep(times: number[]): number {
  if (times.length < 2) return 0;
  const d = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  return d[d.length >> 1]!;
}

function scopeEntry(scope: string, used: { times: number[]; values: number[] }, headroom: { times: number[]; values: number[] }, limitKiB: number, pct: { times: number[]; values: number[] }): ScopeEntry | null {
  if (used.values.length === 0) return null;
  // The last day's trend (as the leak windows): it may be extrapolated up to ten days ahead.
  const e = exhaustion(headroom.times, headroom.values, 86_400);
  const plan = capacityPlan(pct.times, pct.values);
  return {
    scope,
    usedKiB: used.values.at(-1)!,
    limitKiB,
    headroomKiB: headroom.values.at(-1) ?? limitKiB - used.values.at(-1)!,
    slopeKiBPerS: e ? -e.slopeKiBPerS : 0,
    confidence: e?.confidence ?? 0,
    etaSeconds: e?.etaSeconds ?? null,
    eta: fmtEta(e?.etaSeconds ?? null),
    daysTo80Pct: plan?.daysTo80Pct ?? null,
    daysTo90Pct: plan?.daysTo90Pct ?? null,
  };
}

/** The report from recorded series. */
export function buildReport(all: ReportSeries[], source: string, chartColumns = 64): HistoryReport {
  let from = Infinity;
  let to = -Infinity;
  for (const s of all) {
    if (s.times.length === 0) continue;
    from = Math.min(from, s.times[0]!);
    to = Math.max(to, s.times.at(-1)!);
  }
  const leaks: LeakEntry[] = [];
  for (const s of all) {
    if (s.kind !== 'proc' || s.metric !== 'rss' || s.times.length === 0) continue;
    // Only processes alive at the end of the history (seen within three sampling steps).
    if (s.times.at(-1)! < to - Math.max(3 * medianStep(s.times), 5000)) continue;
    const g = leakOf(s.times, s.values);
    if (!g) continue;
    const id = parseProcessKey(s.key);
    leaks.push({
      // pid:start from the recording; a bare PID (or PID@instance) from Prometheus.
      pid: id?.pid ?? Number(/^\d+/.exec(s.key)?.[0] ?? NaN),
      startTimeTicks: id?.startTimeTicks ?? null,
      name: s.label ?? '?',
      cgroup: s.cgroup,
      slopeKiBPerS: g.floorSlope,
      rssKiB: s.values.at(-1)!,
      windowS: g.windowS,
      confidence: g.floorConfidence,
    });
  }
  leaks.sort((a, b) => b.slopeKiBPerS - a.slopeKiBPerS);

  const scopes: ScopeEntry[] = [];
  const used = find(all, 'system', 'system', 'used');
  const total = find(all, 'system', 'system', 'total');
  const head = find(all, 'system', 'system', 'headroom');
  let capacity: CapacityPlan | null = null;
  let chart: HistoryReport['chart'] = { times: [], usedPct: [] };
  if (used && total && head) {
    const pct = ratioPct(used, total);
    const e = scopeEntry('system', used, head, total.values.at(-1)!, pct);
    if (e) scopes.push(e);
    capacity = capacityPlan(pct.times, pct.values);
    const b = bucketMeans(pct.times, pct.values, chartColumns);
    chart = { times: b.times, usedPct: b.values };
  }
  for (const s of all) {
    if (s.kind !== 'cgroup' || s.metric !== 'ws') continue;
    const limit = find(all, 'cgroup', s.key, 'limit');
    if (!limit || limit.values.length === 0) continue;
    const e = scopeEntry(s.key, s, minus(s, limit, true), limit.values.at(-1)!, ratioPct(s, limit));
    if (e) scopes.push(e);
  }
  // The system first, then the cgroups that run out first.
  scopes.sort((a, b) => (a.scope === 'system' ? -1 : b.scope === 'system' ? 1 : (a.etaSeconds ?? Infinity) - (b.etaSeconds ?? Infinity) || a.headroomKiB - b.headroomKiB));
  return { source, from: Number.isFinite(from) ? from : null, to: Number.isFinite(to) ? to : null, leaks, scopes, capacity, chart };
}

const rate = (kibps: number) => `${fmtSize(Math.abs(kibps) * 60)}/min`;
const days = (d: number | null) => (d === null ? 'not at the current trend' : d === 0 ? 'now' : d < 1 ? `${(d * 24).toFixed(1)} h` : `${d.toFixed(1)} days`);

/** The report as text for a terminal: every line at most `width` columns. */
export function renderReport(r: HistoryReport, width = 80): string {
  const lines: string[] = [];
  const when = (t: number | null) => (t === null ? '?' : new Date(t).toISOString().replace('T', ' ').slice(0, 19));
  lines.push(`History ${sanitize(r.source)}: ${when(r.from)} to ${when(r.to)} UTC`);
  lines.push('');
  lines.push(r.leaks.length === 0 ? 'Leak suspects: none (no process grew steadily)' : 'Leak suspects (steady growth):');
  for (const l of r.leaks.slice(0, 10)) {
    lines.push(`  PID ${l.pid} ${sanitize(l.name)}: +${rate(l.slopeKiBPerS)}, RSS ${fmtSize(l.rssKiB)}`);
    const how = `    steady over ${span(l.windowS)} (confidence ${l.confidence.toFixed(2)})`;
    const where = l.cgroup ? ` in ${sanitize(l.cgroup)}` : '';
    if (how.length + where.length <= width) lines.push(how + where);
    else lines.push(how, `    ${where.trim()}`);
  }
  lines.push('');
  lines.push('Time to exhaustion:');
  for (const s of r.scopes) {
    lines.push(`  ${s.scope === 'system' ? 'system' : sanitize(s.scope)}: ${s.eta}${s.etaSeconds !== null ? ` (headroom -${rate(s.slopeKiBPerS)})` : ''}`);
    lines.push(`    ${fmtSize(s.usedKiB)} of ${fmtSize(s.limitKiB)} used, ${fmtSize(s.headroomKiB)} left${s.scope === 'system' ? ' (MemAvailable + free swap)' : ' (limit - working set)'}`);
  }
  const c = r.capacity;
  if (c) {
    lines.push('');
    lines.push(`Capacity plan (RAM, ${span(c.days * 86_400)} of history):`);
    lines.push(`  now: mean ${c.currentAvgPct.toFixed(1)} %, peak ${c.currentMaxPct.toFixed(1)} %`);
    lines.push(
      c.days < 1 / 24
        ? '  growth: not extrapolated from less than an hour'
        : `  growth: ${c.growthPctPerDay >= 0 ? '+' : ''}${c.growthPctPerDay.toFixed(2)} points of RAM a day (confidence ${c.confidence.toFixed(2)})`,
    );
    lines.push(`  in ${c.horizonDays} days: mean ${c.predictedAvgPct.toFixed(1)} %, peak ${c.predictedMaxPct.toFixed(1)} %`);
    lines.push(`  80 % of RAM: ${days(c.daysTo80Pct)}; 90 %: ${days(c.daysTo90Pct)}`);
    for (const s of r.scopes) if (s.scope !== 'system' && (s.daysTo80Pct !== null || s.daysTo90Pct !== null)) lines.push(`  ${sanitize(s.scope)}: 80 % of its limit ${days(s.daysTo80Pct)}; 90 % ${days(s.daysTo90Pct)}`);
    lines.push(`  recommendation: ${c.recommendation}`);
  }
  if (r.chart.usedPct.length >= 2) {
    lines.push('');
    lines.push('RAM in use, % (oldest left):');
    const lo = Math.max(0, Math.floor(Math.min(...r.chart.usedPct) - 1));
    const hi = Math.min(100, Math.ceil(Math.max(...r.chart.usedPct) + 1));
    const plot = asciichart.plot(r.chart.usedPct, { height: 8, min: lo, max: hi, format: (x: number) => x.toFixed(1).padStart(6) });
    lines.push(...plot.split('\n'));
    lines.push(`        ${when(r.chart.times[0]!)}${' '.repeat(Math.max(1, r.chart.usedPct.length - 38))}${when(r.chart.times.at(-1)!)}`.slice(0, width));
  }
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join('\n') + '\n';
}

/** The JSON of the issue's shape, and the chart's points. */
export function reportJson(r: HistoryReport): unknown {
  return {
    source: r.source,
    from: r.from === null ? null : new Date(r.from).toISOString(),
    to: r.to === null ? null : new Date(r.to).toISOString(),
    leaks: r.leaks,
    scopes: r.scopes,
    capacity: r.capacity,
    chart: r.chart,
  };
}
