/**
 * What happens to oomtop's output: a write that fails is an error (a full disk, a
 * closed socket, an I/O error) with a message and exit 1, except a reader that closed
 * its pipe (`| head`, a pager quit early), which is the reader's choice: quiet, and the
 * exit code stays what it was.
 */
import { fstatSync } from 'node:fs';

type Stream = NodeJS.WriteStream | NodeJS.WritableStream;

const failures = new Map<Stream, NodeJS.ErrnoException>();

/** Record the first write error of each stream (instead of Node's crash on an unhandled 'error'). */
export function watchOutput(streams: Stream[] = [process.stdout, process.stderr]): void {
  for (const s of streams) {
    if ((s as { __oomtopWatched?: boolean }).__oomtopWatched) continue;
    (s as { __oomtopWatched?: boolean }).__oomtopWatched = true;
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (!failures.has(s)) failures.set(s, e);
    });
  }
}

/** Wait until what was written to `s` has gone out (or failed); the error, if any. */
function flushed(s: Stream): Promise<NodeJS.ErrnoException | null> {
  const w = s as NodeJS.WriteStream;
  // A stream that failed takes no more writes (their callbacks may never come).
  const failed = () => failures.get(s) ?? (w.errored as NodeJS.ErrnoException | null | undefined) ?? null;
  if (failed() || w.destroyed || !w.writable) return Promise.resolve(failed());
  return new Promise((resolve) => {
    w.write('', (err) => resolve((err as NodeJS.ErrnoException | null | undefined) ?? failed()));
  });
}

function isFifo(fd: number): boolean {
  try {
    return fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EPIPE: 'the reader closed the connection',
  EIO: 'input/output error',
  EBADF: 'standard output is closed',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
};

/**
 * The exit code once stdout and stderr have flushed: `code`, unless stdout failed. A
 * closed pipe (EPIPE on a FIFO: `| head`) keeps `code` and prints nothing.
 */
export async function settleOutput(code: number, fd = 1): Promise<{ code: number; message: string | null }> {
  const [out] = await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  if (!out) return { code, message: null };
  if (out.code === 'EPIPE' && isFifo(fd)) return { code, message: null };
  const why = out.code ? `${out.code} (${REASONS[out.code] ?? out.message})` : out.message;
  return { code: code === 0 ? 1 : code, message: `oomtop: cannot write the output: ${why}` };
}

/** Exit once stdout and stderr have flushed, with settleOutput's code (bin/oomtop.js calls this). */
export function exitWhenFlushed(code: number): void {
  void settleOutput(code).then(({ code: c, message }) => {
    if (message === null) {
      process.exit(c);
      return;
    }
    if (!failures.has(process.stderr)) process.stderr.write(`${message}\n`, () => process.exit(c));
    else process.exit(c);
  });
}
