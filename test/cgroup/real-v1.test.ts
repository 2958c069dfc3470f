/**
 * Real cgroup v1 tests: make memory cgroups under the v1 hierarchy, start hogs this test
 * owns inside them (chosen sizes and oom_score_adj), and check what oomtop reads, the
 * per-cgroup next victim, and that the kernel really kills the predicted process when a
 * test cgroup runs out. Only our own children are placed in, and killed from, our own
 * cgroups; every cgroup is removed afterwards. Skips unless root with a writable v1
 * memory hierarchy.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { parseOomLog } from '../../src/kernel/parser.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCgroups, nextVictimOf, type CgroupProc } from '../../src/cgroup/analysis.js';
import { cgroupProcs, listMemoryCgroups, readCgroupMemory } from '../../src/cgroup/memory.js';
import { detectMemoryHierarchy } from '../../src/cgroup/mountinfo.js';
import { readProcMemoryCgroup } from '../../src/cgroup/proccgroup.js';
import type { CgroupMemory, MemoryHierarchy } from '../../src/cgroup/types.js';
import { parseStatus } from '../../src/proc/process.js';

const MiB = 1024 * 1024;
const h = detectMemoryHierarchy('/proc');
const myAdj = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));

function probe(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!h || h.version !== 1) return 'no cgroup v1 memory hierarchy';
  if (myAdj > 0) return `oom_score_adj of the test runner is ${myAdj}: cannot give hogs the adj values the checks need`;
  const dir = join(h.root, `oomtop-probe-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(dir);
    rmdirSync(dir);
  } catch (e) {
    return `v1 memory hierarchy not writable (${(e as Error).message})`;
  }
  return null;
}

const skipReason = probe();
if (skipReason) console.log(`real cgroup v1 tests skipped: ${skipReason}`);

const HOG = `
const mb = Number(process.argv[1]), stepMb = Number(process.argv[2]);
const keep = [];
if (stepMb > 0) {
  let got = 0;
  const t = setInterval(() => {
    if (got >= mb) { clearInterval(t); process.stdout.write('done\\n'); return; }
    keep.push(Buffer.alloc(stepMb * 1048576, 1)); got += stepMb;
  }, 20);
} else {
  if (mb > 0) keep.push(Buffer.alloc(mb * 1048576, 1));
  process.stdout.write('ready\\n');
}
setInterval(() => keep.length, 1 << 30);
`;

interface Hog {
  child: ChildProcess;
  pid: number;
  exited: Promise<NodeJS.Signals | number | null>;
}

const rand = randomBytes(4).toString('hex');
const base = `/oomtop-test-${rand}`;
const dockerId = randomBytes(32).toString('hex');
const podUid = [4, 2, 2, 2, 6].map((n) => randomBytes(n).toString('hex')).join('-');
const kubeId = randomBytes(32).toString('hex');
const pauseId = randomBytes(32).toString('hex');
const P = {
  docker: `${base}/docker/${dockerId}`,
  pod: `${base}/kubepods/burstable/pod${podUid}`,
  kube: `${base}/kubepods/burstable/pod${podUid}/${kubeId}`,
  pause: `${base}/kubepods/burstable/pod${podUid}/${pauseId}`,
  oom: `${base}/oom`,
};
const created: string[] = [];
const hogs: Hog[] = [];

function dir(path: string): string {
  return join((h as MemoryHierarchy).root, path);
}

function makeCgroup(path: string, limitBytes: number | null): void {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    if (created.includes(p)) continue;
    mkdirSync(dir(p));
    created.push(p);
  }
  if (limitBytes !== null) writeFileSync(join(dir(path), 'memory.limit_in_bytes'), String(limitBytes));
}

/** Start `node HOG mb step` inside the cgroup with the given adj; resolves when its memory is touched. */
function startHog(path: string, mb: number, adj: number, stepMb = 0, waitFor: 'ready' | 'started' = 'ready'): Promise<Hog> {
  const child = spawn(
    'sh',
    ['-c', 'echo $$ > "$1/cgroup.procs" && echo "$2" > /proc/self/oom_score_adj && exec "$3" -e "$4" "$5" "$6"', 'sh', dir(path), String(adj), process.execPath, HOG, String(mb), String(stepMb)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, sig) => r(sig ?? code)));
  const hog: Hog = { child, pid: child.pid!, exited };
  hogs.push(hog);
  return new Promise((resolve, reject) => {
    if (waitFor === 'started') return resolve(hog);
    const timer = setTimeout(() => reject(new Error(`hog in ${path} not ready`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(hog);
      }
    });
    void exited.then((s) => reject(new Error(`hog in ${path} exited early: ${s}`)));
  });
}

function candidate(pid: number, cgroup: string): CgroupProc {
  const st = parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'))!;
  return {
    pid,
    cgroup,
    rssKiB: st.vmRssKiB,
    swapKiB: st.vmSwapKiB,
    pgtablesKiB: st.vmPteKiB,
    oomScoreAdj: Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8')),
  };
}

function readTree(): CgroupMemory[] {
  const sub = { ...(h as MemoryHierarchy), root: dir(base) };
  return listMemoryCgroups(sub)
    .map((p) => readCgroupMemory(h!, p === '/' ? base : `${base}${p}`))
    .filter((m): m is CgroupMemory => m !== null);
}

const oomScore = (pid: number) => Number(readFileSync(`/proc/${pid}/oom_score`, 'utf8'));

describe.skipIf(skipReason !== null)('real cgroup v1 (hybrid machine)', () => {
  let a1: Hog, a2: Hog, b1: Hog, b2: Hog, pz: Hog;

  beforeAll(async () => {
    makeCgroup(P.docker, 256 * MiB);
    makeCgroup(P.pod, 400 * MiB);
    makeCgroup(P.kube, 300 * MiB);
    makeCgroup(P.pause, null);
    [a1, a2, b1, b2, pz] = await Promise.all([
      startHog(P.docker, 100, 0),
      startHog(P.docker, 10, 500),
      startHog(P.kube, 100, 0),
      startHog(P.kube, 10, 100),
      startHog(P.pause, 0, 0),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const hog of hogs) {
      if (hog.child.exitCode === null && hog.child.signalCode === null) hog.child.kill('SIGKILL');
    }
    await Promise.all(hogs.map((x) => x.exited));
    for (const p of [...created].reverse()) {
      for (let i = 0; ; i++) {
        try {
          rmdirSync(dir(p));
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
          if (i >= 40) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  }, 30_000);

  it('limits, usage and the Docker container id', () => {
    const m = readCgroupMemory(h!, P.docker)!;
    expect(m.limitKiB).toBe(256 * 1024);
    expect(m.effectiveLimitKiB).toBe(256 * 1024);
    expect(m.usageKiB).toBeGreaterThanOrEqual(110 * 1024);
    expect(m.usageKiB).toBeLessThanOrEqual(256 * 1024);
    expect(m.workingSetKiB).toBeLessThanOrEqual(m.usageKiB);
    expect(m.oomKills).toBe(0);
    expect(m.underOom).toBe(false);
    expect(m.container).toEqual({ runtime: 'docker', id: dockerId, name: null, pod: null });
    const parent = readCgroupMemory(h!, `${base}/docker`)!;
    expect(parent.limitKiB).toBeNull();
    expect(parent.usageKiB).toBeGreaterThanOrEqual(m.usageKiB);
  });

  it('pod UID, QoS and limits of a Kubernetes container; the unlimited sibling inherits the pod limit', () => {
    const kube = readCgroupMemory(h!, P.kube)!;
    expect(kube.limitKiB).toBe(300 * 1024);
    expect(kube.container).toEqual({ runtime: 'kubernetes', id: kubeId, name: null, pod: { uid: podUid, qos: 'burstable', name: null } });
    const pause = readCgroupMemory(h!, P.pause)!;
    expect(pause.limitKiB).toBeNull();
    expect(pause.effectiveLimitKiB).toBe(400 * 1024);
    const pod = readCgroupMemory(h!, P.pod)!;
    expect(pod.container).toEqual({ runtime: 'kubernetes', id: null, name: null, pod: { uid: podUid, qos: 'burstable', name: null } });
    expect(pod.usageKiB).toBeGreaterThanOrEqual(kube.usageKiB);
  });

  it('processes are found in their cgroups, both ways', () => {
    expect(cgroupProcs(h!, P.docker).sort()).toEqual([a1.pid, a2.pid].sort());
    expect(cgroupProcs(h!, P.pod, true).sort()).toEqual([b1.pid, b2.pid, pz.pid].sort());
    expect(readProcMemoryCgroup('/proc', b2.pid, h!)).toBe(P.kube);
    expect(readProcMemoryCgroup('/proc', pz.pid, h!)).toBe(P.pause);
  });

  it('the per-cgroup next victim follows the kernel rule, and differs from the system-wide order', () => {
    const procs = [
      candidate(a1.pid, P.docker),
      candidate(a2.pid, P.docker),
      candidate(b1.pid, P.kube),
      candidate(b2.pid, P.kube),
      candidate(pz.pid, P.pause),
    ];
    const a = analyzeCgroups(readTree(), procs, { swapTotalKiB: 0, vmSwappiness: 60 });
    // 256 MiB: adj 500 is worth ~127 MiB, so the 10 MiB hog outranks the 100 MiB one.
    expect(nextVictimOf(a, P.docker)).toBe(a2.pid);
    // 300 MiB: adj 100 is worth ~30 MiB: the 100 MiB neighbour with adj 0 is the victim…
    expect(nextVictimOf(a, P.kube)).toBe(b1.pid);
    // …while system-wide (24 GiB) the kernel scores the small adj-100 hog higher.
    expect(oomScore(b2.pid)).toBeGreaterThan(oomScore(b1.pid));
    // The unlimited pause container OOMs in its pod (400 MiB): the pod's victim.
    expect(a.domainOf.get(P.pause)).toBe(P.pod);
    expect(nextVictimOf(a, P.pause)).toBe(b1.pid);
  });

  it('the kernel kills the predicted process when the cgroup runs out', async () => {
    makeCgroup(P.oom, 256 * MiB);
    // v1 keeps tasks around but stalls them when oom_kill_disable is set: make sure it is not.
    expect(readCgroupMemory(h!, P.oom)!.oomKillDisabled).toBe(false);
    const [v1, v2] = await Promise.all([startHog(P.oom, 100, 500), startHog(P.oom, 10, 600)]);
    // The trigger (adj 0) will grow by 4 MiB steps to 150 MiB until the limit is hit; the
    // kernel ranks it too, so predict with it at its largest (150 MiB + node's ~50 MiB).
    const triggerBound: CgroupProc = { ...candidate(v2.pid, P.oom), pid: 1 << 30, rssKiB: 200 * 1024, oomScoreAdj: 0 };
    const before = analyzeCgroups(readTree(), [candidate(v1.pid, P.oom), candidate(v2.pid, P.oom), triggerBound], {
      swapTotalKiB: 0,
      vmSwappiness: 60,
    });
    const predicted = nextVictimOf(before, P.oom);
    // Higher adj alone does not decide: the bigger adj-500 hog is the one.
    expect(predicted).toBe(v1.pid);
    expect(oomScore(v2.pid)).toBeGreaterThan(oomScore(v1.pid));
    const trigger = await startHog(P.oom, 150, 0, 4, 'started');
    const outcome = await Promise.race([
      v1.exited.then((s) => ({ who: v1.pid, s })),
      v2.exited.then((s) => ({ who: v2.pid, s })),
      trigger.exited.then((s) => ({ who: trigger.pid, s })),
      new Promise<{ who: number; s: string }>((r) => setTimeout(() => r({ who: -1, s: 'timeout' }), 20_000)),
    ]);
    expect(outcome.s).toBe('SIGKILL');
    // Under load the kernel may OOM again before the first victim's memory is freed and take
    // a second process; exit events then race. The kernel's own log says which it chose first.
    const kills = parseOomLog(execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 })).filter(
      (e) => e.kind === 'kill' && e.memcg?.oomMemcg === P.oom,
    );
    expect(kills[0]?.victim?.pid).toBe(predicted);
    expect(readCgroupMemory(h!, P.oom)!.oomKills).toBe(kills.length);
  }, 45_000);
});
