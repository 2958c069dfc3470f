/**
 * Writing a drop-in and applying its adj to a unit's running processes: what `oomtop
 * protect --unit` does, shared with the TUI's save-a-rule dialog. node: modules only.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setOomScoreAdj } from '../actions/adjust.js';
import type { ActionError } from '../actions/types.js';
import { readStat } from '../proc/process.js';
import { dropInPath, dropInText, type DropIn } from './dropin.js';
import { unitControlGroup, unitPids } from './host.js';

export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EACCES' || err.code === 'EPERM') return `${err.code}: permission denied (run as root)`;
  if (err.code === 'EROFS') return 'EROFS: read-only file system';
  return err.code ?? err.message;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export type DropInWrite = { ok: true; path: string; text: string; written: boolean } | { ok: false; path: string; message: string };

/** Write the drop-in under root (atomically: a temporary file renamed over it); unchanged text is not rewritten. */
export function writeDropIn(root: string, d: DropIn): DropInWrite {
  const path = dropInPath(root, d.unit);
  const text = dropInText(d);
  if (readOrNull(path) === text) return { ok: true, path, text, written: false };
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    return { ok: false, path, message: `cannot write ${path}: ${errText(e)}` };
  }
  return { ok: true, path, text, written: true };
}

export type UnitAdj =
  | { pid: number; comm: string; ok: true; before: number; after: number }
  | { pid: number; comm: string; ok: false; error: ActionError };

/** Set the adj of the unit's running processes now (through src/actions), where allowed. */
export function applyToUnit(unit: string, adj: number): UnitAdj[] {
  const cg = unitControlGroup(unit);
  const out: UnitAdj[] = [];
  for (const pid of cg === null ? [] : unitPids(cg)) {
    const st = readStat('/proc', pid);
    if (st === null) continue;
    const r = setOomScoreAdj({ pid, startTimeTicks: st.startTimeTicks, name: st.comm }, adj, { procRoot: '/proc' });
    out.push(r.ok ? { pid, comm: st.comm, ok: true, before: r.before, after: r.after } : { pid, comm: st.comm, ok: false, error: r.error });
  }
  return out;
}
