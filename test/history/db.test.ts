import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultHistoryPath, openForRead, openForWrite, type SeriesId } from '../../src/history/db.js';
import { startSleeper, startTimeOf } from '../helpers/children.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as new (p: string) => { pragma(s: string, o?: { simple: boolean }): unknown; exec(s: string): void; close(): void };

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'oomtop-history-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sys = (metric: string): SeriesId => ({ kind: 'system', key: 'system', metric });
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

describe('history store', () => {
  it('is a WAL file; what a tick wrote is read back, also while the writer keeps it open', async () => {
    const path = join(tmp(), 'sub', 'h.db');
    const { db, notice } = await openForWrite(path);
    expect(notice).toBeNull();
    db.writeTick(T0, [{ id: sys('used'), value: 100 }, { id: { kind: 'proc', key: '42:7', metric: 'rss', label: 'x\u001b[31m', cgroup: '/a' }, value: 5 }]);
    db.writeTick(T0 + 1000, [{ id: sys('used'), value: 110 }]);
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const r = await openForRead(path);
    const got = r.readSince(0);
    expect(got.find((s) => s.metric === 'used')).toMatchObject({ times: [T0, T0 + 1000], values: [100, 110] });
    expect(got.find((s) => s.kind === 'proc')).toMatchObject({ key: '42:7', label: 'x\u001b[31m', cgroup: '/a', values: [5] });
    r.close();
    db.close();
  });

  it('rolls raw points up into minutes (mean, min, max) and quarters, ages each tier out, and reads the finest tier where it exists', async () => {
    const path = join(tmp(), 'h.db');
    const { db } = await openForWrite(path);
    // Three hours at 10 s: the value is the minute number, plus 0..5 within the minute.
    for (let t = 0; t < 3 * 3600; t += 10) db.writeTick(T0 + t * 1000, [{ id: sys('used'), value: Math.floor(t / 60) * 10 + (t % 60) / 10 }]);
    const s = db.readSince(0)[0]!;
    const end = T0 + (3 * 3600 - 10) * 1000;
    // Raw for the last hour (360 points), minutes before it, back to the start (a week is kept).
    const raw = s.times.filter((t) => t > end - 3600_000);
    expect(raw.length).toBeGreaterThanOrEqual(359);
    // Before the raw hour (aged once a minute: it may reach a minute further back), one point
    // a minute: the one-minute means.
    const before = s.times.filter((t) => t < end - 3600_000 - 120_000);
    expect(before.length).toBeGreaterThan(100);
    expect(before.every((t) => t % 60_000 === 0)).toBe(true);
    expect(before.slice(1).every((t, k) => t - before[k]! === 60_000)).toBe(true);
    const i = s.times.indexOf(T0 + 5 * 60_000);
    expect(s.values[i]).toBeCloseTo(50 + 2.5, 6);
    expect(s.times[0]).toBe(T0);
    db.close();
    // The minute's min and max are kept beside its mean; the quarters exist (tier 2).
    const rdb = new Database(path) as unknown as { prepare(s: string): { get(...a: unknown[]): { n: number; mn: number; mx: number; v: number } } };
    expect(rdb.prepare('SELECT v, mn, mx FROM points WHERE tier = 1 AND t = ?').get(T0 + 5 * 60_000)).toMatchObject({ v: 52.5, mn: 50, mx: 55 });
    expect(rdb.prepare('SELECT count(*) AS n FROM points WHERE tier = 2').get().n).toBeGreaterThanOrEqual(10);
    // Aged once a minute: an hour of raw points and at most one minute more.
    expect(rdb.prepare('SELECT count(*) AS n FROM points WHERE tier = 0').get().n).toBeLessThanOrEqual(366);
  });

  it('reads one series back over its tiers (the process pane of a recording monitor), null for one never recorded', async () => {
    const path = join(tmp(), 'h.db');
    const { db } = await openForWrite(path);
    const proc: SeriesId = { kind: 'proc', key: '42:7', metric: 'rss', label: 'p', cgroup: null };
    // Three hours at 10 s, the value the minute number.
    for (let t = 0; t < 3 * 3600; t += 10) db.writeTick(T0 + t * 1000, [{ id: proc, value: Math.floor(t / 60) }, { id: sys('used'), value: 1 }]);
    const s = db.readSeries('proc', '42:7', 'rss', 0)!;
    const all = db.readSince(0).find((x) => x.key === '42:7')!;
    // The same points readSince gives that series: minutes, then the raw last hour.
    expect(s.times).toEqual(all.times);
    expect(s.values).toEqual(all.values);
    expect(s.times[0]).toBe(T0);
    expect(s.times.at(-1)).toBe(T0 + (3 * 3600 - 10) * 1000);
    expect(s.times.slice(1).every((t, i) => t > s.times[i]!)).toBe(true);
    // From a time on: only what follows it.
    const late = db.readSeries('proc', '42:7', 'rss', T0 + 2.5 * 3600_000)!;
    expect(late.times[0]).toBeGreaterThanOrEqual(T0 + 2.5 * 3600_000);
    expect(late.times.length).toBeGreaterThan(170);
    expect(db.readSeries('proc', '43:7', 'rss', 0)).toBeNull();
    db.close();
  });

  it('stays under the size cap, dropping the oldest points first', async () => {
    const path = join(tmp(), 'h.db');
    const cap = 1024 * 1024;
    const { db } = await openForWrite(path, cap);
    let max = 0;
    for (let t = 0; t < 5400; t += 2) {
      const pts = Array.from({ length: 40 }, (_, k) => ({ id: { kind: 'proc', key: `${k}:1`, metric: 'rss', label: 'p', cgroup: null } as SeriesId, value: t * 1000 + k }));
      db.writeTick(T0 + t * 1000, pts);
      max = Math.max(max, db.sizeBytes());
    }
    // Checked once a minute: never more than a minute of ticks past the cap.
    expect(max).toBeLessThan(cap * 1.5);
    expect(db.sizeBytes()).toBeLessThan(cap * 1.2);
    const s = db.readSince(0).find((x) => x.key === '0:1')!;
    expect(s.times.at(-1)).toBe(T0 + (5400 - 2) * 1000);
    expect(s.times[0]).toBeGreaterThan(T0);
    db.close();
  });

  it('a corrupt file gets a message, is moved aside, and a new one is started', async () => {
    const dir = tmp();
    const path = join(dir, 'h.db');
    writeFileSync(path, 'this is not a database, but it is long enough to look like a header of one'.repeat(100));
    const { db, notice } = await openForWrite(path);
    expect(notice).toMatch(/could not be used \(.*(not a database|malformed).*\): moved aside to .*h\.db\.bad-/);
    db.writeTick(T0, [{ id: sys('used'), value: 1 }]);
    expect(db.readSince(0)).toHaveLength(1);
    db.close();
    expect(readdirSync(dir).filter((n) => n.startsWith('h.db.bad-'))).toHaveLength(1);
  });

  it('a file another writer holds locked is moved aside too, and the holder keeps its own', async () => {
    const dir = tmp();
    const path = join(dir, 'h.db');
    const { db: first } = await openForWrite(path);
    first.close();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    const { db, notice } = await openForWrite(path);
    expect(notice).toMatch(/locked|busy/i);
    db.writeTick(T0, [{ id: sys('used'), value: 1 }]);
    db.close();
    holder.exec('ROLLBACK');
    holder.close();
    expect(readdirSync(dir).some((n) => n.startsWith('h.db.bad-'))).toBe(true);
  });

  it("the writer's lock: refused while it names a live process, taken over from one that is gone or whose PID was reused", async () => {
    const dir = tmp();
    const path = join(dir, 'h.db');
    const other = startSleeper(60);
    try {
      writeFileSync(`${path}.lock`, `${other.pid} ${startTimeOf(other.pid!)}\n`);
      await expect(openForWrite(path)).rejects.toThrow(new RegExp(`is being written by PID ${other.pid} \\(sleep\\)`));
      expect(readdirSync(dir)).toEqual(['h.db.lock']);
      // The same PID with another start time: not that writer any more.
      writeFileSync(`${path}.lock`, `${other.pid} ${startTimeOf(other.pid!) + 1}\n`);
      const { db } = await openForWrite(path);
      expect(readFileSync(`${path}.lock`, 'utf8')).toBe(`${process.pid} ${startTimeOf(process.pid)}\n`);
      db.close();
      expect(existsSync(`${path}.lock`)).toBe(false);
      // A holder that is gone (and junk in the file) does not block either.
      writeFileSync(`${path}.lock`, 'junk');
      (await openForWrite(path)).db.close();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('caches the ids of the series written in the last two minutes only, however many processes came and went', async () => {
    const dir = tmp();
    const { db } = await openForWrite(join(dir, 'h.db'));
    // Ten minutes of one tick a second, each with 20 processes never seen before.
    for (let t = 0; t < 600; t++) {
      const time = T0 + t * 1000;
      db.writeTick(time, [{ id: sys('used'), value: t }, ...Array.from({ length: 20 }, (_, i) => ({ id: { kind: 'proc' as const, key: `${t * 20 + i}:1`, metric: 'rss' }, value: i }))]);
      expect(db.cachedSeries).toBeLessThanOrEqual(2 * 60 * 21 + 1);
    }
    // Still written and found: the points of a series are there under one id.
    expect(db.readSince(0).filter((x) => x.kind === 'proc')).toHaveLength(600 * 20);
    db.close();
  });

  it('a report of a missing or unreadable file says so', async () => {
    const dir = tmp();
    await expect(openForRead(join(dir, 'none.db'))).rejects.toThrow(/no history at .*none\.db.*oomtop record/);
    writeFileSync(join(dir, 'junk.db'), 'x'.repeat(4096));
    await expect(openForRead(join(dir, 'junk.db'))).rejects.toThrow(/cannot be read/);
  });

  it('default path: /var/lib/oomtop for root, XDG_STATE_HOME (or ~/.local/state) otherwise', () => {
    expect(defaultHistoryPath({}, 0)).toBe('/var/lib/oomtop/history.db');
    expect(defaultHistoryPath({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' }, 1000)).toBe('/x/state/oomtop/history.db');
    expect(defaultHistoryPath({ XDG_STATE_HOME: 'relative', HOME: '/home/u' }, 1000)).toBe('/home/u/.local/state/oomtop/history.db');
  });
});
