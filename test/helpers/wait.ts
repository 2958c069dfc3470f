/** Polling helpers shared by the tests that wait on real processes, terminals and the kernel. */

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolve once pred() holds; reject after timeoutMs. */
export async function until(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  await waitFor(() => (pred() ? true : undefined), timeoutMs, what);
}

/**
 * Resolve with the first value get() returns that is neither undefined nor false (so a
 * predicate passed by mistake still waits instead of resolving at once); reject after timeoutMs.
 */
export async function waitFor<T>(get: () => T | undefined | false, timeoutMs = 5000, what = 'a value', pollMs = 20): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v as Exclude<T, false>;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}
