import { readSync } from 'node:fs';
/**
 * Non-blocking reader for /dev/kmsg. Every read() returns one record; at the end of
 * the buffer a non-blocking fd gives EAGAIN; if the ring buffer wrapped past our
 * position the read fails once with EPIPE and the next read continues from the oldest
 * record still held. A regular file (tests, saved dumps) works too: EOF is "no more now".
 */
import { constants, promises as fsp } from 'node:fs';
import { KmsgSplitter, parseKmsgRecord, type KmsgRecord } from './kmsg.js';

const BUF_SIZE = 16 * 1024; // a record is at most ~8 KiB including its dictionary

export interface DrainResult {
  records: KmsgRecord[];
  /** Records were lost because the ring buffer wrapped (EPIPE). */
  lost: boolean;
  /** The source hit its end (EAGAIN / EOF). */
  atEnd: boolean;
}

export class KmsgReader {
  private constructor(
    private handle: fsp.FileHandle | null,
    private readonly buf: Buffer,
    private readonly splitter: KmsgSplitter,
  ) {}

  /** Open for reading; throws the fs error (EACCES, EPERM, ENOENT...) for the caller to explain. */
  static async open(path: string): Promise<KmsgReader> {
    const handle = await fsp.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return new KmsgReader(handle, Buffer.allocUnsafe(BUF_SIZE), new KmsgSplitter());
  }

  /** Read every record available now (at most `max`), without blocking. */
  async drain(max = 10_000): Promise<DrainResult> {
    const records: KmsgRecord[] = [];
    let lost = false;
    while (this.handle && records.length < max) {
      let n: number;
      try {
        // The fd is O_NONBLOCK: a plain read(2) answers at once (EAGAIN at the end), so
        // there is no need for a threadpool round trip on every poll.
        n = readSync(this.handle.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return { records, lost, atEnd: true };
        if (code === 'EPIPE') {
          lost = true;
          continue;
        }
        throw e;
      }
      if (n === 0) return { records, lost, atEnd: true };
      for (const rec of this.splitter.push(this.buf.toString('latin1', 0, n))) {
        const parsed = parseKmsgRecord(rec);
        if (parsed) records.push(parsed);
      }
    }
    return { records, lost, atEnd: false };
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await h.close().catch(() => undefined);
  }
}
