import type { Snapshot } from '../sampler/types.js';
import { openForWrite, type HistoryDb, type SeriesId } from './db.js';
import { DEFAULT_SELECT, TickSelector, type SelectOptions } from './select.js';

/**
 * Writes snapshots into the history: what to record (TickSelector), one transaction per tick.
 * A write that fails (disk full, the file removed) is reported once per kind of error and the
 * caller goes on: recording never stops the monitor it serves.
 */
export class HistoryWriter {
  private readonly selector: TickSelector;
  private lastError = '';
  /** Milliseconds the last tick's write took. */
  lastWriteMs = 0;

  private constructor(
    readonly db: HistoryDb,
    select: SelectOptions,
    private readonly warn: (message: string) => void,
  ) {
    this.selector = new TickSelector(select);
  }

  static async open(path: string, maxBytes: number, warn: (message: string) => void, select: SelectOptions = DEFAULT_SELECT): Promise<HistoryWriter> {
    const { db, notice } = await openForWrite(path, maxBytes);
    if (notice) warn(notice);
    return new HistoryWriter(db, select, warn);
  }

  /** Record one snapshot; false when the write failed (already reported). */
  record(snap: Snapshot): boolean {
    const started = performance.now();
    try {
      this.db.writeTick(snap.time, this.selector.points(snap));
      this.lastError = '';
      return true;
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.lastError) this.warn(`history: cannot write ${this.db.path}: ${msg}`);
      this.lastError = msg;
      return false;
    } finally {
      this.lastWriteMs = performance.now() - started;
    }
  }

  /** One recorded series (HistoryDb.readSeries): the monitor's process pane reads its process's. */
  readSeries(kind: SeriesId['kind'], key: string, metric: string, sinceMs: number): { times: number[]; values: number[] } | null {
    return this.db.readSeries(kind, key, metric, sinceMs);
  }

  close(): void {
    this.db.close();
  }
}
