import { join } from 'node:path';
import { isKernelThread, listPids, readCmdline, readOomScoreAdj, readProcCgroupText, readStat, readStatus } from '../proc/process.js';
import { isCgroupfs, ProcFiles } from '../proc/handles.js';
import { oomRules, permilleFromScore, processKey, type OomRules } from '../kernel/oom.js';
import { pickNextVictim } from '../proc/risk.js';
import { readKernelVersion, readLoadavg, readMeminfo, readOomKillCount, readOomSettings, readPressure, readUptimeSeconds } from '../proc/system.js';
import type { KernelVersion, MemInfo, OomSettings, ProcStat, ProcStatus } from '../proc/types.js';
import { UserNames } from '../proc/users.js';
import { detectPageKiB } from '../proc/pagesize.js';
import type { ProcessSample, Snapshot } from './types.js';
import type { ContainerNamer } from '../containers/index.js';
import type { MemoryHierarchy } from '../cgroup/types.js';
import { sampleCgroups } from './cgroups.js';
import { planDetails, planTick, type ReadRequest } from './plan.js';
import { existsSync } from 'node:fs';

export interface SamplerOptions {
  procRoot: string;
  /** Maps /proc/PID/cgroup text to the memory cgroup path; omitted → cgroup stays null. */
  memoryCgroupOf?: (procCgroupText: string) => string | null;
  /** The memory controller, for per-cgroup headroom and victims; null or omitted → none. */
  hierarchy?: MemoryHierarchy | null;
  /** Resolves container names (cached, never blocks). */
  namer?: ContainerNamer | null;
  passwdPath?: string;
  pageKiB?: number;
  /** Every process gets a full detail read at least every N ticks (default 30). */
  refreshEvery?: number;
  /** Hold statm and oom_score open between ticks (default: when procRoot is a procfs). */
  holdFiles?: boolean;
  /**
   * Hold the memory cgroup files read every tick open too, in the same descriptor budget
   * (default: when the hierarchy's root is a cgroup filesystem, not a fixture tree).
   */
  holdCgroupFiles?: boolean;
  /** Descriptors to hold at most (default: the soft RLIMIT_NOFILE less a reserve). */
  maxFds?: number;
  /** Re-read sysctls every N ticks. */
  settingsEvery?: number;
  now?: () => number;
}

/** How sampleSliced() cuts a tick. */
export interface SliceOptions {
  /** Yield after about this much reading, ms (default SLICE_MS). */
  sliceMs?: number;
  /** Yield after this many processes instead (tests: a deterministic cut). */
  slicePids?: number;
  /** Run between two slices (default: setImmediate, so pending input and timers run first). */
  between?: () => Promise<void> | void;
  /** Looked at after each yield: true drops the tick (the host stopped). */
  cancelled?: () => boolean;
}

/** Reading per slice of a sliced tick: well under the 50 ms a key may wait (issue 17). */
export const SLICE_MS = 8;

/** One turn of the event loop: pending input, timers and I/O run before this resolves. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One tick under way: begin() sets it up, step() reads its processes, finish() makes the snapshot. */
interface TickState {
  tick: number;
  req: ReadRequest;
  refreshEvery: number;
  pids: number[];
  /** Index in pids of the next process to read. */
  next: number;
  time: number;
  memory: MemInfo | null;
  totalKiB: number;
  processes: ProcessSample[];
  warnings: string[];
  /** Time spent reading so far (the slices, not the yields between them). */
  workMs: number;
}

interface Entry {
  sample: ProcessSample;
  seen: number;
  kernelThread: boolean;
  /** The last tick its rows were asked about through detailPids (0: never). */
  askedTick?: number;
  /** statm size (pages) at the last tick, to tell whether its memory moved. */
  sizePages?: number;
}

/**
 * Turns /proc into snapshots. Each tick reads, per process, only statm and oom_score (the
 * cheap files, held open between ticks: see ProcFiles), so every score shown is the
 * kernel's own; stat, status, oom_score_adj, cmdline and cgroup are read for new
 * processes, for the PIDs the caller asks about (rows on screen, tagged), for last tick's
 * victims, after an exec (comm changed), and round-robin so every process is refreshed at
 * least every `refreshEvery` ticks. Without held files (a fixture tree, past the
 * descriptor budget) stat is read every tick instead of statm. The memory cgroup files
 * read every tick (about ten per cgroup) are held in the same ProcFiles and budget.
 */
export class Sampler {
  private readonly cache = new Map<number, Entry>();
  private tick = 0;
  private readonly users: UserNames;
  private readonly pageKiB: number;
  private kernel: KernelVersion | null;
  private readonly rules: OomRules;
  private settings: OomSettings | null = null;
  private readonly files: ProcFiles;
  /** Whether cgroup files are read through `files` (held) or opened each tick. */
  private readonly holdCgroups: boolean;
  /** Last tick's system and cgroup victims. */
  private readonly victims = new Set<number>();
  /** A sliced tick is between two of its slices. */
  private busy = false;

  constructor(private readonly opts: SamplerOptions) {
    this.files = new ProcFiles(opts.procRoot, { hold: opts.holdFiles, maxFds: opts.maxFds });
    const h = opts.hierarchy ?? null;
    this.holdCgroups = h !== null && (opts.holdCgroupFiles ?? (isCgroupfs(h.root) && (h.unifiedRoot === null || isCgroupfs(h.unifiedRoot))));
    this.users = new UserNames(opts.passwdPath);
    this.pageKiB = opts.pageKiB ?? detectPageKiB();
    this.kernel = readKernelVersion(opts.procRoot);
    this.rules = oomRules(this.kernel);
  }

  /**
   * One tick, synchronously: --once, the guard's history, the exporter and the recorder.
   * The TUI takes the same tick in slices (sampleSliced).
   */
  sample(req: ReadRequest = {}): Snapshot {
    const t = this.begin(req);
    this.step(t, t.pids.length);
    return this.finish(t);
  }

  /**
   * The same tick as sample(), in slices: after listing /proc, after about `sliceMs` of
   * reading (or `slicePids` processes), and before the snapshot, it yields to the event loop (`between`, setImmediate by default), so a key
   * pressed meanwhile is read, handled and drawn on the previous snapshot, and the tick goes
   * on where it stopped. Same reads, same snapshot. One tick at a time: sample() throws
   * while one is in progress. Null when `cancelled()` said so between two slices (the
   * sampler stays usable; the next tick starts over).
   */
  async sampleSliced(req: ReadRequest = {}, slicing: SliceOptions = {}): Promise<Snapshot | null> {
    const between = slicing.between ?? yieldToEventLoop;
    const t = this.begin(req);
    this.busy = true;
    try {
      // Listing /proc, each slice of processes, and the snapshot (victims, cgroups) each run
      // between two turns of the event loop.
      let done = false;
      do {
        await between();
        if (slicing.cancelled?.() === true) return null;
        const sliceStart = performance.now();
        done = this.step(t, slicing.slicePids ?? t.pids.length, slicing.slicePids === undefined ? (slicing.sliceMs ?? SLICE_MS) : Infinity);
        t.workMs += performance.now() - sliceStart;
      } while (!done);
      await between();
      if (slicing.cancelled?.() === true) return null;
      return this.finish(t);
    } finally {
      this.busy = false;
    }
  }

  /** A sliced tick is under way (between two of its slices). */
  get sampling(): boolean {
    return this.busy;
  }

  private begin(req: ReadRequest): TickState {
    if (this.busy) throw new Error('a sliced sample is in progress: one tick at a time');
    const now = this.opts.now ?? Date.now;
    const started = performance.now();
    const tick = ++this.tick;
    const { procRoot } = this.opts;
    const warnings: string[] = [];
    const pids = listPids(procRoot);
    if (pids.length === 0) warnings.push(`cannot list processes in ${procRoot}`);
    const time = now();
    const memory = readMeminfo(procRoot);
    if (memory === null) warnings.push(`cannot read ${join(procRoot, 'meminfo')}`);
    return {
      tick,
      req,
      refreshEvery: this.opts.refreshEvery ?? 30,
      pids,
      next: 0,
      time,
      memory,
      totalKiB: memory ? memory.totalKiB + memory.swapTotalKiB : 0,
      processes: [],
      warnings,
      workMs: performance.now() - started,
    };
  }

  /**
   * Read the next processes of the tick: at most `count`, and stop after `ms` (looked at
   * every few processes). True when every listed process has been read.
   */
  private step(t: TickState, count: number, ms = Infinity): boolean {
    const { pids } = t;
    const end = Math.min(pids.length, t.next + Math.max(1, count));
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    let i = t.next;
    while (i < end) {
      this.readProcess(t, pids[i]!);
      i++;
      if ((i & 15) === 0 && deadline !== Infinity && performance.now() >= deadline) break;
    }
    t.next = i;
    return i >= pids.length;
  }

  private readProcess(t: TickState, pid: number): void {
    const { tick, req, time, processes } = t;
    const { procRoot } = this.opts;
    const files = this.files;
    let entry = this.cache.get(pid);
    const plan = planTick(entry, pid, tick, req, this.victims.has(pid), t.refreshEvery);
    if (plan.skip) {
      entry!.seen = tick;
      return;
    }
    // A known process whose statm is held costs two held reads a tick (statm, oom_score):
    // the descriptor names that very process, so stat (name, state, start time) is read
    // only for new processes and detail reads.
    let size = -1;
    let resident = -1;
    if (entry !== undefined && !entry.kernelThread && files.holdsStatm(pid)) {
      if (files.statm(pid)) {
        size = files.statmPages.size;
        resident = files.statmPages.resident;
      } else {
        // That process is gone; the PID may already name a new one.
        files.forget(pid);
        this.cache.delete(pid);
        entry = undefined;
      }
    }
    let stat: ProcStat | null = null;
    if (resident < 0 || plan.asked) {
      stat = readStat(procRoot, pid);
      if (stat === null) return; // vanished between listing and reading: normal
      if (isKernelThread(stat)) {
        files.forget(pid);
        this.cache.set(pid, { sample: entry?.sample ?? this.blank(pid, stat.startTimeTicks), seen: tick, kernelThread: true });
        return;
      }
      if (stat.state === 'Z' || stat.state === 'X') return; // zombies hold no memory and cannot be chosen
    }

    let fresh = false;
    if (!entry || entry.kernelThread || (stat !== null && entry.sample.startTimeTicks !== stat.startTimeTicks)) {
      // Unknown here means stat was read above.
      if (entry && !entry.kernelThread) files.forget(pid);
      entry = { sample: this.blank(pid, stat!.startTimeTicks), seen: tick, kernelThread: false };
      this.cache.set(pid, entry);
      fresh = true;
      size = resident = -1;
    }
    entry.seen = tick;
    const s = entry.sample;
    let exec = false;
    if (stat !== null) {
      exec = !fresh && s.name !== stat.comm;
      s.name = stat.comm;
      s.state = stat.state;
      s.ppid = stat.ppid;
      s.pgrp = stat.pgrp;
    }
    if (resident < 0) {
      // Open statm now, to be held from the next tick on; without a held file (a fixture
      // tree, past the descriptor budget) stat's RSS serves, read every tick.
      if (files.canHold && files.statm(pid)) {
        size = files.statmPages.size;
        resident = files.statmPages.resident;
      } else {
        size = 1;
        resident = stat!.rssPages;
      }
    }
    if (size === 0) return; // no mm any more: exiting, or a zombie not yet seen as one
    const rssBefore = s.rssKiB;
    s.rssKiB = resident * this.pageKiB;

    // On screen last tick too, not a victim, memory unchanged: nothing in status moved.
    const onScreen = req.detailPids?.has(pid) === true;
    const settled =
      onScreen && !fresh && !exec && entry.askedTick === tick - 1 && entry.sizePages === size && s.rssKiB === rssBefore && !this.victims.has(pid);
    if (onScreen) entry.askedTick = tick;
    entry.sizePages = size;
    const what = planDetails(plan, { fresh, exec, hasDetails: s.detailTime !== 0, tick, settled }, req);
    if (what.status) {
      const status = readStatus(procRoot, pid);
      if (status === null) return;
      if (!status.hasMm) return;
      this.applyStatus(s, status, time);
    }
    if (what.adj) s.oomScoreAdj = readOomScoreAdj(procRoot, pid);
    if (what.cmdline) s.cmdline = readCmdline(procRoot, pid) ?? '';
    if (what.cgroup) this.readCgroup(s);
    const score = files.oomScore(pid);
    if (score === null) return;
    // The score moved while the memory did not: oom_score_adj changed (another tool, or
    // the process itself). Read it now rather than at the next round.
    if (!what.adj && score !== s.oomScore && s.rssKiB === rssBefore) s.oomScoreAdj = readOomScoreAdj(procRoot, pid);
    s.oomScore = score;
    processes.push(s);
  }

  private finish(t: TickState): Snapshot {
    const started = performance.now();
    const { tick, processes, pids, memory, warnings, time } = t;
    const { procRoot } = this.opts;
    // init can never be chosen: it has no share to show.
    for (const s of processes) s.badnessPermille = s.pid === 1 ? null : permilleFromScore(s.oomScore, s.oomScoreAdj, this.rules.scale);
    for (const [pid, e] of this.cache) if (e.seen !== tick) this.cache.delete(pid);

    if (this.settings === null || tick % (this.opts.settingsEvery ?? 10) === 0) {
      this.settings = readOomSettings(procRoot);
    }
    if (pids.length > 0 && !pids.includes(1) && existsSync(join(procRoot, 'self'))) {
      warnings.push('only own processes are visible (/proc mounted with hidepid?): run as root to see all');
    }
    const victim = pickNextVictim(processes, { totalKiB: t.totalKiB, pageKiB: this.pageKiB }, this.rules);
    for (const p of processes) p.nextVictim = p === victim;
    const cgroups = sampleCgroups(this.opts.hierarchy ?? null, processes, memory, this.settings.swappiness, victim, this.opts.namer, {
      pageKiB: this.pageKiB,
      rules: this.rules,
      files: this.holdCgroups ? this.files : null,
    });
    // After the cgroup reads: what this tick did not read (exited processes, removed
    // cgroups: v1 keeps a removed memcg alive while its files are open) is closed now.
    this.files.endTick();
    // The victims are named in the header and the event log: read them in full next tick.
    this.victims.clear();
    if (victim) this.victims.add(victim.pid);
    for (const c of cgroups) if (c.nextVictimPid !== null) this.victims.add(c.nextVictimPid);
    const system = {
      kernel: this.kernel,
      scale: this.rules.scale,
      memory,
      pressure: readPressure(procRoot),
      oomKills: readOomKillCount(procRoot),
      settings: this.settings,
      load: readLoadavg(procRoot),
      uptimeSec: readUptimeSeconds(procRoot),
    };
    return {
      seq: tick,
      time,
      system,
      // The cached objects themselves: they change in place on the next tick (see ProcessSample).
      processes,
      nextVictimPid: victim?.pid ?? null,
      cgroups,
      costMs: t.workMs + (performance.now() - started),
      warnings,
    };
  }

  private applyStatus(s: ProcessSample, status: ProcStatus, time: number): void {
    s.uid = status.uid;
    s.user = this.users.name(status.uid);
    s.anonKiB = status.rssAnonKiB;
    s.fileKiB = status.rssFileKiB;
    s.shmemKiB = status.rssShmemKiB;
    s.swapKiB = status.vmSwapKiB;
    s.pgtablesKiB = status.vmPteKiB;
    s.detailTime = time;
  }

  private readCgroup(s: ProcessSample): void {
    const text = this.opts.memoryCgroupOf ? readProcCgroupText(this.opts.procRoot, s.pid) : null;
    s.cgroup = text !== null && this.opts.memoryCgroupOf ? this.opts.memoryCgroupOf(text) : null;
  }

  /**
   * Read status and cmdline now for these processes when they have not been read yet (the
   * rows on screen after a light first tick). Updates the samples in place; true when any
   * changed.
   */
  fillDetails(pids: Iterable<number>): boolean {
    let changed = false;
    const now = (this.opts.now ?? Date.now)();
    for (const pid of pids) {
      const e = this.cache.get(pid);
      if (!e || e.kernelThread || e.sample.detailTime !== 0) continue;
      const s = e.sample;
      const status = readStatus(this.opts.procRoot, pid);
      if (status === null || !status.hasMm) continue;
      this.applyStatus(s, status, now);
      s.cmdline = readCmdline(this.opts.procRoot, pid) ?? '';
      changed = true;
    }
    return changed;
  }

  /** Whether this process's files are held open (for tests and diagnostics). */
  holdsFilesOf(pid: number): boolean {
    return this.files.holdsStatm(pid);
  }

  /** Whether this file (an absolute path: a cgroup file) is held open (for tests and diagnostics). */
  holdsFile(path: string): boolean {
    return this.files.holdsPath(path);
  }

  /** Descriptors held open for the next tick. */
  get heldFiles(): number {
    return this.files.size;
  }

  /** Release the held descriptors (the sampler can still be used: it reopens them). */
  close(): void {
    this.files.close();
  }

  private blank(pid: number, startTimeTicks: number): ProcessSample {
    return {
      key: processKey({ pid, startTimeTicks }),
      pid,
      startTimeTicks,
      name: '',
      cmdline: '',
      state: '?',
      ppid: 0,
      pgrp: 0,
      uid: null,
      user: '?',
      oomScore: 0,
      oomScoreAdj: null,
      badnessPermille: null,
      rssKiB: 0,
      anonKiB: null,
      fileKiB: null,
      shmemKiB: null,
      swapKiB: 0,
      pgtablesKiB: 0,
      cgroup: null,
      detailTime: 0,
      limitPct: null,
      danger: 0,
      cgroupVictim: false,
      container: null,
      nextVictim: false,
      growthKiBps: null,
    };
  }
}
