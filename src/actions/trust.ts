/**
 * Root-safe files: what oomtop running as root reads and runs must not be steerable by an
 * unprivileged user. One module for every place that loads a file root acts on (the rules
 * file, the guard's hook commands, level handlers) and for the guard's state directory.
 *
 * Files root reads or runs (the rules of sudo for sudoers and its plugins):
 * - the file and every directory above it are owned by root (uid 0);
 * - none is writable by a group other than root's (gid 0), nor by everyone, save a directory
 *   with the sticky bit (/tmp): there, others cannot replace or rename root's file;
 * - a symlink on the way must be owned by root too, and its target passes the same checks.
 * Run as another user, oomtop acts with that user's rights only, so nothing is checked.
 *
 * The state directory (/run/oomtop for root) and its files: created owner-only (0700, 0600);
 * an existing directory must be a real directory (not a symlink), owned by this user and
 * writable by no one else; files are created with O_EXCL|O_NOFOLLOW under a fresh name and
 * renamed into place, and read with O_NOFOLLOW from files owned by this user.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync, chmodSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sanitize } from '../text/sanitize.js';

export type Trust = { ok: true } | { ok: false; message: string };

export interface TrustOptions {
  /** The effective uid to check for (default: this process's). Checks apply to root (0) only. */
  euid?: number;
  /** PATH to find a bare command name in (default: process.env.PATH). */
  path?: string;
}

const euidOf = (o: TrustOptions) => o.euid ?? process.geteuid?.() ?? -1;

const HOW = 'as root, oomtop reads or runs a file only when it and every directory above it are owned by root and writable by no one else (as sudo does); fix: chown root, chmod go-w';

/** Why this file or directory could be changed by someone other than root; null when it cannot. */
function weakness(st: Stats, path: string): string | null {
  const p = sanitize(path);
  if (st.uid !== 0) return `${p} is owned by uid ${st.uid}, not root`;
  if (st.mode & 0o020 && st.gid !== 0) return `${p} is writable by group ${st.gid}`;
  if (st.mode & 0o002 && !(st.isDirectory() && st.mode & 0o1000)) return `${p} is writable by everyone`;
  return null;
}

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** The path, its directories and any symlinks on the way, checked from "/" down. */
function chainWeakness(abs: string, depth = 0): string | null {
  if (depth > 16) return `${sanitize(abs)}: too many symlinks`;
  const segs = abs.split('/').filter((s) => s !== '');
  let cur = '/';
  try {
    const w = weakness(lstatSync('/'), '/');
    if (w) return w;
    for (let i = 0; i < segs.length; i++) {
      const next = join(cur, segs[i]!);
      const st = lstatSync(next);
      if (st.isSymbolicLink()) {
        if (st.uid !== 0) return `${sanitize(next)} is a symlink owned by uid ${st.uid}, not root`;
        const target = resolve(dirname(next), readlinkSync(next));
        return chainWeakness(join(target, ...segs.slice(i + 1)), depth + 1);
      }
      const w2 = weakness(st, next);
      if (w2) return w2;
      cur = next;
    }
  } catch (e) {
    return `${sanitize(cur)}: ${errno(e)}`;
  }
  return null;
}

/**
 * May root use this file (a rules file, a hook's program)? Always ok for a non-root user.
 * `what` names it in the message: "rules file", "pre-kill hook".
 */
export function checkRootSafe(path: string, what: string, opts: TrustOptions = {}): Trust {
  if (euidOf(opts) !== 0) return { ok: true };
  const w = chainWeakness(resolve(path));
  return w === null ? { ok: true } : { ok: false, message: `${what} ${sanitize(path)} refused: ${w}; ${HOW}` };
}

/**
 * Read a file root will act on: the file is opened, then the opened file and the directories
 * above it are checked (the same file: device and inode compared, so it cannot be swapped
 * between check and read). Errors come back with their errno code.
 */
export function readRootSafe(path: string, what: string, opts: TrustOptions = {}): { ok: true; text: string } | { ok: false; code: string; message: string } {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted in the rules file's place must not hang the open (regular files ignore it).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, code: errno(e), message: '' };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, code: 'EISDIR', message: '' };
    if (!st.isFile()) return { ok: false, code: 'ENOTREG', message: `${what} ${sanitize(path)} refused: not a regular file` };
    if (euidOf(opts) === 0) {
      // The path as given, symlinks and all (a link the user planted is refused even when it points at a good file).
      const w = chainWeakness(resolve(path));
      const now = statSync(path);
      if (w === null && (now.ino !== st.ino || now.dev !== st.dev)) return { ok: false, code: 'ECHANGED', message: `${what} ${sanitize(path)} refused: it changed while being opened` };
      if (w !== null) return { ok: false, code: 'EUNSAFE', message: `${what} ${sanitize(path)} refused: ${w}; ${HOW}` };
    }
    return { ok: true, text: readFileSync(fd, 'utf8') };
  } catch (e) {
    return { ok: false, code: errno(e), message: '' };
  } finally {
    closeSync(fd);
  }
}

/** Shell words that are no program on disk (builtins and keywords of /bin/sh). */
const SHELL_WORDS = new Set(['.', ':', '[', 'break', 'cd', 'command', 'continue', 'echo', 'eval', 'exec', 'exit', 'export', 'false', 'if', 'for', 'while', 'until', 'case', '{', '(', '!', 'kill', 'printf', 'read', 'set', 'shift', 'test', 'trap', 'true', 'umask', 'unset', 'wait']);

/** The program a /bin/sh command line starts: its first word, unquoted. */
export function commandProgram(cmd: string): string | null {
  const m = /^\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:'([^']*)'|"([^"$`\\]*)"|([^\s;&|<>()]+))/.exec(cmd);
  return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
}

/**
 * May root run this command (a guard hook, a level handler)? Its program (the first word,
 * found in PATH when it has no "/") must pass checkRootSafe. What the program then reads is
 * its own business: point hooks at a root-owned script. Always ok for a non-root user.
 */
export function checkRootCommand(cmd: string, what: string, opts: TrustOptions = {}): Trust {
  if (euidOf(opts) !== 0) return { ok: true };
  const prog = commandProgram(cmd);
  if (prog === null) return { ok: false, message: `${what} ${sanitize(JSON.stringify(cmd))} refused: no program to run in it` };
  if (prog.includes('/')) return checkRootSafe(prog, `${what} program`, opts);
  for (const dir of (opts.path ?? process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir === '' || !dir.startsWith('/')) continue; // "" and relative entries mean the working directory: never for root
    const p = join(dir, prog);
    try {
      if (statSync(p).isFile()) return checkRootSafe(p, `${what} program`, opts);
    } catch {
      /* not in this directory */
    }
  }
  if (SHELL_WORDS.has(prog)) return { ok: true };
  return { ok: false, message: `${what} refused: ${sanitize(prog)} is not found in PATH (give its full path)` };
}

// ---------------------------------------------------------------- the state directory

/**
 * Create the state directory owner-only, or check the one there: a directory (not a
 * symlink), owned by this user, writable by no one else (a readable one is tightened to 0700).
 */
export function prepareStateDir(dir: string, opts: TrustOptions = {}): Trust {
  const euid = euidOf(opts);
  try {
    mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if (errno(e) !== 'EEXIST') return { ok: false, message: `state directory ${sanitize(dir)}: cannot create it (${errno(e)})` };
  }
  return checkStateDir(dir, { ...opts, euid });
}

/** The state directory as it is (nothing created): may this user trust what is in it? */
export function checkStateDir(dir: string, opts: TrustOptions = {}): Trust {
  const euid = euidOf(opts);
  const d = sanitize(dir);
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (e) {
    return { ok: false, message: `state directory ${d}: ${errno(e)}` };
  }
  if (st.isSymbolicLink()) return { ok: false, message: `state directory ${d} is a symlink (planted?): refused; remove it` };
  if (!st.isDirectory()) return { ok: false, message: `state directory ${d} is not a directory: refused` };
  if (st.uid !== euid) return { ok: false, message: `state directory ${d} is owned by uid ${st.uid}, not by this user (uid ${euid}): refused; remove it` };
  if (st.mode & 0o022) return { ok: false, message: `state directory ${d} is writable by others (mode ${(st.mode & 0o7777).toString(8)}): refused; chmod 700 it` };
  if (st.mode & 0o077) {
    try {
      chmodSync(dir, 0o700);
    } catch {
      /* read-only: it is ours and writable by no one else, which is what matters */
    }
  }
  return { ok: true };
}

/**
 * Write a state file: created 0600 with O_EXCL|O_NOFOLLOW under a fresh name, then renamed
 * over the old one (a rename replaces a planted symlink, it never writes through it).
 * Throws the errno error (ENOSPC, EROFS) for the caller to report.
 */
let tmpSeq = 0;

export function writeStateFile(dir: string, name: string, text: string): void {
  // Unique within the directory (PID, time, a counter); O_EXCL refuses one planted under the
  // same name rather than writing through it. (Not node:crypto: the guard would load it for this alone.)
  const tmp = join(dir, `.${name}.${process.pid}.${Date.now().toString(36)}.${++tmpSeq}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    closeSync(fd);
    renameSync(tmp, join(dir, name));
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* closed already */
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw e;
  }
}

/** Read a state file: not through a symlink, and only one this user owns and no one else can write. */
export function readStateFile(dir: string, name: string, opts: TrustOptions = {}): string | null {
  let fd: number;
  try {
    fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== euidOf(opts) || st.mode & 0o022) return null;
    return readFileSync(fd, 'utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
