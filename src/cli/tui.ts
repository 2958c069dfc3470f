import React from 'react';
import { render } from 'ink';
import { Commands } from '../tui/commands.js';
import { SamplerHost } from '../tui/host.js';
import { followKernelLog } from '../tui/kernel-events.js';
import { followOomdKills } from '../tui/oomd-events.js';
import { memcgResolver } from '../cgroup/resolve.js';
import { GuardLink } from '../tui/guard-link.js';
import { ContainerNamer } from '../containers/index.js';
import { createOomtopStore } from '../store/store.js';
import { App } from '../ui/App.js';
import { makeTheme } from '../ui/theme.js';
import type { MonitorArgs } from './args.js';
import { AltScreen } from './terminal.js';
import { UsageError } from './errors.js';
import { parseGuardArgs } from './guard-args.js';
import { installFastOutput } from '../ui/ink/output.js';
import { StatsWriter } from '../tui/stats.js';
import { protectMonitor } from '../tui/self.js';
import { DEFAULT_RULES_PATH, loadRules } from '../rules/load.js';
import type { Rule } from '../rules/parse.js';
import { RuleApplier } from '../rules/applier.js';
import { UserNames } from '../proc/users.js';

/** With --history, the process pane's recorded history: how far back, and how often it is read again. */
const RECORDED_SPAN_MS = 7 * 86_400_000;
const RECORDED_EVERY_MS = 10_000;

function attempt(fn: () => void): void {
  try {
    fn();
  } catch {
    /* the terminal may already be gone: cleanup is best effort */
  }
}

/**
 * The live monitor: sampler → store → Ink. Every way out (q, a signal, a hung-up
 * terminal, an error) runs the same best-effort cleanup and then ends the process:
 * a terminal that disappeared must never leave oomtop spinning in the background.
 */
export async function runTui(args: MonitorArgs): Promise<number> {
  const { config } = args;
  const store = createOomtopStore({ sort: args.sort, inverted: args.inverted, filter: args.filter }, { etaWarnS: config.etaWarnS });
  const { memoryCgroupOf, hierarchy } = memcgResolver(config.procRoot, config.cgroupRoot);
  if (hierarchy === null) store.getState().log('info', 'warn', 'no memory cgroup controller found: per-cgroup headroom is not shown');
  // Container names come from runtimes in the background; the table shows short IDs until then.
  const namer = hierarchy ? new ContainerNamer() : null;
  namer?.onStatus((message) => store.getState().log('info', 'info', `containers: ${message}`));
  // The guard reads (and acts on) the same /proc and cgroup tree the monitor shows.
  const guardArgs = [...args.guardArgs];
  if (!guardArgs.includes('--proc-root')) guardArgs.push('--proc-root', config.procRoot);
  if (config.cgroupRoot !== null && !guardArgs.includes('--cgroup-root')) guardArgs.push('--cgroup-root', config.cgroupRoot);
  let guardOpts;
  try {
    guardOpts = parseGuardArgs(guardArgs);
  } catch (e) {
    throw e instanceof UsageError ? new UsageError(`--guard-opts: ${e.message}`) : e;
  }
  if (guardOpts.help) throw new UsageError('--guard-opts: see oomtop guard --help for the options');
  if ((guardOpts.policy.containers?.length ?? 0) > 0 || guardOpts.policy.allContainers) {
    throw new UsageError('--guard-opts: --container and --all-containers work in oomtop guard only; here use --cgroup /docker/ID');
  }
  if (guardOpts.listen) throw new UsageError('--guard-opts: --listen is for oomtop guard and oomtop exporter, not the monitor');
  if (guardOpts.rules) throw new UsageError('--guard-opts: --rules is not a guard option in the monitor (use oomtop --rules PATH)');
  const guard = GuardLink.create(store, guardOpts.policy);
  if (typeof guard === 'string') throw new UsageError(`--guard-opts: ${guard}`);
  let host: SamplerHost | null = null;
  const statsPath = process.env.OOMTOP_STATS;
  const stats = statsPath ? new StatsWriter(statsPath, store, () => host?.heldFiles ?? -1) : null;
  // Container names from the monitor's namer (cached; a miss schedules a refresh).
  const containerName = namer ? (id: string) => namer.lookup({ runtime: 'docker', id, name: null, pod: null }) : undefined;
  const applier = (rs: Rule[]) => new RuleApplier(rs, { procRoot: config.procRoot, hierarchy, users: new UserNames(), containerName });
  let rules: RuleApplier | null = null;
  if (args.rulesPath !== null) {
    const loaded = loadRules(args.rulesPath);
    if (!loaded.ok) throw new UsageError(loaded.messages.join('; '));
    rules = applier(loaded.rules);
    store.getState().log('info', 'info', `rules: ${loaded.rules.length} from ${args.rulesPath}, applied to running and new processes (badge R)`);
  }
  // --history: record every snapshot as oomtop record does (better-sqlite3 is loaded only then).
  let recorder: {
    record(snap: NonNullable<ReturnType<typeof store.getState>['snapshot']>): boolean;
    readSeries(kind: 'proc', key: string, metric: string, sinceMs: number): { times: number[]; values: number[] } | null;
    close(): void;
  } | null = null;
  if (args.history !== null) {
    const { HistoryWriter } = await import('../history/recorder.js');
    const warn = (m: string) => store.getState().log('error', 'warn', m);
    try {
      recorder = await HistoryWriter.open(args.history.path!, args.history.maxBytes, warn);
      store.getState().log('info', 'info', `history: recording to ${args.history.path} (oomtop report --history ${args.history.path})`);
    } catch (e) {
      warn(`history: not recording: ${(e as Error).message}`);
    }
  }
  let recorded: unknown = null;
  const onTick = () => {
    stats?.tick();
    const snap = store.getState().snapshot;
    if (recorder && snap && snap !== recorded) {
      recorded = snap;
      recorder.record(snap);
      readRecorded(Date.now());
    }
  };
  // The process pane shows the long history of its process from the file being recorded:
  // read when the pane opens on a process, then every RECORDED_EVERY_MS while it stays open.
  const readRecorded = (now: number) => {
    const st = store.getState();
    const key = st.view.screen === 'process' ? st.view.detailKey : null;
    if (key === null) {
      if (st.recorded !== null) st.setRecorded(null);
      return;
    }
    if (st.recorded?.key === key && now - st.recorded.readAt < RECORDED_EVERY_MS) return;
    try {
      const s = recorder!.readSeries('proc', key, 'rss', now - RECORDED_SPAN_MS);
      st.setRecorded({ key, times: s?.times ?? [], rssKiB: s?.values ?? [], readAt: now });
    } catch (e) {
      st.setRecorded({ key, times: [], rssKiB: [], readAt: now });
      st.log('error', 'warn', `history: cannot read ${args.history!.path}: ${(e as Error).message}`);
    }
  };
  // Opening the pane (or another process in it) reads at once, not at the next tick (or never, paused).
  if (recorder) {
    store.subscribe((s, prev) => {
      if (s.view.detailKey !== prev.view.detailKey || s.view.screen !== prev.view.screen) readRecorded(Date.now());
    });
  }
  // R saves a rule to the --rules file (or the default one) and puts that file in force.
  const rulesPath = args.rulesPath ?? DEFAULT_RULES_PATH;
  const commands = new Commands(store, config, () => host?.kick(), {
    path: rulesPath,
    reload: (rs) => {
      host?.setRules(applier(rs));
      store.getState().log('info', 'info', `rules: ${rs.length} from ${rulesPath} now in force (badge R)`);
    },
  });
  host = new SamplerHost(store, { procRoot: config.procRoot, memoryCgroupOf, hierarchy, namer }, config.intervalMs, onTick, rules);

  const screen = new AltScreen();
  let app: ReturnType<typeof render> | null = null;
  let finished = false;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));

  let follower: { stop(): void } | null = null;
  let oomd: { stop(): void } | null = null;
  const cleanup = () => {
    attempt(() => guard.dispose()); // puts back any cgroup setting the guard changed
    attempt(() => follower?.stop());
    attempt(() => oomd?.stop());
    attempt(() => namer?.stop());
    attempt(() => host?.stop());
    attempt(() => stats?.close());
    attempt(() => recorder?.close());
    attempt(() => app?.unmount());
    attempt(() => screen.leave());
  };
  const quit = (code: number) => {
    if (finished) return;
    finished = true;
    cleanup();
    resolveDone(code);
  };
  // A signal or a dead terminal: clean up and leave now, without waiting for anything.
  const hardExit = (code: number, message?: string) => {
    if (!finished) {
      finished = true;
      cleanup();
    }
    if (message) attempt(() => process.stderr.write(message));
    process.exit(code);
  };
  // The terminal hung up: nothing to restore, and Node 20's exit path asserts when it
  // cannot reset a dead tty (node::ResetStdio, tcsetattr → EIO). End without it.
  const onHangup = () => {
    if (!finished) {
      finished = true;
      attempt(() => guard.dispose());
      attempt(() => follower?.stop()); // a dmesg/journalctl child must not outlive us
      attempt(() => oomd?.stop());
      attempt(() => host?.stop());
    }
    process.kill(process.pid, 'SIGKILL');
  };
  const onSignal = (sig: NodeJS.Signals) => (sig === 'SIGHUP' ? onHangup() : hardExit(sig === 'SIGINT' ? 130 : 143));
  const onFatal = (err: unknown) => hardExit(1, `oomtop: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  const onStdinGone = () => onHangup();
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.stdin.on('end', onStdinGone);
  process.stdin.on('error', onStdinGone);
  process.stdout.on('error', onStdinGone);

  if (config.readOnly) store.getState().log('info', 'info', 'read-only: oomtop will not change or signal anything');
  protectMonitor(store, config.readOnly);
  // Same frames as Ink draws them, for a fraction of the cost (src/ui/ink-output.ts).
  await installFastOutput();
  screen.enter();
  app = render(React.createElement(App, {
      store,
      commands,
      config,
      theme: makeTheme(config.color),
      onQuit: () => quit(0),
      guardLine: () => guard.headerLine(),
      guardMode: () => guard.controller.getMode(),
      onGuard: () => store.getState().setStatus(guard.cycle(), 'warn'),
    }), {
    exitOnCtrlC: false,
    patchConsole: true,
  });
  host.start();
  follower = followKernelLog(store, { procRoot: config.procRoot, devKmsg: config.devKmsg, namer, onLiveKill: (ev) => guard.kernelKill(ev) });
  oomd = followOomdKills(store);
  void app.waitUntilExit().then(
    () => quit(0),
    (e: unknown) => onFatal(e),
  );
  return done;
}
