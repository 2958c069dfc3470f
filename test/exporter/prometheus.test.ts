import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHog, killStarted } from '../helpers/children.js';
import { dashboard, ExporterProcess, pollFor, repo } from '../helpers/exporter.js';
import { memcgSkipReason, TestMemcg } from '../helpers/memcg.js';
import { prometheusSkipReason, promtool, TestPrometheus } from '../helpers/prometheus.js';

const skip = prometheusSkipReason ?? memcgSkipReason;

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
}

/**
 * The whole chain against real things: a real Prometheus scraping `oomtop exporter` every
 * second, a real OOM kill in a small v1 memory cgroup, and the kill alert of
 * contrib/prometheus/oomtop-alerts.yml (a copy with a short `for:`) going pending, then firing.
 */
describe.skipIf(skip !== null)(`a real Prometheus scrapes oomtop exporter through a real cgroup OOM kill${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const exporter = new ExporterProcess();
  // A second exporter that does not follow the kernel log (as where /dev/kmsg is denied): the
  // same kill must reach an alert through the kernel's own counters (OomtopOomKillUnlogged).
  const unlogged = new ExporterProcess();
  const prom = new TestPrometheus();
  let memcg: TestMemcg;

  beforeAll(async () => {
    memcg = new TestMemcg(128);
    // A small resident keeps the cgroup in the exporter's view before the kill.
    memcg.spawn('sleep 600');
    await exporter.start(['exporter', '--listen', '127.0.0.1:0', '--interval', '0.5']);
    await unlogged.start(['exporter', '--listen', '127.0.0.1:0', '--interval', '0.5', '--no-kernel-log']);
    const rules = readFileSync(join(repo, 'contrib/prometheus/oomtop-alerts.yml'), 'utf8').replace(
      /(- alert: OomtopOomKill\n(\s+)expr: [^\n]+\n)/,
      '$1$2for: 3s\n',
    );
    expect(rules).toContain('for: 3s');
    await prom.start({ targets: [exporter.target, unlogged.target], rules });
  }, 60_000);

  afterAll(async () => {
    killStarted();
    await memcg?.remove();
    await exporter.stop();
    await unlogged.stop();
    await prom.stop();
  });

  it('sees oomtop_kernel_oom_kills_total rise from 0 and the OOM-kill alert go pending, then firing, naming the victim', async () => {
    const sel = `{cgroup="${memcg.path}",instance="${exporter.target}"}`;
    const selUnlogged = `{cgroup="${memcg.path}",instance="${unlogged.target}"}`;
    // The cgroup's series exist (at 0) before the kill, so the kill is a rise.
    const before = await pollFor(
      async () => {
        const r = await prom.query(`oomtop_kernel_oom_kills_total${sel}`);
        return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
      },
      30_000,
      `oomtop_kernel_oom_kills_total${sel} in Prometheus`,
    );
    expect(before).toBe(0);
    const limit = await prom.query(`oomtop_cgroup_memory_limit_bytes${sel}`);
    expect(Number(limit[0]?.value[1])).toBe(128 * 1024 * 1024);
    // The exporter without the kernel log says so, and has the cgroup's own counter at 0.
    const unloggedBefore = await pollFor(
      async () => {
        const r = await prom.query(`oomtop_cgroup_oom_kills_total${selUnlogged}`);
        return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
      },
      30_000,
      `oomtop_cgroup_oom_kills_total${selUnlogged} in Prometheus`,
    );
    expect(unloggedBefore).toBe(0);
    const logUp = await prom.query(`oomtop_kernel_log_up`);
    expect(Object.fromEntries(logUp.map((r) => [r.metric.instance, Number(r.value[1])]))).toEqual({ [exporter.target]: 1, [unlogged.target]: 0 });

    // 400 MiB into a 128 MiB cgroup: the kernel's memcg OOM killer ends the hog.
    const hog = startHog(400, { cgroupDir: memcg.dir }).then(
      () => 'survived',
      () => 'killed',
    );
    expect(await hog).toBe('killed');
    await pollFor(async () => (memcg.oomKills() > 0 ? true : undefined), 10_000, 'the cgroup to count a kill');

    const after = await pollFor(
      async () => {
        const r = await prom.query(`oomtop_kernel_oom_kills_total${sel}`);
        const v = Number(r[0]?.value[1] ?? 0);
        return v >= 1 ? v : undefined;
      },
      30_000,
      'the kill in oomtop_kernel_oom_kills_total',
    );
    expect(after).toBeGreaterThanOrEqual(1);
    const increase = await prom.query(`increase(oomtop_kernel_oom_kills_total${sel}[1m])`);
    expect(Number(increase[0]?.value[1])).toBeGreaterThan(0);
    const constraint = await prom.query(`oomtop_kernel_oom_kills_total${sel}`);
    expect(constraint[0]!.metric.constraint).toBe('memcg');

    const states = new Set<string>();
    const firing = await pollFor(
      async () => {
        const d = await prom.api<{ alerts: Alert[] }>('alerts');
        const a = d.alerts.find((x) => x.labels.alertname === 'OomtopOomKill' && x.labels.cgroup === memcg.path && x.labels.instance === exporter.target);
        if (a) states.add(a.state);
        return a?.state === 'firing' ? a : undefined;
      },
      30_000,
      'OomtopOomKill firing',
      200,
    );
    expect([...states]).toContain('pending');
    expect(firing.annotations.summary).toBe(`OOM kill on ${exporter.target} in cgroup ${memcg.path}`);
    expect(firing.annotations.description).toContain(`cgroup ${memcg.path} hit its memory limit`);
    // The victim, from oomtop_last_oom_kill_info (the last kill on this host: another test's
    // kill elsewhere may have come later, so the victim is checked where it is ours).
    const info = await prom.query(`oomtop_last_oom_kill_info`);
    expect(info.length).toBe(1);
    if (info[0]!.metric.cgroup === memcg.path) {
      expect(info[0]!.metric.comm).toBe('node');
      expect(firing.annotations.description).toContain(`Last victim: node (PID ${info[0]!.metric.pid}`);
    }
    const cgKills = await prom.query(`oomtop_cgroup_oom_kills_total${sel}`);
    expect(Number(cgKills[0]?.value[1])).toBeGreaterThanOrEqual(1);

    // Without the kernel log: the cgroup's own counter fires OomtopOomKillUnlogged for that
    // exporter only, naming the cgroup; its log-based counter never moved.
    const unloggedAlert = await pollFor(
      async () => {
        const d = await prom.api<{ alerts: Alert[] }>('alerts');
        return d.alerts.find((x) => x.labels.alertname === 'OomtopOomKillUnlogged' && x.labels.instance === unlogged.target && x.labels.cgroup === memcg.path && x.state === 'firing');
      },
      30_000,
      'OomtopOomKillUnlogged firing for the exporter without the kernel log',
    );
    expect(unloggedAlert.annotations.summary).toBe(`OOM kill on ${unlogged.target} in cgroup ${memcg.path} (kernel log unread)`);
    expect(unloggedAlert.annotations.description).toContain('so the victim is not known');
    const all = await prom.api<{ alerts: Alert[] }>('alerts');
    expect(all.alerts.filter((x) => x.labels.alertname === 'OomtopOomKillUnlogged' && x.labels.instance === exporter.target)).toEqual([]);
    const logCount = await prom.query(`oomtop_kernel_oom_kills_total{instance="${unlogged.target}"}`);
    expect(logCount.map((r) => Number(r.value[1])).filter((v) => v !== 0)).toEqual([]);
  }, 120_000);

  it('promtool check config accepts the config this Prometheus runs (two oomtop targets, the alert rules)', () => {
    const r = promtool(['check', 'config', join(prom.dir, 'prometheus.yml')]);
    expect(r.out).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
    expect(r.out).toContain('SUCCESS: 7 rules found');
    expect(r.status).toBe(0);
  });

  it('every query of the Grafana dashboard runs in Prometheus, and each panel but the guard\'s has data', async () => {
    const subst = (e: string) => e.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*');
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        const r = await prom.query(subst(t.expr!));
        if (!/oomtop_guard_/.test(t.expr!)) expect(r.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
      }
    }
    for (const a of dashboard.annotations.list) if (a.expr) await prom.query(subst(a.expr));
  });
});
