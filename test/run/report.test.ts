import { describe, expect, it } from 'vitest';
import { buildReport, exitStatusOf, formatReport, reportJson, shellJoin, type JobContext, type JobReadings } from '../../src/run/report.js';

const readings: JobReadings = {
  oomKills: 0,
  kernelPeakKiB: 21_000,
  sampledPeakKiB: 20_000,
  limitKiB: 65_536,
  highKiB: null,
  swapLimitKiB: null,
  swapPeakKiB: 0,
  psiSomeUs: 1_500_000,
  psiFullUs: 250_000,
  cpuUs: 123_456,
  cpuSource: 'cgroup',
};
const ctx: JobContext = {
  command: 'make -j4',
  cgroupDir: '/sys/fs/cgroup/memory/oomtop-run-42',
  version: 1,
  method: 'direct',
  methodNote: 'made directly in cgroupfs',
  wallMs: 3_000,
  removed: true,
  leftovers: 0,
  guard: null,
};

describe('exit status', () => {
  it('is the exit code, or 128 + the signal number', () => {
    expect(exitStatusOf({ code: 3, signal: null })).toBe(3);
    expect(exitStatusOf({ code: 0, signal: null })).toBe(0);
    expect(exitStatusOf({ code: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitStatusOf({ code: null, signal: 'SIGTERM' })).toBe(143);
    expect(exitStatusOf({ code: null, signal: 'SIGINT' })).toBe(130);
    expect(exitStatusOf({ code: null, signal: 'SIGSEGV' })).toBe(139);
    expect(exitStatusOf({ code: null, signal: 'SIGWHAT' }, {})).toBe(128);
  });
});

describe('the report', () => {
  it('has the fields scripts read, with the kernel peak preferred to the sampled one', () => {
    const r = buildReport({ code: 0, signal: null }, readings, ctx);
    expect(r).toMatchObject({
      exitCode: 0,
      signal: null,
      oomKilled: false,
      oomKills: 0,
      peakKiB: 21_000,
      peakSource: 'kernel',
      limitKiB: 65_536,
      swapPeakKiB: 0,
      wallS: 3,
      cpuS: 0.123,
      psiSomeS: 1.5,
      psiFullS: 0.25,
      cgroup: '/sys/fs/cgroup/memory/oomtop-run-42',
      method: 'direct',
      removed: true,
    });
    const line = reportJson(r);
    expect(line).not.toContain('\n');
    const back = JSON.parse(line) as Record<string, unknown>;
    for (const k of ['exitCode', 'signal', 'oomKilled', 'oomKills', 'peakKiB', 'limitKiB', 'swapPeakKiB', 'wallS', 'cpuS', 'cgroup']) expect(back).toHaveProperty(k);
  });
  it('takes oomKilled from the kernel counter, not from SIGKILL', () => {
    expect(buildReport({ code: null, signal: 'SIGKILL' }, readings, ctx).oomKilled).toBe(false);
    expect(buildReport({ code: 0, signal: null }, { ...readings, oomKills: 1 }, ctx).oomKilled).toBe(true);
    expect(buildReport({ code: null, signal: 'SIGKILL' }, { ...readings, oomKills: null }, ctx).oomKilled).toBeNull();
  });
  it('falls back to the sampled peak and says so', () => {
    const r = buildReport({ code: 0, signal: null }, { ...readings, kernelPeakKiB: null }, ctx);
    expect(r).toMatchObject({ peakKiB: 20_000, peakSource: 'sampled' });
    expect(formatReport(r, ctx).join('\n')).toContain('peak 20M (sampled) of 64M (31%)');
  });
  it('reads as a few lines for people', () => {
    const r = buildReport({ code: null, signal: 'SIGKILL' }, { ...readings, oomKills: 1 }, ctx);
    const text = formatReport(r, ctx);
    expect(text[0]).toBe('oomtop run: make -j4 was ended by SIGKILL (exit status 137) after 3.00 s, CPU 0.12 s');
    expect(text[1]).toBe("  OOM: the kernel's OOM killer ended 1 process in the job's cgroup (budget 64M)");
    expect(text.join('\n')).toContain('pressure: stalled on memory 1.50 s (some), 0.25 s (full), 50% of the run');
    expect(text.at(-1)).toBe('  cgroup: /sys/fs/cgroup/memory/oomtop-run-42, cgroup v1, made directly in cgroupfs; removed');
  });
  it('keeps hostile command lines on one line', () => {
    const r = buildReport({ code: 0, signal: null }, readings, ctx);
    const text = formatReport(r, { ...ctx, command: shellJoin(['sh', '-c', 'echo \u001b[2J\nrm']) });
    expect(text[0]).not.toMatch(/[\u001b\n]/);
    expect(text[0]).toContain("sh -c 'echo \\x1b[2J\\nrm'");
  });
});

describe('shellJoin', () => {
  it('quotes what a shell would split or expand', () => {
    expect(shellJoin(['make', '-j4', 'all'])).toBe('make -j4 all');
    expect(shellJoin(['sh', '-c', "echo it's"])).toBe(`sh -c 'echo it'\\''s'`);
    expect(shellJoin(['a b', '$HOME', ''])).toBe("'a b' '$HOME' ''");
  });
});
