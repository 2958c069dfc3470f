/**
 * contrib/oomtop-exporter.service under a real systemd on cgroup v2 (the VM tier's guest, npm
 * run vm -- --systemd): test/vm/guest/exporter.mjs runs there and writes what it saw; the
 * assertions are here. Needs the built CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabels, sampleValue } from '../helpers/exporter.js';
import { promtool, promtoolSkipReason } from '../helpers/prometheus.js';
import { runVm, tempOut, vmSkipReason, type VmResult } from './vm.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const skip = vmSkipReason(true);
if (skip) console.log(`systemd guest test of the exporter skipped: ${skip}`);

describe.skipIf(skip !== null)('oomtop exporter as a systemd service on cgroup v2 (guest)', () => {
  const out = tempOut();
  let result: VmResult | null = null;
  beforeAll(async () => {
    result = await runVm('node test/vm/guest/exporter.mjs', { systemd: true, out: out.dir });
  }, 900_000);
  afterAll(() => out.remove());

  const seen = (): Json => {
    let j: Json;
    try {
      j = JSON.parse(readFileSync(join(out.dir, 'exporter.json'), 'utf8'));
    } catch {
      throw new Error(`the guest left no result; it exited ${result?.code}:\n${result?.stderr.slice(-3000)}`);
    }
    if (!j.ok) throw new Error(`the guest failed: ${j.error}`);
    return j;
  };

  it('contrib/oomtop-exporter.service runs: active, its OOMScoreAdjust and MemoryMax in effect, on loopback, a clean stop', () => {
    const j = seen();
    expect(j.unit).toEqual({ active: 'active', adj: '500', memoryMax: String(256 * 1024 * 1024) });
    expect(j.index).toContain('<a href="/metrics">');
    expect(j.journal).toContain('listening on http://127.0.0.1:10173/metrics');
    expect(j.stopped).toEqual({ active: 'inactive', result: 'success' });
  });

  it('a unit with MemoryMax=128M: limit, unit label, v2 PSI, and a zero kill series before any kill', () => {
    const j = seen();
    const l = { cgroup: j.cgroup };
    expect(sampleValue(j.before, 'oomtop_cgroup_memory_limit_bytes', l)).toBe(128 * 1024 * 1024);
    const line = j.before.split('\n').find((x: string) => x.startsWith(`oomtop_cgroup_memory_limit_bytes{cgroup="${j.cgroup}"`));
    expect(parseLabels(line)).toMatchObject({ unit: 'expkeeper.service', container: '', pod: '' });
    expect(sampleValue(j.before, 'oomtop_cgroup_pressure_memory_waiting_seconds_total', l)).toBeGreaterThanOrEqual(0);
    expect(sampleValue(j.before, 'oomtop_cgroup_pressure_memory_stalled_seconds_total', l)).toBeGreaterThanOrEqual(0);
    expect(sampleValue(j.before, 'oomtop_kernel_oom_kills_total', { constraint: 'memcg', cgroup: j.cgroup })).toBe(0);
    expect(sampleValue(j.before, 'oomtop_next_victim_info', { scope: j.cgroup })).toBe(1);
  });

  it('the kernel OOM-kills a hog in that unit: counted by constraint and cgroup, the victim named, the cgroup\'s own counter up', () => {
    const j = seen();
    expect(j.hogExit.signal).toBe('SIGKILL');
    expect(sampleValue(j.after, 'oomtop_kernel_oom_kills_total', { constraint: 'memcg', cgroup: j.cgroup })).toBe(1);
    expect(sampleValue(j.after, 'oomtop_cgroup_oom_kills_total', { cgroup: j.cgroup })).toBe(1);
    const info = j.after.split('\n').find((x: string) => x.startsWith('oomtop_last_oom_kill_info{'));
    expect(parseLabels(info)).toMatchObject({ constraint: 'memcg', cgroup: j.cgroup, pid: String(j.hogPid), comm: 'node' });
  });

  it.skipIf(promtoolSkipReason !== null)('promtool check metrics passes on both scrapes', () => {
    const j = seen();
    for (const t of [j.before, j.after]) expect(promtool(['check', 'metrics'], t)).toEqual({ status: 0, out: '' });
  });
});
