import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hierarchyFromRoot } from '../../src/cgroup/mountinfo.js';
import { parseProcCgroup } from '../../src/cgroup/proccgroup.js';
import { Exporter } from '../../src/exporter/exporter.js';
import { labelValue, workloadLabels } from '../../src/exporter/labels.js';
import type { OomEvent } from '../../src/kernel/types.js';
import { makeFakeProc, removeFakeProc, writeFakeProcess, type FakeProcess } from '../helpers/fakeproc.js';
import { parseLabels, sampleValue } from '../helpers/exporter.js';
import { promtool, promtoolSkipReason } from '../helpers/prometheus.js';
import { FIXTURES } from '../cgroup/fixtures.js';
import { KernelKills } from '../../src/exporter/kills.js';

/**
 * The collectors on fixture trees: a fake /proc (test/helpers/fakeproc.ts) whose processes
 * sit in the cgroup v2 fixture tree (test/fixtures/cgroup/v2), copied so a hostile cgroup can
 * be added beside the real-looking ones. Hostile names must come out as sanitized label values
 * that keep the exposition format whole (checked by promtool where it is installed).
 */
const HOSTILE_COMM = 'ev"il\\\x1b[2J\nx';
const HOSTILE_UNIT = 'ev"il\\\x1b[31m.service';
const pod = '/kubepods.slice/kubepods-pode9d8c7b6_a5f4_4e3d_8c2b_1a0f9e8d7c6b.slice/cri-containerd-7979797979797979797979797979797979797979797979797979797979797979.scope';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function setup(processes: FakeProcess[], opts: { top?: number; maxCgroups?: number; now?: () => number } = {}) {
  const cg = mkdtempSync(join(tmpdir(), 'oomtop-exp-cg-'));
  roots.push(cg);
  cpSync(join(FIXTURES, 'v2', 'sys', 'fs', 'cgroup'), cg, { recursive: true });
  // A hostile unit beside the Docker scope, with the same files.
  const src = join(FIXTURES, 'v2', 'sys', 'fs', 'cgroup', 'system.slice', 'docker-5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b.scope');
  cpSync(src, join(cg, 'system.slice', HOSTILE_UNIT), { recursive: true });
  const proc = makeFakeProc({ processes, pressure: 'some avg10=1.00 avg60=0.50 avg300=0.10 total=2500000\nfull avg10=0.50 avg60=0.20 avg300=0.05 total=1000000\n', oomKill: 7 });
  roots.push(proc);
  const hierarchy = hierarchyFromRoot(cg)!;
  const exporter = new Exporter({
    procRoot: proc,
    cgroupRoot: cg,
    top: opts.top ?? 20,
    maxCgroups: opts.maxCgroups ?? 100,
    intervalMs: 0,
    kernelLog: false,
    containerNames: false,
    hierarchy,
    memoryCgroupOf: (text) => parseProcCgroup(text, 2),
    now: opts.now,
  });
  return { exporter, proc, cg };
}

const DOCKER5B = '/system.slice/docker-5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b.scope';
const procs = (): FakeProcess[] => [
  { pid: 1, comm: 'init', rssPages: 100 },
  { pid: 100, comm: 'java', rssPages: 200_000, cgroup: `0::${pod}\n` },
  { pid: 200, comm: 'nginx', rssPages: 5000, cgroup: `0::${DOCKER5B}\n`, adj: -500 },
  { pid: 300, comm: HOSTILE_COMM, rssPages: 3000, cgroup: `0::/system.slice/${HOSTILE_UNIT}\n` },
  { pid: 400, comm: 'small', rssPages: 10 },
];

describe('exporter collectors on fixture trees', () => {
  it('system metrics in base units, from /proc/meminfo, PSI and vmstat', async () => {
    const { exporter } = setup(procs());
    const text = await exporter.scrape();
    exporter.stop();
    expect(sampleValue(text, 'oomtop_memory_total_bytes')).toBe(8_000_000 * 1024);
    expect(sampleValue(text, 'oomtop_memory_available_bytes')).toBe(4_000_000 * 1024);
    expect(sampleValue(text, 'oomtop_memory_commit_limit_bytes')).toBe(4_000_000 * 1024);
    expect(sampleValue(text, 'oomtop_memory_committed_bytes')).toBe(1_000_000 * 1024);
    expect(sampleValue(text, 'oomtop_pressure_memory_waiting_seconds_total')).toBe(2.5);
    expect(sampleValue(text, 'oomtop_pressure_memory_stalled_seconds_total')).toBe(1);
    expect(sampleValue(text, 'oomtop_oom_kills_total')).toBe(7);
    expect(sampleValue(text, 'oomtop_pressure_level')).toBe(0);
    expect(text).toMatch(/# TYPE oomtop_oom_kills_total counter/);
    expect(text).toMatch(/# TYPE oomtop_memory_available_bytes gauge/);
  });

  it('processes: the top N plus every victim, with pid, comm, cgroup, container; the next victims per scope', async () => {
    const { exporter } = setup(procs(), { top: 1 });
    const text = await exporter.scrape();
    exporter.stop();
    const java = { pid: '100', comm: 'java', cgroup: pod };
    expect(sampleValue(text, 'oomtop_process_resident_bytes', java)).toBe(200_000 * 4 * 1024);
    expect(sampleValue(text, 'oomtop_next_victim_info', { scope: 'system', pid: '100', comm: 'java' })).toBe(1);
    // nginx is its Docker cgroup's victim: exported although --top 1 left it out of the top.
    expect(sampleValue(text, 'oomtop_next_victim_info', { scope: DOCKER5B, pid: '200', comm: 'nginx' })).toBe(1);
    expect(sampleValue(text, 'oomtop_process_oom_score_adj', { pid: '200' })).toBe(-500);
    // small is neither in the top 1 nor a victim.
    expect(sampleValue(text, 'oomtop_process_resident_bytes', { pid: '400' })).toBeUndefined();
    const line = text.split('\n').find((l) => l.startsWith('oomtop_process_resident_bytes{pid="100"'))!;
    expect(Object.keys(parseLabels(line.slice(line.indexOf('{'))))).toEqual(['pid', 'comm', 'cgroup', 'container']);
    expect(sampleValue(text, 'oomtop_exporter_processes')).toBe(5);
  });

  it('cgroups with a limit: limit, usage, working set, headroom, kills, PSI, labelled with container and pod; --max-cgroups counts the rest', async () => {
    const { exporter } = setup(procs());
    const text = await exporter.scrape();
    const l = { cgroup: DOCKER5B };
    expect(sampleValue(text, 'oomtop_cgroup_memory_limit_bytes', l)).toBe(134217728);
    const usage = sampleValue(text, 'oomtop_cgroup_memory_usage_bytes', l)!;
    expect(usage).toBeGreaterThan(0);
    expect(sampleValue(text, 'oomtop_cgroup_memory_headroom_bytes', l)).toBe(134217728 - usage);
    expect(sampleValue(text, 'oomtop_cgroup_memory_working_set_bytes', l)).toBeLessThanOrEqual(usage);
    expect(sampleValue(text, 'oomtop_cgroup_oom_kills_total', l)).toBeGreaterThanOrEqual(0);
    expect(sampleValue(text, 'oomtop_cgroup_pressure_memory_waiting_seconds_total', l)).toBeGreaterThanOrEqual(0);
    // The Docker scope and the pod's container are recognised from their paths.
    const dockerLine = text.split('\n').find((x) => x.startsWith(`oomtop_cgroup_memory_limit_bytes{cgroup="${DOCKER5B}"`))!;
    expect(parseLabels(dockerLine).container).toBe('5b5b5b5b5b5b');
    const podLine = text.split('\n').find((x) => x.startsWith(`oomtop_cgroup_memory_limit_bytes{cgroup="${pod}"`))!;
    expect(parseLabels(podLine)).toMatchObject({ container: '797979797979', pod: 'pode9d8c7b6-a5f4-4e3d-8c2b-1a0f9e8d7c6b' });
    // A zero kill series for each exported cgroup (so the first kill is a rise).
    expect(sampleValue(text, 'oomtop_kernel_oom_kills_total', { constraint: 'memcg', cgroup: DOCKER5B })).toBe(0);
    expect(sampleValue(text, 'oomtop_kernel_oom_kills_total', { constraint: 'none', cgroup: '' })).toBe(0);
    const limited = text.split('\n').filter((x) => x.startsWith('oomtop_cgroup_memory_limit_bytes{')).length;
    expect(limited).toBeGreaterThanOrEqual(3);
    expect(sampleValue(text, 'oomtop_exporter_cgroups_dropped')).toBe(0);
    exporter.stop();

    const small = setup(procs(), { maxCgroups: 1 }).exporter;
    const t2 = await small.scrape();
    small.stop();
    expect(t2.split('\n').filter((x) => x.startsWith('oomtop_cgroup_memory_limit_bytes{')).length).toBe(1);
    expect(sampleValue(t2, 'oomtop_exporter_cgroups_dropped')).toBe(limited - 1);
    expect(sampleValue(t2, 'oomtop_exporter_cgroups_dropped_total')).toBe(limited - 1);
  });

  it('hostile names come out sanitized and the exposition stays valid', async () => {
    const { exporter } = setup(procs());
    const text = await exporter.scrape();
    exporter.stop();
    // No raw control character anywhere in the text; each series on one line.
    expect(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)).toBe(false);
    const line = text.split('\n').find((l) => l.startsWith('oomtop_process_resident_bytes{pid="300"'))!;
    expect(line).toBeDefined();
    const labels = parseLabels(line);
    expect(labels.comm).toBe(labelValue(HOSTILE_COMM));
    expect(labels.comm).toBe('ev"il\\\\x1b[2J\\nx');
    expect(labels.cgroup).toBe(`/system.slice/${'ev"il\\\\x1b[31m.service'}`);
    const unitLine = text.split('\n').find((l) => l.startsWith('oomtop_cgroup_memory_limit_bytes{') && l.includes('x1b[31m'))!;
    expect(parseLabels(unitLine).unit).toBe('ev"il\\\\x1b[31m.service');
    if (promtoolSkipReason === null) {
      const r = promtool(['check', 'metrics'], text);
      expect(r.out).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('a process or cgroup that is gone has no series at the next scrape', async () => {
    const { exporter, proc } = setup(procs());
    const first = await exporter.scrape();
    expect(sampleValue(first, 'oomtop_process_resident_bytes', { pid: '200' })).toBeDefined();
    expect(sampleValue(first, 'oomtop_cgroup_memory_limit_bytes', { cgroup: DOCKER5B })).toBeDefined();
    rmSync(join(proc, '200'), { recursive: true });
    const second = await exporter.scrape();
    exporter.stop();
    expect(sampleValue(second, 'oomtop_process_resident_bytes', { pid: '200' })).toBeUndefined();
    expect(sampleValue(second, 'oomtop_next_victim_info', { pid: '200' })).toBeUndefined();
    // Its cgroup had no other process: gone from the view, gone from the scrape.
    expect(sampleValue(second, 'oomtop_cgroup_memory_limit_bytes', { cgroup: DOCKER5B })).toBeUndefined();
    expect(sampleValue(second, 'oomtop_kernel_oom_kills_total', { constraint: 'memcg', cgroup: DOCKER5B })).toBeUndefined();
  });

  it('kernel kills from the store\'s event log: counted by constraint and cgroup, the last victim in one _info series, past kills not counted', async () => {
    const { exporter } = setup(procs());
    const kill = (pid: number, comm: string, cgroup: string | null, past: boolean): OomEvent & { past: boolean } => ({
      kind: 'kill',
      time: new Date(1_700_000_000_000 + pid * 1000).toISOString(),
      monotonicUs: null,
      victim: { pid, comm, uid: 0, anonRssKiB: 1, fileRssKiB: 0, shmemRssKiB: 0, totalVmKiB: 1, pgtablesKiB: 1, oomScoreAdj: 900 },
      trigger: null,
      constraint: cgroup ? 'MEMCG' : 'NONE',
      memcg: cgroup ? { oomMemcg: cgroup, taskMemcg: cgroup, usageKiB: null, limitKiB: null, failcnt: null } : null,
      tasks: [],
      reaped: null,
      incomplete: false,
      source: null,
      lines: [],
      past,
    });
    const log = (ev: OomEvent & { past: boolean }) => exporter.store.getState().log('oom-kill', 'bad', 'kill', { oom: ev, time: Date.parse(ev.time!) });
    log(kill(11, 'old', DOCKER5B, true));
    log(kill(12, 'java', DOCKER5B, false));
    log(kill(13, 'java', DOCKER5B, false));
    log(kill(14, HOSTILE_COMM, null, false));
    const text = await exporter.scrape();
    exporter.stop();
    expect(sampleValue(text, 'oomtop_kernel_oom_kills_total', { constraint: 'memcg', cgroup: DOCKER5B })).toBe(2);
    expect(sampleValue(text, 'oomtop_kernel_oom_kills_total', { constraint: 'none', cgroup: '' })).toBe(1);
    expect(sampleValue(text, 'oomtop_last_oom_kill_timestamp_seconds')).toBe(1_700_000_000 + 14);
    const info = text.split('\n').filter((l) => l.startsWith('oomtop_last_oom_kill_info{'));
    expect(info.length).toBe(1);
    expect(parseLabels(info[0]!)).toMatchObject({ pid: '14', comm: labelValue(HOSTILE_COMM), constraint: 'none', oom_score_adj: '900' });
  });

  it('kill series stay bounded: at most --max-cgroups (constraint, cgroup) pairs, the least recent dropped', () => {
    const k = new KernelKills(3);
    for (let i = 0; i < 10; i++) {
      k.observe({ kind: 'kill', time: null, monotonicUs: null, victim: { pid: i, comm: 'x', uid: 0, anonRssKiB: 0, fileRssKiB: 0, shmemRssKiB: 0, totalVmKiB: 0, pgtablesKiB: 0, oomScoreAdj: 0 }, trigger: null, constraint: 'MEMCG', memcg: { oomMemcg: `/pod${i}`, taskMemcg: null, usageKiB: null, limitKiB: null, failcnt: null }, tasks: [], reaped: null, incomplete: false, source: null, lines: [] }, i * 1000);
    }
    expect(k.counted().map((c) => c.cgroup)).toEqual(['/pod7', '/pod8', '/pod9']);
    expect(k.last?.pid).toBe(9);
  });

  it('growth series stay bounded: six processes leaking at once, --top 2, only the two fastest get oomtop_process_growth_bytes_per_second', async () => {
    // Six processes whose resident memory rises steadily, at 1..6 MiB per second of the
    // exporter's clock, sampled once a second for 40 s (the forecast runs every 5 s).
    let t = 1_700_000_000_000;
    const leakers: FakeProcess[] = [1, 2, 3, 4, 5, 6].map((i) => ({ pid: 1000 + i, comm: `leak${i}`, rssPages: 10_000 }));
    const { exporter, proc } = setup([{ pid: 1, comm: 'init', rssPages: 100 }, ...leakers], { top: 2, now: () => t });
    let text = '';
    for (let s = 0; s < 40; s++) {
      for (const [i, p] of leakers.entries()) writeFakeProcess(proc, { ...p, rssPages: 10_000 + s * (i + 1) * 256 });
      text = await exporter.scrape();
      t += 1000;
    }
    exporter.stop();
    const growth = text.split('\n').filter((l) => l.startsWith('oomtop_process_growth_bytes_per_second{'));
    expect(growth.map((l) => parseLabels(l).comm)).toEqual(['leak6', 'leak5']);
    // Each near its true rate (256 pages of 4 KiB per second per step of i).
    for (const l of growth) {
      const i = Number(parseLabels(l).comm!.slice(4));
      expect(Number(l.split(' ').pop())).toBeCloseTo(i * 1024 * 1024, -5);
    }
  });

  it('workload labels: a unit, a pod with its namespace, a bare container', () => {
    expect(workloadLabels({ runtime: 'systemd-service', id: 'nginx.service', name: null, pod: null })).toEqual({ container: '', pod: '', namespace: '', unit: 'nginx.service' });
    expect(workloadLabels({ runtime: 'kubernetes', id: 'a'.repeat(64), name: 'web', pod: { uid: 'u1', qos: 'burstable', name: 'shop/web-0' } })).toEqual({ container: 'web', pod: 'web-0', namespace: 'shop', unit: '' });
    expect(workloadLabels({ runtime: 'docker', id: 'b'.repeat(64), name: null, pod: null })).toEqual({ container: 'bbbbbbbbbbbb', pod: '', namespace: '', unit: '' });
    expect(labelValue('x'.repeat(1000)).length).toBe(256);
  });
});
