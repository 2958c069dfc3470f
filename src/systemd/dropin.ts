/**
 * systemd drop-ins that protect a service: what `oomtop protect` writes (pure).
 *
 *   /etc/systemd/system/NAME.service.d/50-oomtop.conf
 *   [Service]
 *   OOMScoreAdjust=-500          (systemd.exec: -1000..1000, set before the service execs)
 *   OOMPolicy=continue|stop|kill (systemd.service: what systemd does when the kernel's OOM
 *                                 killer kills one of the unit's processes)
 *   ManagedOOMMemoryPressure=kill|auto     (systemd.resource-control: systemd-oomd acts on
 *   ManagedOOMMemoryPressureLimit=PCT%      the unit's cgroup under memory pressure)
 *   ManagedOOMPreference=none|avoid|omit   (systemd-oomd deprioritizes or skips the unit)
 */
import { join } from 'node:path';

export const DROPIN_NAME = '50-oomtop.conf';
export const OOM_POLICIES = ['continue', 'stop', 'kill'] as const;
export const MANAGED_OOM_MODES = ['auto', 'kill'] as const;
export const MANAGED_OOM_PREFERENCES = ['none', 'avoid', 'omit'] as const;

export interface DropIn {
  unit: string;
  adj: number;
  policy: (typeof OOM_POLICIES)[number] | null;
  managedOom: (typeof MANAGED_OOM_MODES)[number] | null;
  managedOomLimitPct: number | null;
  managedOomPreference: (typeof MANAGED_OOM_PREFERENCES)[number] | null;
}

/**
 * A service unit name as systemd accepts it (systemd's unit_name_is_valid, service units
 * only): letters, digits, ":-_.\" and one "@" for a template instance, at most 255
 * characters, ".service" at the end (added when missing). null when invalid: no "/", no
 * "..", nothing that could leave /etc/systemd/system.
 */
export function serviceName(name: string): string | null {
  const n = name.endsWith('.service') ? name : `${name}.service`;
  if (n.length > 255) return null;
  const m = /^([A-Za-z0-9:_.\\-]+)(@[A-Za-z0-9:_.\\-]*)?\.service$/.exec(n);
  if (!m || m[1]!.startsWith('.') || n.includes('..')) return null;
  return n;
}

export function dropInPath(root: string, unit: string): string {
  return join(root, 'etc/systemd/system', `${unit}.d`, DROPIN_NAME);
}

export function dropInText(d: DropIn): string {
  const lines = [
    `# Written by oomtop protect; remove with: oomtop protect --unit ${d.unit} --unprotect`,
    '[Service]',
    `OOMScoreAdjust=${d.adj}`,
  ];
  if (d.policy !== null) lines.push(`OOMPolicy=${d.policy}`);
  if (d.managedOom !== null) lines.push(`ManagedOOMMemoryPressure=${d.managedOom}`);
  if (d.managedOomLimitPct !== null) lines.push(`ManagedOOMMemoryPressureLimit=${d.managedOomLimitPct}%`);
  if (d.managedOomPreference !== null) lines.push(`ManagedOOMPreference=${d.managedOomPreference}`);
  return `${lines.join('\n')}\n`;
}
