/**
 * systemd-oomd's kills in oomtop, under a real systemd 252 (the guest of the VM tier,
 * npm run vm -- --systemd): test/vm/guest/oomd.mjs runs there and writes what it saw; the
 * assertions are here. Skips where the VM cannot run. Needs the built CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOomdJournalJson } from '../../src/kernel/oomd.js';
import { PROJECT, runVm, tempOut, vmSkipReason, type VmResult } from './vm.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** The screen as one line: rows joined, runs of spaces as one (a wrapped line reads on). */
const flat = (t: string) => t.split('\n').map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const skip = !existsSync(join(PROJECT, 'dist/cli/main.js')) ? 'not built' : vmSkipReason(true);
if (skip) console.log(`systemd-oomd guest tests skipped: ${skip}`);

describe.skipIf(skip !== null)('systemd-oomd kills, as oomtop shows them (systemd guest)', () => {
  const out = tempOut();
  let result: VmResult;
  beforeAll(async () => {
    // Four workloads of up to 40, 120, 120 and 15 s after the boot: more than the default 300 s.
    result = await runVm('node test/vm/guest/oomd.mjs oomdkernel oomdguard oomdkill oomdjournal', { systemd: true, out: out.dir, timeoutS: 720 });
  }, 900_000);
  afterAll(() => out.remove());

  const scenario = (name: string): Json => {
    let j: Json;
    try {
      j = JSON.parse(readFileSync(join(out.dir, `${name}.json`), 'utf8'));
    } catch {
      throw new Error(`scenario ${name} left no result:\n${result.stderr.slice(-3000)}`);
    }
    if (!j.ok) throw new Error(`scenario ${name} failed in the guest: ${j.error}`);
    return j;
  };

  it('systemd-oomd kills a unit under memory pressure with reclaim; the TUI logs it live, analyze lists it', () => {
    const s = scenario('oomdkill');
    // The workload: file pages re-read under MemoryHigh= keep reclaim (pgscan) going.
    expect(s.endedMs, `systemd-oomd did not kill in 120 s; oomctl:\n${s.oomctl}\njournal:\n${s.journalText}`).not.toBeNull();
    expect(s.result).toBe('oom-kill');
    const kills = String(s.journalJson).split('\n').map(parseOomdJournalJson).filter((k) => k !== null);
    expect(kills).toContainEqual(expect.objectContaining({ kind: 'pressure', cgroup: s.cg, monitored: s.slice, limitPct: 10, duration: '2s' }));
    expect(kills).toContainEqual(expect.objectContaining({ kind: 'unit', unit: 'oomtop-oomd-victim.service' }));
    expect(flat(s.tuiScreen)).toMatch(new RegExp(`LIVE [0-9:]+ oom-kill systemd-oomd killed ${esc(s.cg)}: memory pressure of ${esc(s.slice)} [0-9.]+% > its limit 10\\.00% for > 2s`));
    // The service manager's count follows, in the TUI too.
    // (a number, or "some" when systemd could not read how many from the cgroup's xattr)
    expect(flat(s.tuiScreen)).toMatch(/oom-kill systemd-oomd: oomtop-oomd-victim\.service: (\d+ process(es)?|some processes) killed \(the service manager's count\)/);
    expect(s.analyze.status).toBe(0);
    expect(s.analyze.stdout).toContain(`systemd-oomd killed ${s.cg}: memory pressure of ${s.slice}`);
  });

  it('the same workload with nothing watching: the kernel throttles at memory.high and kills nothing', () => {
    const k = scenario('oomdkernel');
    expect(k.endedMs).toBeNull();
    expect(k.events.high).toBeGreaterThan(0);
    expect(k.events.oom_kill ?? 0).toBe(0);
    // Reclaim going on all the time (the file pages): what systemd-oomd needs to act.
    expect(k.at8.stat.pgscan).toBeGreaterThan(1000);
  });

  it('the same workload under oomtop guard --psi-full 10 --psi-duration 2: SIGTERM to the largest process on the cgroup\'s PSI (it signals processes, not the unit)', () => {
    const g = scenario('oomdguard');
    const terms = g.lines.filter((l: Json) => l.event === 'term');
    expect(terms[0], JSON.stringify(g.lines)).toMatchObject({ trigger: 'psi', signal: 'SIGTERM', name: 'node', scope: g.cg });
    expect(g.events.oom_kill ?? 0).toBe(0);
  });

  it('a line in systemd-oomd\'s format, journaled under its identifier (systemd-cat), shows in the TUI live', () => {
    const s = scenario('oomdjournal');
    expect(parseOomdJournalJson(String(s.json).split('\n')[0]!)).toMatchObject({ kind: 'pressure', cgroup: '/system.slice/oomtop-journal-demo.service', pressurePct: 42.17 });
    expect(flat(s.tuiScreen)).toMatch(/LIVE [0-9:]+ oom-kill systemd-oomd killed \/system\.slice\/oomtop-journal-demo\.service: memory pressure of \/system\.slice 42\.17% > its limit 10\.00% for > 2s/);
  });
});
