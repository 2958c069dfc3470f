/**
 * Label values for the exporter. prom-client escapes what the exposition format needs (\\, ",
 * newline); on top of that every value taken from /proc, cgroup paths or the kernel log goes
 * through the one sanitizer (src/text/sanitize.ts), so escape sequences and control characters
 * become visible text in Grafana and Alertmanager too, and very long values are cut.
 */
import type { ContainerInfo } from '../cgroup/types.js';
import { containerLabel, shortId } from '../cgroup/container.js';
import { sanitize } from '../text/sanitize.js';

/** Longest label value kept (a cgroup path can be long; Prometheus keeps every byte per series). */
export const LABEL_MAX = 256;

export function labelValue(raw: string | null | undefined): string {
  if (raw === null || raw === undefined) return '';
  const s = sanitize(raw);
  return s.length > LABEL_MAX ? `${s.slice(0, LABEL_MAX - 1)}…` : s;
}

/** container, pod, namespace and unit of a cgroup, where known ("" otherwise). */
export interface WorkloadLabels {
  container: string;
  pod: string;
  namespace: string;
  unit: string;
}

export function workloadLabels(c: ContainerInfo | null | undefined): WorkloadLabels {
  const out: WorkloadLabels = { container: '', pod: '', namespace: '', unit: '' };
  if (!c) return out;
  if (c.runtime === 'systemd-service' || c.runtime === 'systemd-scope' || c.runtime === 'user-session') {
    out.unit = labelValue(c.id ?? '');
    return out;
  }
  if (c.id !== null) out.container = labelValue(c.name ?? shortId(c.id));
  if (c.pod) {
    // The namer's pod name is "namespace/name".
    const full = c.pod.name;
    const slash = full ? full.indexOf('/') : -1;
    if (full && slash > 0) {
      out.namespace = labelValue(full.slice(0, slash));
      out.pod = labelValue(full.slice(slash + 1));
    } else {
      out.pod = labelValue(full ?? `pod${c.pod.uid}`);
    }
  }
  if (out.container === '' && out.pod === '') out.container = labelValue(containerLabel(c));
  return out;
}
