import { memcgResolver } from '../cgroup/resolve.js';
import { HistoryWriter } from '../history/recorder.js';
import { Sampler } from '../sampler/sampler.js';

/**
 * `oomtop guard --history PATH` and `oomtop exporter --history PATH`: record as oomtop record
 * does, on their own 1 s timer beside the command's own work (the guard's loop samples every
 * few milliseconds and reads no process table; the exporter samples only when scraped, at a
 * spacing nobody promises). Loaded only with --history: without it neither command loads the
 * recorder or SQLite (and the guard not the sampler either).
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
