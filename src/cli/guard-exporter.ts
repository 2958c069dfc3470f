/**
 * `oomtop guard --listen ADDR:PORT`: the exporter inside the guard, with the guard's own
 * metrics (oomtop_guard_kills_total, oomtop_guard_armed). Loaded only with --listen, so a
 * guard without it loads no metrics code.
 */
import { Exporter } from '../exporter/exporter.js';
import { GuardKillCounter, type GuardEventLike } from '../exporter/guard-stats.js';
import { serve } from '../exporter/server.js';
import type { ListenAddress } from './listen.js';
import { urlOf } from './exporter.js';

export interface GuardExporter {
  url: string;
  observe(ev: GuardEventLike): void;
  stop(): Promise<void>;
}

export async function startGuardExporter(
  listen: ListenAddress,
  opts: { procRoot: string; cgroupRoot: string; armed: boolean; onError: (message: string) => void },
): Promise<GuardExporter | string> {
  const counter = new GuardKillCounter(opts.armed);
  const exporter = new Exporter({
    procRoot: opts.procRoot,
    cgroupRoot: opts.cgroupRoot === '/sys/fs/cgroup' ? null : opts.cgroupRoot,
    top: 20,
    maxCgroups: 100,
    intervalMs: 1000,
    guard: () => counter.stats(),
  });
  let server;
  try {
    server = await serve(exporter, listen, (e) => opts.onError(`exporter: ${e instanceof Error ? e.message : String(e)}`));
  } catch (e) {
    exporter.stop();
    return `--listen: cannot listen on ${listen.host}:${listen.port}: ${e instanceof Error ? e.message : String(e)}`;
  }
  const a = server.address();
  const port = a !== null && typeof a === 'object' ? a.port : listen.port;
  return {
    url: urlOf(listen.host, port),
    observe: (ev) => counter.observe(ev),
    stop: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      exporter.stop();
    },
  };
}
