/**
 * The recording: one SQLite file (better-sqlite3, loaded only by the commands that record or
 * report), in WAL mode, one transaction per tick, so a crash or SIGKILL of the recorder loses at
 * most the tick being written.
 *
 * Every recorded quantity is a series (kind, key, metric): ("system", "system", "used"),
 * ("cgroup", "/path", "ws"), ("proc", "PID:START", "rss"). Its points age through three tiers:
 * raw samples for an hour (tier 0), one-minute mean/min/max for a week (tier 1), fifteen-minute
 * ones for a year (tier 2), rolled up once a minute. Past the size cap the oldest points go first.
 */
import { DEFAULT_MAX_MIB } from './paths.js';
import { lockHistory, type WriterLock } from './lock.js';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const TIERS = [
  { tier: 0, stepMs: 0, keepMs: 3600_000 },
  { tier: 1, stepMs: 60_000, keepMs: 7 * 86_400_000 },
  { tier: 2, stepMs: 15 * 60_000, keepMs: 365 * 86_400_000 },
] as const;

export { DEFAULT_MAX_MIB, defaultHistoryPath } from './paths.js';
const SCHEMA_VERSION = '1';

/** The part of better-sqlite3's API used here (its types are not a dependency). */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  raw(on?: boolean): Statement;
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string, opts?: { simple?: boolean }): unknown;
  transaction<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void;
  close(): void;
}
type DatabaseCtor = new (path: string, opts?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => Database;

let ctor: DatabaseCtor | null = null;

/** better-sqlite3, loaded on first use: the TUI without --history and the guard never load it. */
async function sqlite(): Promise<DatabaseCtor> {
  if (ctor) return ctor;
  try {
    const mod = (await import('better-sqlite3')) as unknown as { default: DatabaseCtor };
    ctor = mod.default;
    return ctor;
  } catch (e) {
    throw new Error(`cannot load better-sqlite3 (the history store): ${(e as Error).message.split('\n')[0]}; reinstall with npm ci (its install script must run: package.json approves it in allowScripts)`);
  }
}


export interface SeriesId {
  kind: 'system' | 'cgroup' | 'proc';
  key: string;
  metric: string;
  /** Process name (raw comm), for proc series. */
  label?: string | null;
  /** The process's memory cgroup, for proc series. */
  cgroup?: string | null;
}

export interface StoredSeries extends Required<SeriesId> {
  id: number;
  times: number[];
  /** Raw values, or the mean of a one-minute or fifteen-minute aggregate. */
  values: number[];
}

export interface OpenResult {
  db: HistoryDb;
  /** Set when the file could not be used and was moved aside (the message says where). */
  notice: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, metric TEXT NOT NULL, label TEXT, cgroup TEXT, UNIQUE(kind, key, metric));
CREATE TABLE IF NOT EXISTS points(sid INTEGER NOT NULL, tier INTEGER NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL, mn REAL, mx REAL, PRIMARY KEY(sid, tier, t)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS points_age ON points(tier, t);
`;

function isUnusable(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return /SQLITE_(CORRUPT|NOTADB|BUSY|LOCKED|CANTOPEN|IOERR)/.test(code) || /not a database|malformed|locked|busy/i.test((e as Error).message ?? '');
}

/** Open (or create) the history for recording. A corrupt or locked file is moved aside and a new one started. */
export async function openForWrite(path: string, maxBytes = DEFAULT_MAX_MIB * 1024 * 1024): Promise<OpenResult> {
  const Db = await sqlite();
  mkdirSync(dirname(path), { recursive: true });
  // Another oomtop writing this file: refused, naming it (HistoryBusyError), never moved aside.
  const lock = lockHistory(path);
  try {
    try {
      return { db: HistoryDb.create(new Db(path, { timeout: 1000 }), path, maxBytes, lock), notice: null };
    } catch (e) {
      if (!isUnusable(e)) throw e;
      // Corrupt, or held by a program that is not oomtop: moved aside.
      const aside = `${path}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      for (const ext of ['', '-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
      const why = (e as Error).message.split('\n')[0];
      const db = HistoryDb.create(new Db(path, { timeout: 1000 }), path, maxBytes, lock);
      return { db, notice: `history ${path} could not be used (${why}): moved aside to ${aside}, recording into a new file` };
    }
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Open the history for a report (read only; the recorder may be writing it). */
export async function openForRead(path: string): Promise<HistoryDb> {
  const Db = await sqlite();
  if (!existsSync(path)) throw new Error(`no history at ${path} (record one with oomtop record, or give --history PATH)`);
  let raw: Database;
  try {
    raw = new Db(path, { readonly: true, fileMustExist: true, timeout: 2000 });
    raw.prepare('SELECT count(*) FROM series').get();
  } catch (e) {
    throw new Error(`history ${path} cannot be read: ${(e as Error).message.split('\n')[0]}`);
  }
  return new HistoryDb(raw, path, 0, true);
}

export class HistoryDb {
  /**
   * Series ids by (kind, key, metric), for the series written this minute and the one before
   * (rotated at each roll-up): under process churn every new process's series would otherwise
   * stay cached for as long as the recorder runs (the soak's recorder heap grew 4.4 MiB in two
   * minutes). A series not cached is found by its unique index.
   */
  private ids = new Map<string, number>();
  private idsBefore = new Map<string, number>();

  /** Series ids cached now (tests: bounded by what the last two minutes wrote). */
  get cachedSeries(): number {
    return this.ids.size + this.idsBefore.size;
  }
  private insertPoint!: Statement;
  private insertSeries!: Statement;
  private findSeries!: Statement;
  private lastRollMinute = 0;
  /** Bytes of the file when last measured, for the cap. */
  private bytes = 0;

  constructor(
    private readonly raw: Database,
    readonly path: string,
    private readonly maxBytes: number,
    readonly readOnly = false,
    private readonly lock: WriterLock | null = null,
  ) {}

  static create(raw: Database, path: string, maxBytes: number, lock: WriterLock | null = null): HistoryDb {
    try {
      // Incremental auto-vacuum must be set before the first table: it lets the cap give pages back.
      raw.pragma('auto_vacuum = INCREMENTAL');
      const mode = raw.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw Object.assign(new Error(`cannot use WAL mode (journal_mode ${String(mode)})`), { code: 'SQLITE_CANTOPEN' });
      raw.pragma('synchronous = NORMAL');
      raw.pragma('journal_size_limit = 4194304');
      const check = raw.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw Object.assign(new Error(`integrity check failed: ${String(check)}`), { code: 'SQLITE_CORRUPT' });
      raw.exec('BEGIN IMMEDIATE'); // fails here (SQLITE_BUSY) when another writer holds the file
      raw.exec(SCHEMA);
      const v = raw.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
      if (v === undefined) raw.prepare("INSERT INTO meta(key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
      else if (v.value !== SCHEMA_VERSION) throw Object.assign(new Error(`schema ${v.value}, this oomtop writes ${SCHEMA_VERSION}`), { code: 'SQLITE_NOTADB' });
      raw.exec('COMMIT');
    } catch (e) {
      try {
        raw.close();
      } catch {
        /* closing a broken handle */
      }
      throw e;
    }
    const db = new HistoryDb(raw, path, maxBytes, false, lock);
    db.prepareWrites();
    return db;
  }

  private prepareWrites(): void {
    this.insertPoint = this.raw.prepare('INSERT OR REPLACE INTO points(sid, tier, t, v) VALUES (?, 0, ?, ?)');
    this.insertSeries = this.raw.prepare('INSERT INTO series(kind, key, metric, label, cgroup) VALUES (?, ?, ?, ?, ?)');
    this.findSeries = this.raw.prepare('SELECT id, label, cgroup FROM series WHERE kind = ? AND key = ? AND metric = ?');
    const last = this.raw.prepare("SELECT value FROM meta WHERE key = 'rolled'").get() as { value: string } | undefined;
    this.lastRollMinute = last ? Number(last.value) : 0;
    this.bytes = this.sizeBytes();
  }

  private seriesId(s: SeriesId): number {
    const k = `${s.kind}\u0000${s.key}\u0000${s.metric}`;
    const known = this.ids.get(k);
    if (known !== undefined) return known;
    const before = this.idsBefore.get(k);
    if (before !== undefined) {
      this.ids.set(k, before);
      return before;
    }
    const row = this.findSeries.get(s.kind, s.key, s.metric) as { id: number } | undefined;
    const id = row ? row.id : Number((this.insertSeries.run(s.kind, s.key, s.metric, s.label ?? null, s.cgroup ?? null) as { lastInsertRowid?: number | bigint }).lastInsertRowid);
    this.ids.set(k, id);
    return id;
  }

  /** One tick: every point in one transaction; once a minute the roll-up, the ageing and the cap. */
  writeTick(time: number, points: readonly { id: SeriesId; value: number }[]): void {
    this.raw.exec('BEGIN');
    try {
      for (const p of points) this.insertPoint.run(this.seriesId(p.id), Math.round(time), p.value);
      const minute = Math.floor(time / 60_000);
      if (minute > this.lastRollMinute) this.maintain(time, minute);
      this.raw.exec('COMMIT');
    } catch (e) {
      this.raw.exec('ROLLBACK');
      // an id inserted in the rolled-back transaction is gone
      this.ids.clear();
      this.idsBefore.clear();
      throw e;
    }
  }

  /** Roll finished minutes (and quarters) up, drop what aged out, and keep under the cap. Inside writeTick's transaction. */
  private maintain(time: number, minute: number): void {
    this.idsBefore = this.ids;
    this.ids = new Map();
    // The step is in the SQL text: a bound number is a REAL to SQLite, and t / 60000.0 would not group.
    const roll = (tier: number, step: number, from: number, to: number) =>
      this.raw
        .prepare(`INSERT OR REPLACE INTO points(sid, tier, t, v, mn, mx) SELECT sid, ${tier}, (t / ${step}) * ${step}, avg(v), min(coalesce(mn, v)), max(coalesce(mx, v)) FROM points WHERE tier = ${tier - 1} AND t >= ? AND t < ? GROUP BY sid, t / ${step}`)
        .run(from, to);
    // The minutes finished since the last roll-up, then the quarter(s) finished since then
    // (recomputed from their minutes: a quarter is complete once its last minute is).
    const from = this.lastRollMinute * 60_000;
    roll(1, 60_000, from, minute * 60_000);
    roll(2, 900_000, Math.floor(from / 900_000) * 900_000, Math.floor(minute / 15) * 900_000);
    const age = this.raw.prepare('DELETE FROM points WHERE tier = ? AND t < ?');
    for (const t of TIERS) age.run(t.tier, time - t.keepMs);
    this.lastRollMinute = minute;
    this.raw.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('rolled', ?)").run(String(minute));
    this.bytes = this.sizeBytes();
    if (this.maxBytes > 0 && this.bytes > this.maxBytes) this.enforceCap();
  }

  /**
   * Past the cap: every tier keeps only its newest share of points (the share that brings the
   * file to 80 % of the cap), so the oldest go first and each tier still reaches back as far
   * as the cap allows. A few rounds at most: pages free up as whole pages empty.
   */
  private enforceCap(): void {
    const count = this.raw.prepare('SELECT count(*) AS n FROM points WHERE tier = ?');
    const nth = this.raw.prepare('SELECT t FROM points WHERE tier = ? ORDER BY t LIMIT 1 OFFSET ?');
    const drop = this.raw.prepare('DELETE FROM points WHERE tier = ? AND t < ?');
    for (let round = 0; round < 4 && this.bytes > this.maxBytes * 0.9; round++) {
      const keep = Math.max(0.05, Math.min(0.9, (this.maxBytes * 0.8) / this.bytes));
      for (const { tier } of TIERS) {
        const n = (count.get(tier) as { n: number }).n;
        if (n === 0) continue;
        const cut = nth.get(tier, Math.floor(n * (1 - keep))) as { t: number } | undefined;
        if (cut) drop.run(tier, cut.t);
      }
      this.raw.prepare('DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM points WHERE sid = series.id)').run();
      this.ids.clear();
      this.idsBefore.clear();
      this.raw.pragma('incremental_vacuum');
      this.bytes = this.sizeBytes();
    }
  }

  /** Pages in use (the file less its free pages), bytes. */
  sizeBytes(): number {
    const pages = Number(this.raw.pragma('page_count', { simple: true }));
    const free = Number(this.raw.pragma('freelist_count', { simple: true }));
    const size = Number(this.raw.pragma('page_size', { simple: true }));
    return (pages - free) * size;
  }

  /** The file and its WAL on disk, bytes. */
  fileBytes(): number {
    let n = 0;
    for (const ext of ['', '-wal']) {
      try {
        n += statSync(this.path + ext).size;
      } catch {
        /* no WAL yet */
      }
    }
    return n;
  }

  /**
   * Every series with its points since `sinceMs`, finest tier first: raw points where they
   * exist, one-minute means for the day before the first raw point, fifteen-minute ones before
   * those. Rows are streamed (no object per row), so a full 64 MiB file reads within the
   * small heap oomtop runs with.
   */
  readSince(sinceMs: number, kinds?: readonly SeriesId['kind'][]): StoredSeries[] {
    const meta = this.raw.prepare('SELECT id, kind, key, metric, label, cgroup FROM series').all() as { id: number; kind: SeriesId['kind']; key: string; metric: string; label: string | null; cgroup: string | null }[];
    const byId = new Map<number, StoredSeries>();
    for (const m of meta) if (!kinds || kinds.includes(m.kind)) byId.set(m.id, { ...m, times: [], values: [] });
    // Per series the tiers stream in coarsest first (ORDER BY sid, tier DESC, t); where a finer
    // tier starts, the coarser points whose span reaches into it are dropped.
    let cur: StoredSeries | undefined;
    let curId = -1;
    let curTier = -1;
    const rows = this.raw.prepare('SELECT sid, tier, t, v FROM points WHERE t >= ? ORDER BY sid, tier DESC, t').raw(true);
    for (const row of rows.iterate(Math.round(sinceMs)) as IterableIterator<[number, number, number, number]>) {
      const [sid, tier, t, v] = row;
      if (sid !== curId) {
        curId = sid;
        cur = byId.get(sid);
        curTier = -1;
      }
      if (!cur) continue;
      if (tier !== curTier) {
        if (curTier !== -1) {
          const coarserStep = TIERS[curTier]!.stepMs;
          let keep = cur.times.length;
          while (keep > 0 && cur.times[keep - 1]! + coarserStep > t) keep--;
          cur.times.length = keep;
          cur.values.length = keep;
        }
        curTier = tier;
      }
      cur.times.push(t);
      cur.values.push(v);
    }
    for (const [id, s] of byId) if (s.times.length === 0) byId.delete(id);
    return [...byId.values()];
  }

  /**
   * One series since `sinceMs`, finest tier first as readSince merges them (raw points where
   * they exist, minutes before those, quarters before those); null when it was never recorded.
   * For the monitor's process pane: the long history of the process it shows.
   */
  readSeries(kind: SeriesId['kind'], key: string, metric: string, sinceMs: number): { times: number[]; values: number[] } | null {
    const row = this.raw.prepare('SELECT id FROM series WHERE kind = ? AND key = ? AND metric = ?').get(kind, key, metric) as { id: number } | undefined;
    if (!row) return null;
    const times: number[] = [];
    const values: number[] = [];
    let curTier = -1;
    const rows = this.raw.prepare('SELECT tier, t, v FROM points WHERE sid = ? AND t >= ? ORDER BY tier DESC, t').raw(true);
    for (const [tier, t, v] of rows.iterate(row.id, Math.round(sinceMs)) as IterableIterator<[number, number, number]>) {
      if (tier !== curTier) {
        if (curTier !== -1) {
          // Where a finer tier starts, the coarser points whose span reaches into it go.
          const coarserStep = TIERS[curTier]!.stepMs;
          let keep = times.length;
          while (keep > 0 && times[keep - 1]! + coarserStep > t) keep--;
          times.length = keep;
          values.length = keep;
        }
        curTier = tier;
      }
      times.push(t);
      values.push(v);
    }
    return times.length === 0 ? null : { times, values };
  }

  /** The last point's time, ms; null when empty. */
  lastTime(): number | null {
    const r = this.raw.prepare('SELECT max(t) AS t FROM points').get() as { t: number | null };
    return r.t;
  }

  seriesCount(): number {
    return (this.raw.prepare('SELECT count(*) AS n FROM series').get() as { n: number }).n;
  }

  pointCount(): number {
    return (this.raw.prepare('SELECT count(*) AS n FROM points').get() as { n: number }).n;
  }

  close(): void {
    try {
      this.raw.close();
    } finally {
      this.lock?.release();
    }
  }
}
