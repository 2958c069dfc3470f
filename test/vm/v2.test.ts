import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptHighBytes } from '../../src/guard/intercept.js';
import { runVm, tempOut, vmSkipReason, type VmResult } from './vm.js';

// oomtop on cgroup v2 and under systemd, for real: two guest boots (npm run vm), each running
// several scenarios of test/vm/guest/v2.mjs against real cgroups, real processes, the real
// kernel OOM killer, systemd 252 and the real oomtop binary. The guest writes what it saw to
// the shared directory; the assertions are here. Needs the built CLI (npm test builds it).

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

interface Boot {
  result: VmResult | null;
  out: ReturnType<typeof tempOut>;
}

function scenario(boot: Boot, name: string): Json {
  const r = boot.result;
  let j: Json;
  try {
    j = JSON.parse(readFileSync(join(boot.out.dir, `${name}.json`), 'utf8'));
  } catch {
    throw new Error(`scenario ${name} left no result; the boot exited ${r?.code}:\n${r?.stderr.slice(-3000)}`);
  }
  if (!j.ok) throw new Error(`scenario ${name} failed in the guest: ${j.error}`);
  return j;
}

const byPath = (cgroups: Json[], path: string): Json => {
  const c = cgroups.find((x) => x.path === path);
  if (!c) throw new Error(`${path} not in --once --json (has ${cgroups.map((x) => x.path).join(', ')})`);
  return c;
};

const psiShape = { some: { avg10: expect.any(Number), avg60: expect.any(Number), avg300: expect.any(Number) }, full: { avg10: expect.any(Number) } };

const skip = vmSkipReason();
if (skip) console.log(`cgroup v2 guest tests skipped: ${skip}`);

describe.skipIf(skip !== null)('cgroup v2 in a guest (no systemd): monitor, kernel kills, guard', () => {
  const boot: Boot = { result: null, out: tempOut() };
  beforeAll(async () => {
    // Nine scenarios in one boot: minutes, more when the box is busy (the default 300 s is for one command).
    boot.result = await runVm('node test/vm/guest/v2.mjs monitor cgns oomkill oomgroup tui psi crash race run', { out: boot.out.dir, timeoutS: 1500 });
  }, 1_600_000);
  afterAll(() => boot.out.remove());

  it('monitor: limits, usage, working set, headroom, memory.high, PSI and the kernel-rule victim of a limited system.slice service', () => {
    const m = scenario(boot, 'monitor');
    const c = byPath(m.json.cgroups, m.paths.limited);
    expect(c).toMatchObject({ limitKiB: 192 * 1024, effectiveLimitKiB: 192 * 1024, highKiB: 160 * 1024, oomDomain: m.paths.limited, label: 'limited.service' });
    expect(c.container).toMatchObject({ runtime: 'systemd-service', id: 'limited.service', name: null, pod: null });
    expect(c.pressure).toMatchObject(psiShape);
    // v2 memory.stat: the page cache read in the guest is inactive_file, left out of the working set
    const st = m.stat[m.paths.limited];
    const inactive = st.stat.inactive_file / 1024;
    expect(inactive).toBeGreaterThan(16 * 1024);
    expect(Math.abs(c.usageKiB - st.current / 1024)).toBeLessThan(2048);
    expect(Math.abs(c.workingSetKiB - (st.current / 1024 - inactive))).toBeLessThan(2048);
    expect(c.workingSetKiB).toBeLessThan(c.usageKiB - 16 * 1024);
    // the monitor's headroom is the domain's limit minus its working set (the page cache
    // the kernel reclaims first is not counted against it), as the guard counts it
    expect(c.headroomKiB).toBe(c.effectiveLimitKiB - c.workingSetKiB);
    expect(c.headroomKiB).toBeGreaterThan(c.effectiveLimitKiB - c.usageKiB + 16 * 1024);
    // the kernel's rule inside the 192 MiB limit: a 1 MiB sleep at adj 600 (charged 115 MiB)
    // goes before the 32 MiB holder at adj 0
    expect(c.nextVictimPid).toBe(m.pids.limitedAdj);
    const procs = new Map<number, Json>(m.json.processes.map((p: Json) => [p.pid, p]));
    expect(procs.get(m.pids.limitedAdj)).toMatchObject({ cgroupVictim: true, oomScoreAdj: 600, cgroup: m.paths.limited });
    expect(procs.get(m.pids.limitedBig)).toMatchObject({ cgroupVictim: false, oomScoreAdj: 0, cgroup: m.paths.limited });
    expect(procs.get(m.pids.limitedBig).anonKiB).toBeGreaterThan(32 * 1024);
  });

  it('monitor: a Docker-style scope under system.slice: container id, limit, its biggest process next', () => {
    const m = scenario(boot, 'monitor');
    const c = byPath(m.json.cgroups, m.paths.docker);
    expect(c.container).toMatchObject({ runtime: 'docker', id: 'd'.repeat(64), name: null, pod: null });
    expect(c).toMatchObject({ limitKiB: 128 * 1024, highKiB: null, label: 'dddddddddddd', nextVictimPid: m.pids.docker, oomDomain: m.paths.docker });
    expect(c.usageKiB).toBeGreaterThan(32 * 1024);
    expect(c.headroomKiB).toBe(128 * 1024 - c.workingSetKiB);
    expect(c.pressure).toMatchObject(psiShape);
  });

  it('monitor: a Kubernetes v2 path: pod uid and QoS, the pod slice as the OOM domain of a container without its own limit', () => {
    const m = scenario(boot, 'monitor');
    const pod = { uid: m.uid, qos: 'burstable', name: null };
    const ctr = byPath(m.json.cgroups, m.paths.ctr);
    const podCg = byPath(m.json.cgroups, m.paths.pod);
    expect(ctr.container).toMatchObject({ runtime: 'containerd', id: 'c'.repeat(64), name: null, pod });
    expect(ctr).toMatchObject({ limitKiB: null, effectiveLimitKiB: 256 * 1024, oomDomain: m.paths.pod, nextVictimPid: m.pids.ctr, label: 'pod4f1c2a3b/cccccccccccc' });
    expect(ctr.headroomKiB).toBe(256 * 1024 - podCg.workingSetKiB);
    expect(podCg.container).toMatchObject({ runtime: 'kubernetes', id: null, name: null, pod });
    expect(podCg).toMatchObject({ limitKiB: 256 * 1024, nextVictimPid: m.pids.ctr });
    expect(ctr.pressure).toMatchObject(psiShape);
  });

  it('monitor: Podman under machine.slice, a BestEffort pod with CRI-O, a Guaranteed pod (no QoS slice) with containerd, a user session scope', () => {
    const m = scenario(boot, 'monitor');
    const podman = byPath(m.json.cgroups, m.paths.podman);
    expect(podman).toMatchObject({ limitKiB: 96 * 1024, label: 'eeeeeeeeeeee', nextVictimPid: m.pids.podman, oomDomain: m.paths.podman });
    expect(podman.container).toMatchObject({ runtime: 'podman', id: 'e'.repeat(64), pod: null });
    const crio = byPath(m.json.cgroups, m.paths.crio);
    expect(crio.container).toMatchObject({ runtime: 'cri-o', id: 'f'.repeat(64), pod: { uid: m.uidBe, qos: 'besteffort', name: null } });
    expect(crio).toMatchObject({ limitKiB: null, effectiveLimitKiB: null, oomDomain: null, label: 'pod7e7e7e7e/ffffffffffff' });
    const g = byPath(m.json.cgroups, m.paths.gctr);
    expect(g.container).toMatchObject({ runtime: 'containerd', id: '9'.repeat(64), pod: { uid: m.uidG, qos: 'guaranteed', name: null } });
    expect(g).toMatchObject({ limitKiB: null, effectiveLimitKiB: 64 * 1024, oomDomain: m.paths.guaranteed, nextVictimPid: m.pids.gctr });
    expect(byPath(m.json.cgroups, m.paths.guaranteed).container).toMatchObject({ runtime: 'kubernetes', id: null, pod: { uid: m.uidG, qos: 'guaranteed' } });
    const session = byPath(m.json.cgroups, m.paths.session);
    expect(session).toMatchObject({ limitKiB: 80 * 1024, label: 'session-3.scope', nextVictimPid: m.pids.session, container: { runtime: 'user-session', id: 'session-3.scope' } });
    const procs = new Map<number, Json>(m.json.processes.map((p: Json) => [p.pid, p]));
    expect(procs.get(m.pids.crio)).toMatchObject({ cgroup: m.paths.crio, container: 'pod7e7e7e7e/ffffffffffff', limitPct: null, cgroupVictim: false });
    expect(procs.get(m.pids.podman)).toMatchObject({ cgroup: m.paths.podman, container: 'eeeeeeeeeeee', cgroupVictim: true });
  });

  it('inside a container\'s cgroup namespace (unshare -C -m from a limited docker-<hex>.scope): with a fresh cgroup2 mount the container is "/" with its memory.max; processes outside are out of reach', () => {
    const c = scenario(boot, 'cgns');
    expect(c.exit).toEqual({ code: 0, signal: null });
    expect(c.kv).toMatchObject({ self: '0::/', outside: '0::/../outside.service', staleMount: '/../..', freshMount: '/', max: String(96 << 20), stale: '0', once: '0', text: '0' });
    const inside = (j: Json) => new Map<number, Json>(j.processes.map((p: Json) => [p.pid, p]));
    // Docker's way (a cgroup2 mounted inside the namespace): "/" is the container's cgroup
    const root = byPath(c.once.cgroups, '/');
    expect(root).toMatchObject({ limitKiB: 96 * 1024, effectiveLimitKiB: 96 * 1024, oomDomain: '/', label: '/', container: null });
    expect(root.usageKiB).toBeGreaterThan(1024);
    expect(c.once.cgroups).toHaveLength(1);
    const procs = inside(c.once);
    expect(procs.get(Number(c.kv.sleep))).toMatchObject({ cgroup: '/', limitPct: expect.any(Number) });
    expect(procs.get(c.shPid)).toMatchObject({ cgroup: '/' });
    expect(procs.get(root.nextVictimPid)).toMatchObject({ cgroup: '/', cgroupVictim: true });
    // outside the namespace ("/../outside.service"): no cgroup, nothing read on its behalf
    expect(procs.get(c.outsidePid)).toMatchObject({ cgroup: null, limitPct: null, cgroupVictim: false });
    for (const p of c.once.processes) expect(String(p.cgroup)).not.toMatch(/^\/\.\./);
    expect(c.text).toMatch(/^ {2}\/ {2,}.*\/96M .* next victim \d+ \(node\)$/m);
    // the mount from outside the namespace (root "/../.."): no path maps to it, so no cgroup is
    // shown rather than the host's root read as the container's (it showed "/../.." before; fixed)
    expect(c.stale.cgroups).toEqual([]);
    for (const p of c.stale.processes) expect(p.cgroup, `${p.pid} ${p.name}`).toBeNull();
  });

  it('monitor: the plain --once table lists the limited cgroups with their next victims', () => {
    const m = scenario(boot, 'monitor');
    expect(m.text).toMatch(new RegExp(`^  limited\\.service .* next victim ${m.pids.limitedAdj} \\(sleep\\)$`, 'm'));
    expect(m.text).toMatch(new RegExp(`^  dddddddddddd .*/128M .* next victim ${m.pids.docker} \\(node\\)$`, 'm'));
    expect(m.text).toMatch(new RegExp(`^  pod4f1c2a3b .*/256M .* next victim ${m.pids.ctr} \\(node\\)$`, 'm'));
  });

  it('a real OOM kill in a 64 MiB v2 cgroup: memory.events oom_kill, oomtop analyze, --once', () => {
    const k = scenario(boot, 'oomkill');
    expect(k.exit.signal).toBe('SIGKILL');
    expect(k.after.oom_kill - k.before.oom_kill).toBe(1);
    const ev = k.analyze.events.filter((e: Json) => e.memcg?.oomMemcg === k.path);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'kill', constraint: 'MEMCG', victim: { pid: k.hogPid, comm: 'node' }, memcg: { taskMemcg: k.path, limitKiB: 65536 }, incomplete: false });
    expect(k.analyze.summary.byMemcg).toContainEqual({ memcg: k.path, kills: 1, limitKiB: 65536 });
    expect(byPath(k.once.cgroups, k.path).oomKills).toBe(1);
  });

  it('memory.oom.group=1: the kernel kills the whole group; analyze reports one event naming every victim', () => {
    const g = scenario(boot, 'oomgroup');
    expect(g.exits.map((e: Json) => e.signal)).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL']);
    expect(g.after.oom_group_kill).toBe(1);
    // 6.1 counts the selected victim twice: killed as the victim, then again as a group member
    expect(g.after.oom_kill).toBeGreaterThanOrEqual(3);
    const ev = g.analyze.events.filter((e: Json) => e.memcg?.oomMemcg === g.path);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'group-kill', oomGroup: g.path, victim: { pid: g.pids[0] } });
    // every process of the group, and besides them only threads of the hog: 6.1 walks the
    // group's threads, and one still alive is logged as "Killed process TID" (seen in CI)
    const victims: number[] = ev[0].groupVictims.map((v: Json) => v.pid);
    expect(victims).toEqual(expect.arrayContaining(g.pids));
    expect(victims.filter((p) => !g.pids.includes(p)).every((p) => g.hogTids.includes(p)), `victims ${victims}, hog threads ${g.hogTids}`).toBe(true);
    // two sleeps killed by one group kill are not "killed repeatedly" (node is: the oomkill scenario killed one too)
    expect(g.analyze.summary.repeated.map((r: Json) => r.comm)).not.toContain('sleep');
    expect(g.analyze.summary.byComm).toContainEqual({ comm: 'sleep', kills: 2 });
  });

  it('the TUI in tmux: a v2 OOM kill live in the event log, a group kill as one line naming every victim, the cgroup view', () => {
    const t = scenario(boot, 'tui');
    expect(t.killLine).toMatch(new RegExp(`oom-kill OOM kill: PID ${t.killPid} \\(node\\) anon-rss \\S+ file-rss \\S+ in cgroup /system\\.slice/tuikill\\.service \\(limit 64M\\)`));
    const [g, s1, s2] = t.groupPids;
    // one line for the group: its first victim, then the others (threads of the hog may be
    // among them on 6.1, as in the analyze test above), then the cgroup
    const m = new RegExp(`oom-kill OOM group kill: PID ${g} \\(node\\) and (\\d+) more \\(([^)]*)\\) .*in cgroup /system\\.slice/tuigroup\\.service`).exec(t.groupLine);
    expect(m, t.groupLine).not.toBeNull();
    const others = m![2]!.split(', ').map((x: string) => Number(x.split(' ')[0]));
    expect(Number(m![1])).toBe(others.length);
    expect(others).toEqual(expect.arrayContaining([s1, s2]));
    expect(others.filter((p: number) => p !== s1 && p !== s2).every((p: number) => t.groupTids.includes(p)), t.groupLine).toBe(true);
    const row = t.cgView.split('\n').find((l: string) => l.startsWith('tuikill.service'));
    expect(row).toMatch(new RegExp(`/system\\.slice/tuikill\\.service .* 64M .* 1 .* ${t.keepPid} sleep\\s*$`));
  });

  it('guard --psi-full: the cgroup\'s own memory.pressure ends a hog throttled by memory.high, far from memory.max', () => {
    const p = scenario(boot, 'psi');
    expect(p.exit).toMatchObject({ signal: 'SIGTERM' });
    const term = p.lines.find((l: Json) => l.event === 'term' && l.pid === p.hogPid);
    expect(term).toMatchObject({ trigger: 'psi', scope: p.path });
    expect(term.availablePct).toBeGreaterThan(50);
    expect(p.events.oom_kill).toBe(0);
  });

  it('oomtop run on v2: 200 MiB under --memory 64M is OOM-killed (memory.events), exit 137, the cgroup gone', () => {
    const { oom } = scenario(boot, 'run');
    console.log(`oomtop run in the v2 guest: 200 MiB under 64M: ${JSON.stringify(oom.report)}`);
    expect(oom.exit).toEqual({ code: 137, signal: null });
    expect(oom.report).toMatchObject({ exitCode: 137, signal: 'SIGKILL', oomKilled: true, cgroupVersion: 2, limitKiB: 64 * 1024, removed: true, method: 'direct' });
    expect(oom.report.oomKills).toBeGreaterThanOrEqual(1);
    expect(oom.report.cgroup).toMatch(/^\/sys\/fs\/cgroup\/oomtop-run-\d+$/);
    expect(oom.gone).toBe(true);
    expect(oom.leftover).toEqual([]);
  });

  it('oomtop run on v2: 20 MiB under --memory 128M exits 0, its peak from memory.peak within 10% of 20 MiB plus the runtime base', () => {
    const { base, small } = scenario(boot, 'run');
    console.log(`oomtop run in the v2 guest: base peak ${base.report.peakKiB} KiB, 20 MiB job peak ${small.report.peakKiB} KiB`);
    expect(base.exit).toEqual({ code: 0, signal: null });
    expect(small.exit).toEqual({ code: 0, signal: null });
    expect(small.report).toMatchObject({ exitCode: 0, signal: null, oomKilled: false, oomKills: 0, peakSource: 'kernel', cgroupVersion: 2, removed: true });
    const want = 20 * 1024 + base.report.peakKiB;
    expect(Math.abs(small.report.peakKiB - want)).toBeLessThanOrEqual(want * 0.1);
    expect(small.gone).toBe(true);
  });

  it('oomtop run on v2: the exit status passes through (sh -c \'exit 3\' → 3), with and without --json', () => {
    const { exit3, exit3json } = scenario(boot, 'run');
    expect(exit3.exit).toEqual({ code: 3, signal: null });
    expect(exit3.stderr).toMatch(/exited with status 3 .*\n {2}OOM: no OOM kill in the job's cgroup\n/);
    expect(exit3.stderr).toMatch(/cgroup: \/sys\/fs\/cgroup\/oomtop-run-\d+, cgroup v2, .*; removed/);
    expect(exit3json.exit).toEqual({ code: 3, signal: null });
    expect(exit3json.report).toMatchObject({ exitCode: 3, signal: null, oomKilled: false, removed: true });
    expect([exit3.leftover, exit3json.leftover]).toEqual([[], []]);
  });

  it('oomtop run on v2: --high 32M --memory 256M throttles a 96 MiB job at memory.high (alive after 12 s, no OOM kill, PSI stall), SIGTERM forwarded', () => {
    const { high } = scenario(boot, 'run');
    console.log(`oomtop run --high 32M in the v2 guest: memory.events ${JSON.stringify(high.seen.events)}; ${high.seen.pressure.split('\n')[1]}; report psiSomeS ${high.report.psiSomeS} of wallS ${high.report.wallS}, peak ${high.report.peakKiB} KiB`);
    expect(high.seen.aliveAt12s).toBe(true);
    expect(high.seen.events.high).toBeGreaterThan(0);
    expect(high.seen.events.oom_kill).toBe(0);
    // usage held near memory.high, far from both the 96 MiB wanted and the 256 MiB limit
    expect(high.seen.current).toBeLessThan(64 << 20);
    // ended by the SIGTERM sent to oomtop and passed on to the job
    expect(high.exit).toEqual({ code: 143, signal: null });
    expect(high.report).toMatchObject({ exitCode: 143, signal: 'SIGTERM', oomKilled: false, oomKills: 0, highKiB: 32 * 1024, limitKiB: 256 * 1024, swapLimitKiB: 0, removed: true });
    expect(high.report.psiSomeS).toBeGreaterThan(1);
    expect(high.report.peakKiB).toBeLessThan(64 * 1024);
    expect(high.gone).toBe(true);
  });

  it('oomtop run --guard on v2: SIGTERM before the kernel kills (exit 143, no OOM kill), the v2 intercept announced', () => {
    const { guard } = scenario(boot, 'run');
    console.log(`oomtop run --guard in the v2 guest: ${JSON.stringify(guard.report)}`);
    expect(guard.exit).toEqual({ code: 143, signal: null });
    expect(guard.report).toMatchObject({ exitCode: 143, signal: 'SIGTERM', oomKilled: false, oomKills: 0, guard: { terms: 1, kills: 0 }, removed: true });
    expect(guard.stderr).toMatch(/notice: throttling the cgroup just below its limit for the guard \(memory\.high \d+ under memory\.max; max restored on exit\)/);
    expect(guard.stderr).toMatch(/sent SIGTERM to PID \d+ \(node\)/);
    expect(guard.gone).toBe(true);
  });

  it('oomtop run --guard on v2 restores the memory.high intercept a dead guard left (its state file), and says memory.high', () => {
    const { recover } = scenario(boot, 'run');
    expect(recover.exit).toEqual({ code: 0, signal: null });
    expect(recover.high).toBe('max');
    expect(recover.stderr).toContain(`oomtop run: guard: restored memory.high in ${recover.dir}, left by a guard that died`);
  });

  it('guard on v2: the race against the kernel in a 256 MiB cgroup, every trial won; no cgroup setting changed', () => {
    const r = scenario(boot, 'race');
    console.log(
      'guard race in the v2 guest (TCG: the hog fills far slower than on the host):\n' +
        r.results.map((t: Json) => `  ${t.rate.padStart(4)} MiB/s #${t.trial}: ${t.won ? 'won' : 'LOST'} (${t.signalled.join('+') || 'no signal'}, kernel kills ${t.kernelKills}, hog filled at ~${t.fillMiBps} MiB/s)`).join('\n'),
    );
    expect(r.results.length).toBeGreaterThanOrEqual(9);
    for (const t of r.results) expect(t, `${t.rate} #${t.trial}`).toMatchObject({ won: true, kernelKills: 0 });
    expect(r.guardExit).toEqual({ code: 0, signal: null });
    // the v2 intercept: memory.high just under memory.max while armed, back to max on stop
    expect([r.highArmed, r.highAfter]).toEqual([String(interceptHighBytes(256 << 20)), 'max']);
  });

  it('the v2 intercept (memory.high) is restored when the guard is SIGKILLed (watchdog) and when guard and watchdog both are (state file)', () => {
    const c = scenario(boot, 'crash');
    const set = String(interceptHighBytes(128 << 20));
    expect(c.initial).toBe('max');
    expect(c.armed).toBe(set);
    expect(c.notice).toContain(`memory.high ${set} under memory.max; max restored on exit`);
    expect(c.afterGuardKill).toBe('max');
    expect(c.afterBothKilled).toBe(set);
    expect(c.recoveryNotice).toMatch(/restored the intercept setting .* left by a guard that died/);
    expect(c.lastExit).toEqual({ code: 0, signal: null });
    expect(c.stop).toBe('stopped; intercept settings restored');
    expect(c.final).toBe('max');
    // after the SIGKILL only the watchdog acted: the dead guard's state file was left
    expect(c.stateAfterGuardKill).toBe(true);
  });

  it('the v2 intercept (memory.high) is restored by the guard itself on SIGINT, on SIGHUP and when its JavaScript crashes (an uncaught exception): state file removed, watchdog dismissed', () => {
    const c = scenario(boot, 'crash');
    const set = String(interceptHighBytes(128 << 20));
    for (const how of ['SIGINT', 'SIGHUP', 'crash']) {
      const x = c.exits[how];
      expect(x.armed, how).toEqual({ high: set, stateFile: true, watchdogs: 1 });
      expect(x.after, how).toEqual({ high: 'max', stateFile: false });
      expect(x.watchdogsLeft, how).toBe(0);
    }
    for (const how of ['SIGINT', 'SIGHUP']) {
      expect(c.exits[how].exit, how).toEqual({ code: 0, signal: null });
      expect(c.exits[how].stop, how).toBe('stopped; intercept settings restored');
    }
    expect(c.exits.crash.exit).toEqual({ code: 1, signal: null });
    expect(c.exits.crash.stderr).toMatch(/^oomtop guard: crashed: Error: injected crash\n/m);
    expect(c.exits.crash.stop).toBeNull();
    expect(c.final2).toBe('max');
  });
});

const skipSystemd = skip ?? vmSkipReason(true);
if (skipSystemd && !skip) console.log(`systemd guest tests skipped: ${skipSystemd}`);

describe.skipIf(skipSystemd !== null)('systemd 252 on cgroup v2 in a guest', () => {
  const boot: Boot = { result: null, out: tempOut() };
  beforeAll(async () => {
    boot.result = await runVm('node test/vm/guest/v2.mjs service units allcg oomd runsystemd', { systemd: true, out: boot.out.dir, timeoutS: 1500 });
  }, 1_600_000);
  afterAll(() => boot.out.remove());

  it('contrib/oomtop-guard.service: starts, OOMScoreAdjust=-1000 in effect, logs to the journal, stops cleanly, leaves the guarded cgroup as it was', () => {
    const s = scenario(boot, 'service');
    expect(s.active).toBe('active');
    expect(s.status).toMatch(/oomtop-guard\.service - .*\n\s+Loaded: loaded \(\/etc\/systemd\/system\/oomtop-guard\.service; .*\n(.*\n)*\s+Active: active \(running\)/);
    expect(s.status).toMatch(new RegExp(`Main PID: ${s.mainPid} \\(node\\)`));
    expect(s.status).toMatch(/status=0\n$/);
    expect(s.adj).toBe('-1000');
    expect(s.comm[0]).toBe('node');
    expect(s.journal).toMatch(/guard: start: armed; .*scopes system, \/system\.slice\/keeper\.service/);
    expect(s.journal).toMatch(/guard: stop: stopped/);
    expect(s.stopped).toEqual({ active: 'inactive', result: 'success', status: '0', code: '0' });
    // the guard's v2 intercept while it runs, and what was there before once it stopped
    expect(s.before).toMatchObject({ 'memory.max': String(96 << 20), 'memory.high': 'max' });
    expect(s.during).toEqual({ ...s.before, 'memory.high': String(interceptHighBytes(96 << 20)) });
    expect(s.after).toEqual(s.before);
  });

  it('systemd-run scopes and services: unit names, MemoryMax= and MemoryHigh= shown; a kernel kill inside a scope in analyze', () => {
    const u = scenario(boot, 'units');
    expect(byPath(u.once.cgroups, '/system.slice/vmscope.scope')).toMatchObject({
      limitKiB: 64 * 1024, highKiB: 48 * 1024, label: 'vmscope.scope', container: { runtime: 'systemd-scope', id: 'vmscope.scope' },
    });
    expect(byPath(u.once.cgroups, '/vmtest.slice/keeper2.service')).toMatchObject({
      limitKiB: 96 * 1024, label: 'keeper2.service', container: { runtime: 'systemd-service', id: 'keeper2.service' },
    });
    // the slice (MemoryMax=80M set on it with systemctl set-property): named by its path, its
    // limit shown, and the OOM domain of its service, whose own 96M limit is the looser one
    expect(u.sliceMax).toBe(String(80 << 20));
    expect(byPath(u.once.cgroups, '/vmtest.slice')).toMatchObject({ limitKiB: 80 * 1024, label: '/vmtest.slice', container: null, oomDomain: '/vmtest.slice', nextVictimPid: u.keeper2Pid });
    expect(byPath(u.once.cgroups, '/vmtest.slice/keeper2.service')).toMatchObject({ effectiveLimitKiB: 80 * 1024, oomDomain: '/vmtest.slice', nextVictimPid: u.keeper2Pid });
    const pid = Number(u.hogScope.split('\n')[0]);
    const ev = u.analyze.events.find((e: Json) => e.victim?.pid === pid);
    expect(ev).toMatchObject({ kind: 'kill', constraint: 'MEMCG', memcg: { oomMemcg: '/system.slice/hogscope.scope', limitKiB: 65536 } });
    expect(u.kernelLog).toContain(`Killed process ${pid} (node)`);
  });

  it('guard --all-cgroups under systemd: a unit with MemoryMax= watched from the start, one started later found by the rescan, its hog ended before the kernel; memory.high back when the guard stops', () => {
    const a = scenario(boot, 'allcg');
    const set = (mib: number) => String(interceptHighBytes(mib << 20));
    // --all-cgroups alone: the limited cgroups only, no system scope
    expect(a.start).toMatch(/; scopes (\S+, )*\/system\.slice\/allcg1\.service(, \S+)* \+ every limited cgroup;/);
    expect(a.start).not.toMatch(/scopes system/);
    expect(a.before).toEqual({ allcg1: 'max' });
    expect(a.armed).toEqual({ allcg1: set(128), allcg2: set(96) });
    expect(a.found).toBe('new limited cgroup: now watched');
    expect(a.acted[0], JSON.stringify(a.acted)).toMatchObject({ pid: a.hogPid, name: 'node', signal: 'SIGTERM' });
    // ended by the SIGTERM (a clean exit signal for systemd), not by the kernel's OOM killer
    expect(a.kernelKilledHog).toBe('');
    expect(a.unit2).toEqual({ result: 'success', status: '15', code: '2' });
    // systemd starting a sibling unit did not write allcg1's memory.high back
    expect(a.allcg1WhenAllcg2Started).toBe(set(128));
    expect(a.guardExit).toEqual({ code: 0, signal: null });
    expect(a.stop).toBe('stopped; intercept settings restored');
    expect(a.after).toEqual({ allcg1: 'max' });
  });

  it('side by side on a memory-pressure stall (MemoryHigh=32M, a 96 MiB hog, no swap): the kernel waits, systemd-oomd waits for reclaim activity, the guard acts on PSI', () => {
    const o = scenario(boot, 'oomd');
    const full = (p: string) => Number(/^full avg10=([\d.]+)/m.exec(p)?.[1]);
    const row = (who: string, x: Json, what: string) => `  ${who.padEnd(14)} ${x.endedMs === null ? 'still running' : `ended after ${(x.endedMs / 1000).toFixed(1)} s`}; PSI full avg10 ${x.pressure ? `${full(x.pressure)}%` : 'n/a (cgroup gone)'}; ${what}`;
    console.log(
      'memory-pressure stall, side by side (v2 guest):\n' +
        [
          row('kernel alone', o.kernel, `memory.events high ${o.kernel.events.high}, oom_kill ${o.kernel.events.oom_kill}`),
          row('systemd-oomd', o.oomd, `pgscan ${o.oomd.stat.pgscan}`),
          row('oomtop guard', o.guard, o.guard.lines.filter((l: Json) => l.event === 'term').map((l: Json) => `${l.signal} on ${l.trigger}`).join(', ')),
        ].join('\n'),
    );
    // the kernel: throttles at memory.high for as long as it takes, never kills (usage is far from memory.max)
    expect(o.kernel.endedMs).toBeNull();
    expect(o.kernel.events.oom_kill).toBe(0);
    expect(o.kernel.events.high).toBeGreaterThan(0);
    expect(full(o.kernel.pressure)).toBeGreaterThan(10);
    // what oomtop showed meanwhile: the unit's memory.high and its own PSI
    expect(o.kernel.snap).toMatchObject({ highKiB: 32 * 1024, limitKiB: 512 * 1024 });
    expect(o.kernel.snap.pressure.full.avg10).toBeGreaterThan(10);
    // systemd-oomd 252 monitors the slice and sees the pressure, but kills only with reclaim
    // activity: an anonymous hog without swap gives it none (pgscan 0)
    expect(o.oomd.oomctl).toMatch(/Path: \/pressure\.slice\n\s+Memory Pressure Limit: 10\.00%/);
    expect(full(o.oomd.pressure)).toBeGreaterThan(10);
    expect(o.oomd.stat.pgscan).toBe(0);
    expect(o.oomd.endedMs).toBeNull();
    // oomtop guard --psi-full 10 --psi-duration 2: SIGTERM on PSI; memory.high already set by the unit, so no intercept
    expect(o.guard.endedMs).not.toBeNull();
    expect(o.guard.lines.find((l: Json) => l.event === 'term')).toMatchObject({ trigger: 'psi', signal: 'SIGTERM' });
    expect(o.guard.lines.find((l: Json) => l.event === 'notice')?.message).toMatch(/no intercept: .*memory\.high is already 33554432/);
  });
  it('oomtop run from a systemd unit: its cgroup under the root beside systemd\'s tree, the job run and OOM-killed there, removed; systemd unaffected', () => {
    const r = scenario(boot, 'runsystemd');
    expect(r.before.self).toBe('0::/system.slice/oomtop-vm.service');
    // the job ran in oomtop's cgroup at the root, outside systemd's slices
    expect(r.ok.exit).toEqual({ code: 0, signal: null });
    expect(r.ok.stdout).toMatch(/^0::\/oomtop-run-\d+$/m);
    expect(r.ok.report).toMatchObject({ exitCode: 0, cgroupVersion: 2, removed: true });
    expect(r.ok.report.cgroup).toMatch(/^\/sys\/fs\/cgroup\/oomtop-run-\d+$/);
    expect(r.oom.exit).toEqual({ code: 137, signal: null });
    expect(r.oom.report).toMatchObject({ oomKilled: true, signal: 'SIGKILL', removed: true });
    expect([r.ok.gone, r.oom.gone]).toEqual([true, true]);
    expect(r.after.rootChildren.filter((n: string) => n.startsWith('oomtop-run-'))).toEqual([]);
    // systemd: oomtop itself still in its unit (a oneshot, activating while it runs), no unit failed because of it
    expect(r.after.self).toBe(r.before.self);
    expect([r.before.unit, r.after.unit]).toEqual(['activating', 'activating']);
    expect(r.after.state).toBe(r.before.state);
    expect(r.after.failed).toBe(r.before.failed);
  });
});
