import React from 'react';
import { render } from 'ink';
import { Commands } from '../app/commands.js';
import { SamplerHost } from '../app/host.js';
import { memcgResolver } from '../app/memcg.js';
import { createOomtopStore } from '../store/store.js';
import { App } from '../ui/App.js';
import { makeTheme } from '../ui/theme.js';
import type { MonitorArgs } from './args.js';
import { AltScreen } from './terminal.js';

/** The live monitor: sampler → store → Ink, with the terminal restored on every exit path. */
export async function runTui(args: MonitorArgs): Promise<number> {
  const { config } = args;
  const store = createOomtopStore({ sort: args.sort, inverted: args.inverted, filter: args.filter });
  const { memoryCgroupOf } = memcgResolver(config.procRoot, config.cgroupRoot);
  let host: SamplerHost | null = null;
  const commands = new Commands(store, config, () => host?.kick());
  host = new SamplerHost(store, { procRoot: config.procRoot, memoryCgroupOf }, config.intervalMs);

  const screen = new AltScreen();
  screen.enter();
  let exitCode = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  let app: ReturnType<typeof render> | null = null;

  const quit = (code = 0) => {
    exitCode = code;
    host?.stop();
    app?.unmount();
    screen.leave();
    resolveDone();
  };
  const onSignal = (sig: NodeJS.Signals) => quit(sig === 'SIGINT' ? 0 : 128 + (sig === 'SIGTERM' ? 15 : 1));
  const onFatal = (err: unknown) => {
    quit(1);
    process.stderr.write(`oomtop: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  if (config.readOnly) store.getState().log('info', 'info', 'read-only: oomtop will not change or signal anything');
  try {
    app = render(React.createElement(App, { store, commands, config, theme: makeTheme(config.color), onQuit: () => quit(0) }), {
      exitOnCtrlC: false,
      patchConsole: true,
    });
    host.start();
    await Promise.race([done, app.waitUntilExit()]);
  } finally {
    quit(exitCode);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('SIGINT', onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  }
  return exitCode;
}
