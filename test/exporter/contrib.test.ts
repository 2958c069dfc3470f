import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORT, EXPORTER_USAGE, parseExporterArgs } from '../../src/cli/exporter-args.js';
import { dashboard, dashboardQueries, ExporterProcess, repo } from '../helpers/exporter.js';

const read = (p: string) => readFileSync(join(repo, p), 'utf8');

const metricNames = (expr: string) => [...expr.matchAll(/\b(oomtop_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
const families = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

describe('contrib: the Grafana dashboard and the alerts name metrics the exporter really emits', () => {
  const exporter = new ExporterProcess();
  const guard = new ExporterProcess();
  let emitted = new Set<string>();
  let stateDir = '';

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'oomtop-guard-state-'));
    await exporter.start(['exporter', '--listen', '127.0.0.1:0']);
    // The guard's two metrics exist only inside the guard.
    await guard.start(['guard', '--dry-run', '--state-dir', stateDir, '--listen', '127.0.0.1:0']);
    emitted = new Set([...families(await exporter.scrape()), ...families(await guard.scrape())]);
  }, 60_000);
  afterAll(async () => {
    await exporter.stop();
    await guard.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('the dashboard is an importable Grafana dashboard: title, uid, schemaVersion, unique panel ids, each panel placed with a query', () => {
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(30);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(['timeseries', 'table', 'stat'], p.title).toContain(p.type);
      expect(p.gridPos.w, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr, p.title).toMatch(/oomtop_/);
      expect(p.datasource.uid).toBe('${datasource}');
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'instance']);
    // Headroom, kills, next victims and PSI are all there.
    const all = dashboardQueries().join('\n');
    for (const m of ['oomtop_cgroup_memory_headroom_bytes', 'oomtop_kernel_oom_kills_total', 'oomtop_last_oom_kill_info', 'oomtop_next_victim_info', 'oomtop_pressure_memory_waiting_seconds_total']) {
      expect(all).toContain(m);
    }
  });

  it('every metric a dashboard query names is a metric family of a real scrape', () => {
    const named = new Set(dashboardQueries().flatMap(metricNames));
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((m) => !emitted.has(m))).toEqual([]);
  });

  it('every metric an alert names is a metric family of a real scrape', () => {
    const exprs = [...read('contrib/prometheus/oomtop-alerts.yml').matchAll(/expr: (.+)/g)].map((m) => m[1]!);
    const named = new Set(exprs.flatMap(metricNames));
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((m) => !emitted.has(m))).toEqual([]);
  });
});

/** The list items under `key:` in a YAML block (the DaemonSet's command). */
function yamlList(text: string, key: string): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() === `${key}:`);
  expect(at).toBeGreaterThanOrEqual(0);
  const indent = lines[at]!.search(/\S/);
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.trim().startsWith('#')) continue;
    if (l.search(/\S/) <= indent && !l.trim().startsWith('- ')) break;
    const m = /^\s*- (.*)$/.exec(l);
    if (!m) break;
    out.push(m[1]!.replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

const flagsOf = (args: string[]) => args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);

describe('contrib: the DaemonSet, ServiceMonitor and systemd unit use flags the CLI has', () => {
  it('the DaemonSet runs oomtop exporter with valid options, hostPID, read-only /proc and /sys/fs/cgroup, the port, limits', () => {
    const ds = read('contrib/kubernetes/oomtop-exporter.yaml');
    const command = yamlList(ds, 'command');
    expect(command.slice(0, 2)).toEqual(['oomtop', 'exporter']);
    const args = parseExporterArgs(command.slice(2));
    expect(args.listen).toEqual({ host: '0.0.0.0', port: DEFAULT_PORT });
    for (const f of flagsOf(command)) expect(EXPORTER_USAGE).toContain(f);
    expect(ds).toMatch(/^\s+hostPID: true$/m);
    expect(ds).toMatch(new RegExp(`containerPort: ${DEFAULT_PORT}\\b`));
    for (const [path, mount] of [['/proc', '/host/proc'], ['/sys/fs/cgroup', '/host/sys/fs/cgroup']]) {
      expect(ds).toContain(`path: ${path}\n`);
      expect(ds).toMatch(new RegExp(`mountPath: ${mount}\\n\\s+readOnly: true`));
      expect(command).toContain(mount);
    }
    expect(ds).toMatch(/limits:\n\s+cpu: \S+\n\s+memory: \S+/);
    expect(ds).toMatch(/path: \/healthz/);
  });

  it('the ServiceMonitor scrapes the Service port by name, as job oomtop', () => {
    const sm = read('contrib/kubernetes/servicemonitor.yaml');
    expect(sm).toContain('kind: ServiceMonitor');
    expect(sm).toMatch(/- port: metrics\n\s+path: \/metrics/);
    expect(sm).toContain('replacement: oomtop');
    expect(read('contrib/kubernetes/oomtop-exporter.yaml')).toMatch(/- name: metrics\n\s+port: \d+\n\s+targetPort: metrics/);
  });

  it('every oomtop exporter command of the systemd unit (and its comments) parses', () => {
    const unit = read('contrib/oomtop-exporter.service');
    const commands = [...unit.matchAll(/ExecStart=\/usr\/bin\/env oomtop exporter(.*)$/gm)].map((m) => m[1]!.trim().split(/\s+/).filter(Boolean));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const c of commands) {
      expect(() => parseExporterArgs(c), c.join(' ')).not.toThrow();
      for (const f of flagsOf(c)) expect(EXPORTER_USAGE).toContain(f);
    }
    // The unit's own ExecStart stays on loopback.
    const main = /^ExecStart=\/usr\/bin\/env oomtop exporter(.*)$/m.exec(unit)![1]!.trim().split(/\s+/);
    expect(parseExporterArgs(main).listen).toEqual({ host: '127.0.0.1', port: DEFAULT_PORT });
  });
});
