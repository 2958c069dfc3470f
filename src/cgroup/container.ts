import type { ContainerInfo, ContainerRuntime, PodInfo } from './types.js';

/**
 * Recognise the container, Kubernetes pod, systemd unit or user session a cgroup belongs
 * to, from its path alone (pure). Names are left null: ContainerNamer fills them.
 *
 * Container forms (the innermost one on the path wins, so docker-in-docker shows the inner):
 *   docker      /docker/<64hex>                    (cgroupfs driver)
 *               …/docker-<64hex>.scope             (systemd driver)
 *   containerd  …/cri-containerd-<64hex>.scope     (CRI, systemd driver)
 *               …/nerdctl-<64hex>.scope
 *   cri-o       …/crio-<64hex>[.scope], crio-conmon-<64hex>.scope (its monitor)
 *   podman      …/libpod-<64hex>[.scope], libpod-conmon-<64hex>.scope
 *   lxc         /lxc/<name>, /lxc.payload/<name>, /lxc.payload.<name>
 * Kubernetes pods:
 *   cgroupfs    /kubepods[/burstable|/besteffort]/pod<uid>/<container>
 *   systemd     /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid, '_' for '-'>.slice/<scope>
 *   QoS is Guaranteed when neither burstable nor besteffort appears.
 * Otherwise the deepest systemd unit: NAME.service (systemd-service), session-N.scope and
 * user@UID.service (user-session), other NAME.scope (systemd-scope).
 */

const HEX64 = /^[0-9a-f]{64}$/;

interface Found {
  runtime: ContainerRuntime;
  id: string;
}

const SCOPE_FORMS: [RegExp, ContainerRuntime][] = [
  [/^docker-([0-9a-f]{64})\.scope$/, 'docker'],
  [/^cri-containerd-([0-9a-f]{64})\.scope$/, 'containerd'],
  [/^nerdctl-([0-9a-f]{64})\.scope$/, 'containerd'],
  [/^crio-(?:conmon-)?([0-9a-f]{64})(?:\.scope)?$/, 'cri-o'],
  [/^libpod-(?:conmon-)?([0-9a-f]{64})(?:\.scope)?$/, 'podman'],
];

function containerAt(segs: string[], i: number, underPod: boolean): Found | null {
  const s = segs[i]!;
  for (const [re, runtime] of SCOPE_FORMS) {
    const m = re.exec(s);
    if (m) return { runtime, id: m[1]! };
  }
  const parent = i > 0 ? segs[i - 1]! : '';
  if (HEX64.test(s)) {
    if (parent === 'docker') return { runtime: 'docker', id: s };
    // cgroupfs driver under a pod: the runtime (docker, containerd) is not in the path.
    if (underPod && /^pod[0-9a-f-]+$/.test(parent)) return { runtime: 'kubernetes', id: s };
  }
  if ((parent === 'lxc' || parent === 'lxc.payload') && s !== '') return { runtime: 'lxc', id: s };
  const lxc = /^lxc\.payload\.(.+)$/.exec(s);
  if (lxc) return { runtime: 'lxc', id: lxc[1]! };
  return null;
}

type Qos = PodInfo['qos'];

function qosOf(s: string): Qos | null {
  if (s.includes('burstable')) return 'burstable';
  if (s.includes('besteffort')) return 'besteffort';
  return null;
}

/** The pod segment: "pod<uid>" (cgroupfs) or "kubepods[-qos]-pod<uid_>.slice" (systemd). */
function podAt(segs: string[], i: number): PodInfo | null {
  const s = segs[i]!;
  const inKube = segs.slice(0, i).some((x) => x === 'kubepods' || /kubepods.*\.slice$/.test(x));
  let uid: string | null = null;
  const cgfs = /^pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f-]{8,})$/.exec(s);
  if (cgfs && inKube) uid = cgfs[1]!;
  const sysd = /^(?:[\w-]*-)?kubepods(?:-(?:burstable|besteffort))?-pod([0-9a-f_]+)\.slice$/.exec(s);
  if (sysd) uid = sysd[1]!.replaceAll('_', '-');
  if (uid === null) return null;
  let qos: Qos = 'guaranteed';
  for (const x of segs.slice(0, i + 1)) {
    const q = qosOf(x);
    if (q && (x.includes('kubepods') || x === 'burstable' || x === 'besteffort')) qos = q;
  }
  return { uid, qos, name: null };
}

function systemdUnit(segs: string[]): ContainerInfo | null {
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    if (/^session-[^/]+\.scope$/.test(s) || /^user@\d+\.service$/.test(s)) {
      return { runtime: 'user-session', id: s, name: null, pod: null };
    }
    if (s.endsWith('.service')) return { runtime: 'systemd-service', id: s, name: null, pod: null };
    if (s.endsWith('.scope')) return { runtime: 'systemd-scope', id: s, name: null, pod: null };
  }
  return null;
}

export function recognizeContainer(path: string): ContainerInfo | null {
  const segs = path.split('/').filter((s) => s !== '');
  let pod: PodInfo | null = null;
  let podIndex = -1;
  for (let i = segs.length - 1; i >= 0; i--) {
    pod = podAt(segs, i);
    if (pod) {
      podIndex = i;
      break;
    }
  }
  for (let i = segs.length - 1; i >= 0; i--) {
    const c = containerAt(segs, i, pod !== null && i === podIndex + 1);
    if (c) return { runtime: c.runtime, id: c.id, name: null, pod: pod !== null && podIndex < i ? pod : null };
  }
  if (pod) return { runtime: 'kubernetes', id: null, name: null, pod };
  return systemdUnit(segs);
}

/** The 12-character id Docker and crictl print. */
export function shortId(id: string): string {
  return HEX64.test(id) ? id.slice(0, 12) : id;
}

/** A label for tables: name when known, else the short id (or unit name). */
export function containerLabel(c: ContainerInfo): string {
  if (c.pod) {
    const pod = c.pod.name ?? `pod${c.pod.uid.slice(0, 8)}`;
    if (c.id === null) return pod;
    return `${pod}/${c.name ?? shortId(c.id)}`;
  }
  return c.name ?? (c.id === null ? c.runtime : shortId(c.id));
}
