import { memcgResolver } from '../cgroup/resolve.js';
import { HistoryWriter } from '../history/recorder.js';
import { Sampler } from '../sampler/sampler.js';

/**
 * `oomtop guard --history PATH`: records as oomtop record does, on its own 1 s timer beside
 * the guard's loop (which may sample every few milliseconds and reads no process table).
 * Loaded only with --history: the guard alone loads neither the sampler nor SQLite.
 */
export async function startHistory(opts: { path: string; maxBytes: number; procRoot: string; cgroupRoot: string | null; intervalMs?: number; onNotice: (message: string) => void }): Promise<{ stop(): void }> {
  const writer = await HistoryWriter.open(opts.path, opts.maxBytes, opts.onNotice);
  const { memoryCgroupOf, hierarchy } = memcgResolver(opts.procRoot, opts.cgroupRoot);
  const sampler = new Sampler({ procRoot: opts.procRoot, memoryCgroupOf, hierarchy });
  const tick = () => {
    try {
      writer.record(sampler.sample());
    } catch (e) {
      opts.onNotice(`history: sampling failed: ${(e as Error).message}`);
    }
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs ?? 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sampler.close();
      writer.close();
    },
  };
}
