import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVm, tempOut, vmSkipReason, type VmResult } from './vm.js';

// --on-level handlers on the system scope, and --wall through the real wall(1), for real: the guest's whole memory (768 MiB) is
// what a hog fills, which the host's tests must never do to the host. test/vm/guest/v2.mjs
// syshandlers runs the real oomtop guard in the guest and reports what it and its handlers
// saw; the assertions are here. The per-cgroup scope is tested on the host
// (test/guard/handlers-real.test.ts, real v1 cgroups). Needs the built CLI.

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const skip = vmSkipReason();
if (skip) console.log(`system-scope handler guest test skipped: ${skip}`);

function scenario(dir: string, name: string, result: VmResult | null): Json {
  let s: Json;
  try {
    s = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  } catch {
    throw new Error(`the guest left no ${name} result; the boot exited ${result?.code}:\n${result?.stderr.slice(-3000)}`);
  }
  if (!s.ok) throw new Error(`${name} failed in the guest: ${s.error}`);
  return s;
}

describe.skipIf(skip !== null)('--on-level on the system scope and --wall to a real terminal (guest, 768 MiB)', () => {
  const out = tempOut();
  let result: VmResult | null = null;
  beforeAll(async () => {
    result = await runVm('node test/vm/guest/v2.mjs syshandlers wall', { out: out.dir, mem: 768 });
  }, 600_000);
  afterAll(() => out.remove());

  it('each level entered runs its handler once with scope "system" and the hog as the next victim; recovery runs the normal one once', () => {
    const s = scenario(out.dir, 'syshandlers', result);
    console.log(`guest: levels ${s.lines.filter((l: Json) => l.event === 'level').map((l: Json) => `${l.previous}>${l.pressure} at ${l.availablePct}%`).join(', ')}; hog said ${JSON.stringify(s.held)}, alive until killed: ${s.aliveAfterStop}, ended by ${s.hogExit?.signal}; MemAvailable ${s.atStop.MemAvailable} of ${s.atStop.MemTotal} kB when stopped`);
    expect(s.startLevels).toEqual([]); // the guest started calm: every change below is the hog's
    // The hog stopped allocating when told (SIGUSR1) and held its memory until the scenario killed it.
    expect(s.held).toMatch(/^go\nheld \d+$/);
    expect(s.aliveAfterStop).toBe(true);
    const lines: Json[] = s.lines;
    const entered: string[] = lines.filter((l) => l.event === 'level' && l.scope === 'system').map((l) => l.pressure);
    expect(entered[0]).toMatch(/^(elevated|high)$/);
    expect(entered.at(-1)).toBe('normal');
    const handlerLines = lines.filter((l) => l.event === 'handler');
    // Once per entry: one handler event per level change, same level, all exit 0 (a run ends
    // when it ends: two close entries may finish in either order).
    expect(handlerLines.map((l) => l.pressure).sort()).toEqual([...entered].sort());
    for (const h of handlerLines) expect(h).toMatchObject({ scope: 'system', exitCode: 0, output: `ran ${h.pressure} for system` });
    // What the handlers themselves got, one file per run.
    expect(s.runs.map((r: Json) => r.lines[0]).sort()).toEqual([...entered].sort());
    const first = s.runs.find((r: Json) => r.lines[0] === entered[0]);
    const [level, previous, scope, victimPid, victimName, availPct, availKiB, totalKiB] = first.lines;
    expect({ level, previous, scope, victimPid: Number(victimPid), victimName }).toEqual({ level: entered[0], previous: 'normal', scope: 'system', victimPid: s.hogPid, victimName: 'node' });
    expect(Number(availPct)).toBeLessThanOrEqual(20); // entered below 20 %, printed to one decimal
    expect(Number(availPct)).toBeGreaterThan(1);
    expect(Math.abs(Number(totalKiB) - s.atStop.MemTotal)).toBeLessThan(1024);
    expect(Number(availKiB)).toBeGreaterThan(0);
    const normal = s.runs.find((r: Json) => r.lines[0] === 'normal');
    expect(normal.lines.slice(0, 3)).toEqual(['normal', entered.at(-2), 'system']);
    // Dry run with thresholds it never reached: no decision, only the handlers.
    expect(lines.some((l) => ['term', 'kill', 'would-term', 'would-kill'].includes(l.event))).toBe(false);
    expect(s.guardExit).toEqual({ code: 0, signal: null });
  });

  it('--wall: the real wall(1) writes the guard\'s act to a logged-in terminal (a pty in the guest\'s utmp)', () => {
    const s = scenario(out.dir, 'wall', result);
    expect(s.who).toContain(s.tty);
    const lines: Json[] = s.lines;
    expect(lines.find((l) => l.event === 'notice' && /^wall: /.test(l.message)).message).toMatch(/^wall: through \/\S+\/wall$/);
    const acted = lines.find((l) => (l.event === 'term' || l.event === 'kill') && l.pid === s.hogPid);
    expect(acted).toBeDefined();
    expect(s.exit.signal).toMatch(/^SIG(TERM|KILL)$/);
    const text: string = s.text.replace(/\r/g, '');
    expect(text).toMatch(/Broadcast message from root@/);
    expect(text).toContain(`oomtop ended PID ${s.hogPid} (node) in ${s.path}`);
    // The body is the guard's own line for that act, without its time stamp (wall folds it at 79 columns).
    expect(text).toContain(`guard ${s.path}: `);
    expect(lines.filter((l) => /^wall: /.test(l.message ?? '') && l.event !== 'notice')).toEqual([]);
    expect(s.guardExit).toEqual({ code: 0, signal: null });
  });
});
