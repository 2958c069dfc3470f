/**
 * Kernel OOM kills as guard events ('oom-kill'), so --webhook, --notify and --wall also
 * report the kills the guard did not prevent. Headless: /dev/kmsg only, through the kernel
 * log's own reader and parser (src/kernel), no fallback command (dmesg / journalctl are
 * the TUI's and analyze's); said plainly when /dev/kmsg cannot be read.
 */
import { bootTimeMs, monotonicNowUs } from '../kernel/clock.js';
import { KmsgReader } from '../kernel/kmsg-reader.js';
import { kmsgLogLine } from '../kernel/normalize.js';
import { OomLogParser } from '../kernel/parser.js';
import { describeOomEvent } from '../kernel/render.js';
import type { OomEvent } from '../kernel/types.js';
import { makeEvent } from './decide.js';
import type { GuardEvent } from './types.js';

const POLL_MS = 250;

/** One kernel OOM kill as a guard event: scope = the OOM's memory cgroup, or "system". */
export function oomKillEvent(ev: OomEvent, timeMs: number): GuardEvent {
  const scope = ev.constraint === 'MEMCG' ? (ev.memcg?.oomMemcg ?? ev.memcg?.taskMemcg ?? 'cgroup') : 'system';
  return makeEvent('oom-kill', scope, null, timeMs, {
    ...(ev.victim ? { pid: ev.victim.pid, name: ev.victim.comm, rssKiB: ev.victim.anonRssKiB ?? undefined } : {}),
    message: `kernel ${describeOomEvent(ev)}`,
  });
}

export interface KernelKillWatch {
  stop(): void;
}

/** Follow /dev/kmsg from now on; each kill (not the ones already in the buffer) goes to emit. */
export function watchKernelKills(emit: (e: GuardEvent) => void, note: (m: string) => void, devKmsg = '/dev/kmsg'): KernelKillWatch {
  const startUs = monotonicNowUs();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let reader: KmsgReader | null = null;
  const parser = new OomLogParser({ bootTimeMs: bootTimeMs() });
  const tick = async () => {
    timer = null;
    if (stopped || !reader) return;
    try {
      const { records, atEnd } = await reader.drain(2000);
      for (const rec of records) {
        if (rec.usec < startUs) continue;
        for (const ev of parser.pushLogLine(kmsgLogLine(rec))) {
          if (ev.kind === 'kill' || ev.kind === 'group-kill') emit(oomKillEvent(ev, Date.now()));
        }
      }
      if (!stopped) timer = setTimeout(() => void tick(), atEnd ? POLL_MS : 0);
    } catch (e) {
      note(`kernel OOM kills are not reported: reading ${devKmsg} failed (${(e as Error).message})`);
      void reader.close();
      reader = null;
    }
  };
  void KmsgReader.open(devKmsg).then(
    (r) => {
      if (stopped) return void r.close();
      reader = r;
      void tick();
    },
    (e: NodeJS.ErrnoException) => note(`kernel OOM kills are not reported: ${devKmsg}: ${e.code ?? e.message}`),
  );
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      void reader?.close();
      reader = null;
    },
  };
}
