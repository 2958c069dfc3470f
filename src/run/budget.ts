/**
 * Memory budgets for `oomtop run`, parsed the way systemd parses MemoryMax= and friends:
 * a size in bytes with an optional 1024-based suffix (K, M, G, T, P, E; "512M", "1.5G",
 * also "512MiB"), a percentage of a total ("50%", "12.5%"), or "infinity" where no limit
 * is allowed. Pure: the totals come in as arguments.
 */

export type SizeSpec = { kind: 'bytes'; bytes: number } | { kind: 'percent'; pct: number } | { kind: 'infinity' };

const SUFFIX: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

/** Text → a size spec, or a message saying what is wrong with it. */
export function parseSizeSpec(text: string): SizeSpec | { error: string } {
  const t = text.trim();
  if (t === '') return { error: 'empty size' };
  if (t === 'infinity') return { kind: 'infinity' };
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) {
    const p = Number(pct[1]);
    if (!(p > 0 && p <= 100)) return { error: `${t} is not a percentage above 0 and at most 100` };
    return { kind: 'percent', pct: p };
  }
  const m = /^(\d+(?:\.\d+)?)\s*(?:([KMGTPE])(?:i?B)?|B)?$/i.exec(t);
  if (!m) return { error: `"${text}" is not a size (examples: 512M, 2G, 1.5G, 50%)` };
  const bytes = Math.floor(Number(m[1]) * SUFFIX[(m[2] ?? '').toUpperCase()]!);
  if (!Number.isSafeInteger(bytes)) return { error: `${t} is too large` };
  return { kind: 'bytes', bytes };
}

/** A spec in bytes: a percentage of `totalBytes`; null for infinity. */
export function specBytes(spec: SizeSpec, totalBytes: number): number | null {
  if (spec.kind === 'infinity') return null;
  if (spec.kind === 'bytes') return spec.bytes;
  return Math.floor((totalBytes * spec.pct) / 100);
}

export interface BudgetInput {
  memory: SizeSpec;
  high: SizeSpec | null;
  swap: SizeSpec | null;
  /** MemTotal and SwapTotal of the machine, bytes. */
  ramBytes: number;
  swapBytes: number;
  /** The tightest memory limit over the parent cgroup and its ancestors, bytes; null when none. */
  parentLimitBytes: number | null;
  /** Where that limit is, for the message ("/docker/abc"). */
  parentPath: string;
}

export interface Budget {
  memoryBytes: number;
  /** null: not asked for (or infinity). */
  highBytes: number | null;
  /** null: not limited. */
  swapBytes: number | null;
}

/** Below this a job cannot even start (the kernel would OOM-kill it at once). */
export const MIN_MEMORY_BYTES = 1 << 20;

function mib(bytes: number): string {
  const v = bytes / 2 ** 20;
  return `${v >= 100 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)} MiB`;
}

/** The budget in bytes, or why it cannot be: bigger than the parent's limit or the machine, --high above --memory. */
export function resolveBudget(input: BudgetInput): { ok: true; budget: Budget } | { ok: false; message: string } {
  if (input.memory.kind === 'infinity') return { ok: false, message: '--memory: a budget is needed (infinity is no budget)' };
  const memoryBytes = specBytes(input.memory, input.ramBytes)!;
  if (memoryBytes < MIN_MEMORY_BYTES) return { ok: false, message: `--memory: ${mib(memoryBytes)} is too small (at least 1 MiB)` };
  if (memoryBytes > input.ramBytes) {
    return { ok: false, message: `--memory: ${mib(memoryBytes)} is more than this machine's memory (${mib(input.ramBytes)})` };
  }
  if (input.parentLimitBytes !== null && memoryBytes > input.parentLimitBytes) {
    return {
      ok: false,
      message: `--memory: ${mib(memoryBytes)} is more than the limit of the parent cgroup ${input.parentPath} (${mib(input.parentLimitBytes)}); the job could never use it`,
    };
  }
  const highBytes = input.high === null ? null : specBytes(input.high, input.ramBytes);
  if (highBytes !== null && highBytes > memoryBytes) {
    return { ok: false, message: `--high: ${mib(highBytes)} is above --memory ${mib(memoryBytes)} (the hard limit would always come first)` };
  }
  const swapBytes = input.swap === null ? null : specBytes(input.swap, input.swapBytes);
  return { ok: true, budget: { memoryBytes, highBytes, swapBytes } };
}
