import { checkRootCommand } from '../actions/trust.js';
import { makeEvent } from '../guard/decide.js';
import { GuardEngine, preciseNow } from '../guard/engine.js';
import { defaultStateDir, recoverStale, releaseAll } from '../guard/intercept.js';
import { GuardLoop } from '../guard/loop.js';
import { eventPrinter } from '../guard/output.js';
import { describeThresholds } from '../guard/policy.js';
import { protectSelf } from '../guard/selfprotect.js';
import { buildScopes } from '../guard/setup.js';
import { watchKernelKills } from '../guard/kernel-kills.js';
import { readPressure } from '../proc/system.js';
import { UsageError } from './errors.js';
import { setupContainers, type ContainerFollower } from './guard-containers.js';
import { GUARD_USAGE, parseGuardArgs, type GuardArgs } from './guard-args.js';
import { loadRules } from '../rules/load.js';
import { startRulesWatch } from './rules.js';

/**
 * `oomtop guard`: the headless early-OOM guard (systemd service, container sidecar).
 * Loads no UI code. Exit codes: 0 stopped by a signal, 1 runtime failure, 2 bad options.
 */
export async function run(argv: string[]): Promise<number> {
  let parsed: GuardArgs;
  try {
    parsed = parseGuardArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`oomtop guard: ${e.message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(GUARD_USAGE);
    return 0;
  }
  const policy = parsed.policy;
  const commands: (readonly [string, string | null])[] = [
    ['--pre-kill hook', policy.preKill],
    ['--post-kill hook', policy.postKill],
    ...(policy.onLevel ?? []).map((h) => [`--on-level ${h.level} handler`, h.cmd] as const),
  ];
  for (const [what, cmd] of commands) {
    const trust = cmd === null ? null : checkRootCommand(cmd, what);
    if (trust !== null && !trust.ok) {
      process.stderr.write(`oomtop guard: ${trust.message}\n`);
      return 2;
    }
  }
  const rulesFile = parsed.rules === null ? null : loadRules(parsed.rules.path);
  if (rulesFile !== null && !rulesFile.ok) {
    for (const m of rulesFile.messages) process.stderr.write(`oomtop guard: ${m}\n`);
    return 2;
  }
  const setup = buildScopes(policy);
  if (!setup.ok) {
    process.stderr.write(`oomtop guard: ${setup.message}\n`);
    return 2;
  }
  const withContainers = (policy.containers?.length ?? 0) > 0 || policy.allContainers === true;
  if (setup.readers.length === 0 && !setup.discover && !withContainers) {
    process.stderr.write('oomtop guard: nothing to watch\n');
    return 2;
  }

  const print = eventPrinter(policy.json, (line) => process.stdout.write(line + '\n'));
  // --listen: every event also reaches the exporter's guard metrics.
  let metrics: import('./guard-exporter.js').GuardExporter | null = null;
  const emit: typeof print = (ev) => {
    metrics?.observe(ev);
    print(ev);
  };
  const note = (scope: string, message: string) => emit(makeEvent('notice', scope, null, preciseNow(), { message }));

  const self = protectSelf(policy.procRoot);
  if (self.warning) note('guard', self.warning);
  if (policy.psi && policy.scopes.some((s) => s.kind === 'system') && readPressure(policy.procRoot) === null) {
    note('system', 'PSI is not available (kernel without CONFIG_PSI or psi=0): --psi-full ignored');
  }
  const stateDir = policy.stateDir ?? defaultStateDir();
  for (const d of recoverStale(stateDir, policy.procRoot)) {
    note(d, 'restored the intercept setting (oom_kill_disable or memory.high) left by a guard that died');
  }

  if (parsed.listen) {
    const m = await (await import('./guard-exporter.js')).startGuardExporter(parsed.listen, {
      procRoot: policy.procRoot,
      cgroupRoot: policy.cgroupRoot,
      armed: !policy.dryRun,
      onError: (message) => note('guard', message),
    });
    if (typeof m === 'string') {
      process.stderr.write(`oomtop guard: ${m}\n`);
      return 1;
    }
    metrics = m;
    note('guard', `exporter listening on ${m.url}`);
  }
  const engine = new GuardEngine({ policy, emit, stateDir });
  for (const r of setup.readers) engine.addScope(r);
  let containers: ContainerFollower | null = null;
  if (withContainers) {
    const c = await setupContainers(policy, setup.hierarchy, engine, emit);
    if (!c.ok) {
      engine.shutdown();
      await metrics?.stop();
      process.stderr.write(`oomtop guard: ${c.message}\n`);
      return 2;
    }
    containers = c.follower;
    if (engine.scopes.length === 0 && !policy.allContainers) {
      note('guard', 'no container to watch yet: waiting for one to start');
    }
  }
  const loop = new GuardLoop(engine, { reportMs: policy.reportMs, emit, discover: setup.discover });

  const stopSignals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  const onStop = () => loop.stop();
  const onCrash = (err: unknown) => {
    engine.shutdown();
    releaseAll();
    process.stderr.write(`oomtop guard: crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  const onExit = () => {
    containers?.stop();
    engine.shutdown();
    releaseAll();
  };
  for (const s of stopSignals) process.on(s, onStop);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  process.on('exit', onExit);

  emit(
    makeEvent('start', 'guard', null, preciseNow(), {
      message: `${policy.dryRun ? 'dry run' : 'armed'}; ${describeThresholds(policy)}; scopes ${
        engine.scopes.map((s) => s.reader.label).join(', ') || '(none yet)'
      }${policy.allCgroups ? ' + every limited cgroup' : ''}${policy.allContainers ? ' + every running container with a limit' : ''}; term timeout ${policy.termTimeoutMs / 1000} s; oom_score_adj ${self.adj}${
        policy.onLevel?.length ? `; handlers: ${policy.onLevel.length}` : ''
      }`,
    }),
  );
  engine.announceAlerts();
  // Kills the guard did not prevent go to the webhooks and people too (through the engine's alerts).
  const kernelKills = engine.alerts ? watchKernelKills((e) => engine.alert(e), (m) => note('guard', m)) : null;
  loop.start();
  // --rules: the rules file applied to running and new processes, on its own timer (the
  // guard's loop may sample every few milliseconds; new processes are looked for every
  // --rules-interval). Each change or refusal is a notice of scope "rules".
  const rules =
    parsed.rules !== null && rulesFile?.ok
      ? startRulesWatch({
          path: parsed.rules.path,
          rules: rulesFile.rules,
          intervalMs: parsed.rules.intervalMs,
          procRoot: policy.procRoot,
          cgroupRoot: policy.cgroupRoot === '/sys/fs/cgroup' ? null : policy.cgroupRoot,
          onChange: (c) =>
            emit(
              makeEvent('notice', 'rules', null, preciseNow(), {
                pid: c.pid,
                name: c.comm,
                message:
                  c.kind === 'set'
                    ? `oom_score_adj ${c.before} -> ${c.after} (rule "${c.rule}")`
                    : `not changed to ${c.target} (rule "${c.rule}"): ${c.error.message}${c.error.hint ? `; ${c.error.hint}` : ''} (not retried)`,
              }),
            ),
          onNotice: (m) => note('rules', m),
        })
      : null;
  if (rules !== null) note('rules', `applying ${rulesFile!.ok ? rulesFile!.rules.length : 0} rules from ${parsed.rules!.path} every ${parsed.rules!.intervalMs / 1000} s`);
  // --history: recorded beside the guard (loaded only then: SQLite and the sampler).
  let history: { stop(): void } | null = null;
  if (parsed.history !== null) {
    try {
      const { startHistory } = await import('./history-beside.js');
      history = await startHistory({ ...parsed.history, procRoot: policy.procRoot, cgroupRoot: policy.cgroupRoot === '/sys/fs/cgroup' ? null : policy.cgroupRoot, onNotice: (m) => note('history', m) });
      note('history', `recording to ${parsed.history.path} every 1 s (oomtop report --history ${parsed.history.path})`);
    } catch (e) {
      note('history', `not recording: ${(e as Error).message}`);
    }
  }
  await loop.done;
  rules?.stop();
  await metrics?.stop();
  kernelKills?.stop();
  history?.stop();

  const held = engine.scopes.some((s) => s.intercept !== null);
  containers?.stop();
  engine.shutdown();
  await engine.alertsClosed; // queued webhook events get a moment to go out
  for (const s of stopSignals) process.off(s, onStop);
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  process.off('exit', onExit);
  emit(makeEvent('stop', 'guard', null, preciseNow(), { message: held ? 'stopped; intercept settings restored' : 'stopped' }));
  return 0;
}
