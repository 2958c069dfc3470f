/**
 * The report's series from Prometheus (`oomtop report --prometheus URL`): query_range over the
 * exporter's series (issue 13's names), so a fleet's capacity plan comes from the engine that
 * already holds the long history. Bytes become KiB; with more than one instance every scope and
 * process key is prefixed with its instance.
 */
import type { ReportSeries } from './report.js';

export const PROMETHEUS_METRICS = {
  total: 'oomtop_memory_total_bytes',
  available: 'oomtop_memory_available_bytes',
  swapFree: 'oomtop_swap_free_bytes',
  cgroupLimit: 'oomtop_cgroup_memory_limit_bytes',
  cgroupWorkingSet: 'oomtop_cgroup_memory_working_set_bytes',
  processResident: 'oomtop_process_resident_bytes',
} as const;

interface Matrix {
  metric: Record<string, string>;
  values: [number, string][];
}

/**
 * The step for a range: at most ~1100 points a series (Prometheus allows 11,000), at least 15 s
 * (Prometheus's default scrape interval: a finer step only repeats samples). `--step SEC` for a
 * finer scrape interval: that step, kept within Prometheus's 11,000 points.
 */
export function stepSeconds(rangeMs: number, step: number | null = null): number {
  if (step !== null) return Math.max(step, Math.ceil(rangeMs / 1000 / 11_000));
  return Math.max(15, Math.ceil(rangeMs / 1000 / 1100));
}

async function queryRange(base: string, query: string, startS: number, endS: number, step: number, fetchImpl: typeof fetch): Promise<Matrix[]> {
  const url = new URL('api/v1/query_range', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(startS));
  url.searchParams.set('end', String(endS));
  url.searchParams.set('step', String(step));
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new Error(`cannot reach Prometheus at ${base}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: Matrix[] } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`Prometheus at ${base} answered ${res.status} with no JSON (is it a Prometheus API?)`);
  }
  if (body.status !== 'success' || body.data?.resultType !== 'matrix') throw new Error(`Prometheus query ${query} failed: ${body.error ?? `HTTP ${res.status}`}`);
  return body.data.result ?? [];
}

function toSeries(m: Matrix, kind: ReportSeries['kind'], key: string, metric: string, label: string | null = null, cgroup: string | null = null): ReportSeries {
  return { kind, key, metric, label, cgroup, times: m.values.map((v) => Math.round(v[0] * 1000)), values: m.values.map((v) => Number(v[1]) / 1024) };
}

/** Pointwise a op b over the times both have. */
function combine(a: ReportSeries, b: ReportSeries | undefined, op: (x: number, y: number) => number, metric: string): ReportSeries {
  const at = new Map<number, number>();
  if (b) for (let i = 0; i < b.times.length; i++) at.set(b.times[i]!, b.values[i]!);
  const out: ReportSeries = { ...a, metric, times: [], values: [] };
  for (let i = 0; i < a.times.length; i++) {
    const y = b ? at.get(a.times[i]!) : 0;
    if (y === undefined || !Number.isFinite(a.values[i]!)) continue;
    out.times.push(a.times[i]!);
    out.values.push(op(a.values[i]!, y));
  }
  return out;
}

/** Every series the report needs, from `sinceMs` to `untilMs`. */
export async function prometheusSeries(base: string, sinceMs: number, untilMs: number, fetchImpl: typeof fetch = fetch, stepS: number | null = null): Promise<ReportSeries[]> {
  const startS = Math.floor(sinceMs / 1000);
  const endS = Math.ceil(untilMs / 1000);
  const step = stepSeconds(untilMs - sinceMs, stepS);
  const q = (name: string) => queryRange(base, name, startS, endS, step, fetchImpl);
  const [total, avail, swap, limit, ws, rss] = await Promise.all(Object.values(PROMETHEUS_METRICS).map(q));
  const instances = new Set([...total!, ...limit!, ...rss!].map((m) => m.metric['instance'] ?? ''));
  const fleet = instances.size > 1;
  const scopeOf = (m: Matrix, name: string) => (fleet ? `${m.metric['instance'] ?? '?'} ${name}` : name);
  const byInstance = (list: Matrix[]) => new Map(list.map((m) => [m.metric['instance'] ?? '', m]));
  const out: ReportSeries[] = [];
  const availBy = byInstance(avail!);
  const swapBy = byInstance(swap!);
  for (const t of total!) {
    const inst = t.metric['instance'] ?? '';
    const a = availBy.get(inst);
    if (!a) continue;
    const key = fleet ? `${inst} system` : 'system';
    const totalS = toSeries(t, 'system', key, 'total');
    const availS = toSeries(a, 'system', key, 'available');
    const swapM = swapBy.get(inst);
    out.push(totalS, combine(totalS, availS, (x, y) => x - y, 'used'), combine(availS, swapM ? toSeries(swapM, 'system', key, 'swap') : undefined, (x, y) => x + y, 'headroom'));
  }
  const limitBy = new Map(limit!.map((m) => [`${m.metric['instance'] ?? ''}\u0000${m.metric['cgroup'] ?? ''}`, m]));
  for (const w of ws!) {
    const l = limitBy.get(`${w.metric['instance'] ?? ''}\u0000${w.metric['cgroup'] ?? ''}`);
    if (!l || w.metric['cgroup'] === undefined) continue;
    const key = scopeOf(w, w.metric['cgroup']);
    out.push(toSeries(w, 'cgroup', key, 'ws'), toSeries(l, 'cgroup', key, 'limit'));
  }
  for (const p of rss!) {
    const pid = p.metric['pid'];
    if (pid === undefined || !/^\d+$/.test(pid)) continue;
    out.push(toSeries(p, 'proc', fleet ? `${pid}@${p.metric['instance'] ?? '?'}` : pid, 'rss', p.metric['comm'] ?? '?', p.metric['cgroup'] ?? null));
  }
  return out;
}
