/**
 * The running systemd, when there is one: the check systemd itself uses (sd_booted:
 * /run/systemd/system exists), daemon-reload, and the processes of a unit (its control
 * group's cgroup.procs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSmall } from '../proc/read.js';

export function systemdRuns(root = '/'): boolean {
  return existsSync(join(root, 'run/systemd/system'));
}

export type CommandResult = { ok: true; stdout: string } | { ok: false; message: string };

export function systemctl(args: string[]): CommandResult {
  try {
    return { ok: true, stdout: execFileSync('systemctl', args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    return { ok: false, message: (err.stderr?.trim() || err.message).split('\n')[0]! };
  }
}

/** `systemctl show -p ControlGroup --value UNIT` → the unit's cgroup path, "" when not running. */
export function unitControlGroup(unit: string): string | null {
  const r = systemctl(['show', '-p', 'ControlGroup', '--value', unit]);
  return r.ok ? r.stdout.trim() : null;
}

/**
 * The PIDs in a unit's control group and its children: v2 (/sys/fs/cgroup/PATH) or the
 * v1 name=systemd hierarchy (/sys/fs/cgroup/systemd/PATH).
 */
export function unitPids(controlGroup: string, cgroupRoot = '/sys/fs/cgroup'): number[] {
  if (controlGroup === '' || controlGroup.includes('..')) return [];
  for (const base of [join(cgroupRoot, 'unified'), join(cgroupRoot, 'systemd'), cgroupRoot]) {
    const dir = join(base, controlGroup);
    if (readSmall(join(dir, 'cgroup.procs')) === null) continue;
    const pids: number[] = [];
    const walk = (d: string) => {
      for (const l of (readSmall(join(d, 'cgroup.procs')) ?? '').split('\n')) {
        const n = Number(l);
        if (l !== '' && Number.isInteger(n) && n > 0) pids.push(n);
      }
      let entries: string[] = [];
      try {
        entries = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      } catch {
        /* gone */
      }
      for (const e of entries) walk(join(d, e));
    };
    walk(dir);
    return pids;
  }
  return [];
}
