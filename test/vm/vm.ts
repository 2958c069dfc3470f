import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for tests that boot the cgroup v2 guest through the project's harness (scripts/vm/vm.mjs). */

export const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
export const DRIVER = join(PROJECT, 'scripts/vm/vm.mjs');

/** Generous: a boot is 7-15 s here under TCG when idle, two or three times that under load. */
export const BOOT_TIMEOUT_S = 300;

const reasons = new Map<boolean, string | null>();

/**
 * Why the VM cannot run here (null when it can). Fetches and builds what a boot needs on the
 * first call (the driver's --prepare; a first run downloads about 70 MB of Debian packages).
 */
export function vmSkipReason(systemd = false): string | null {
  const known = reasons.get(systemd);
  if (known !== undefined) return known;
  const r = spawnSync(process.execPath, [DRIVER, '--prepare', ...(systemd ? ['--systemd'] : [])], { encoding: 'utf8', timeout: 600_000 });
  const reason = r.status === 0 ? null : (r.stderr.trim().split('\n').pop() ?? `vm --prepare exited ${r.status}`);
  reasons.set(systemd, reason);
  return reason;
}

export interface VmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface VmOptions {
  systemd?: boolean;
  timeoutS?: number;
  out?: string;
  /** Guest memory in MiB (the driver's --mem; 2048 when absent). */
  mem?: number;
  /** Called with the stdout seen so far on each chunk, while the guest runs. */
  onStdout?: (soFar: string) => void;
}

export function runVm(command: string, o: VmOptions = {}): Promise<VmResult> {
  const args = [DRIVER, '--timeout', String(o.timeoutS ?? BOOT_TIMEOUT_S)];
  if (o.systemd) args.push('--systemd');
  if (o.out) args.push('--out', o.out);
  if (o.mem) args.push('--mem', String(o.mem));
  args.push(command);
  const child = spawn(process.execPath, args, { cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    o.onStdout?.(stdout);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

export function tempOut(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'oomtop-vmtest-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
