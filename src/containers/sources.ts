import { engineRequest, parseContainerList, watchEvents, type ContainerDetails, type EngineEvent, type EventWatch } from './engine.js';

/**
 * Where container and pod names come from, and the parsers of each runtime's listing
 * (pure, tested against recorded output). One listing call per runtime per refresh, not one
 * call per container.
 */

export interface NameTable {
  /** Full container id (64 hex) → name. */
  containers: Map<string, string>;
  /** Pod UID → "namespace/name". */
  pods: Map<string, string>;
  /** Full container id → image and Compose labels, where the runtime tells them. */
  details: Map<string, ContainerDetails>;
}

export function emptyTable(): NameTable {
  return { containers: new Map(), pods: new Map(), details: new Map() };
}

/** Runs a command with a timeout; rejects on failure (error.code 'ENOENT' when not installed). */
export type Runner = (cmd: string, args: string[], opts: { timeoutMs: number }) => Promise<{ stdout: string }>;

export interface NameSource {
  name: string;
  /** What it asks: sources of one kind answer about the same containers. */
  kind?: string;
  list(timeoutMs: number): Promise<NameTable>;
  /** The Docker Engine's socket: while its event stream is open the table is kept current from it, not polled. */
  watch?(onEvent: (ev: EngineEvent) => void, onClose: (reason: string) => void, onOpen: () => void): EventWatch;
  /** A source that only repeats another (the docker CLI asks the same Engine as the socket): skipped while that one answers. */
  fallbackFor?: string;
}

const POD_UID = 'io.kubernetes.pod.uid';
const POD_NAME = 'io.kubernetes.pod.name';
const POD_NS = 'io.kubernetes.pod.namespace';

function podKey(ns: string | undefined, name: string | undefined): string | null {
  if (!name) return null;
  return ns ? `${ns}/${name}` : name;
}

function addPodFromLabels(t: NameTable, labels: Record<string, string> | null | undefined): void {
  if (!labels) return;
  const uid = labels[POD_UID];
  const key = podKey(labels[POD_NS], labels[POD_NAME]);
  if (uid && key) t.pods.set(uid, key);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const labelsOf = (v: unknown): Record<string, string> | null => obj(v) as Record<string, string> | null;

/** Docker Engine API GET /containers/json?all=1 (also what `docker ps` shows). */
export function parseDockerApi(text: string): NameTable {
  const t = emptyTable();
  for (const d of parseContainerList(text)) {
    t.containers.set(d.id, d.name);
    t.details.set(d.id, d);
  }
  for (const c of arr(JSON.parse(text))) addPodFromLabels(t, labelsOf(obj(c)?.Labels));
  return t;
}

/** `docker ps -a --no-trunc --format '{{.ID}}\t{{.Names}}\t{{.Label …uid}}\t{{.Label …namespace}}\t{{.Label …name}}'`. */
export const DOCKER_PS_ARGS = [
  'ps',
  '-a',
  '--no-trunc',
  '--format',
  `{{.ID}}\t{{.Names}}\t{{.Label "${POD_UID}"}}\t{{.Label "${POD_NS}"}}\t{{.Label "${POD_NAME}"}}`,
];

export function parseDockerPs(text: string): NameTable {
  const t = emptyTable();
  for (const line of text.split('\n')) {
    const [id, names, uid, ns, pod] = line.split('\t');
    if (!id || !names) continue;
    t.containers.set(id, names.split(',')[0]!);
    const key = podKey(ns, pod);
    if (uid && key) t.pods.set(uid, key);
  }
  return t;
}

/** `podman ps -a --no-trunc --format json`. */
export function parsePodmanPs(text: string): NameTable {
  const t = emptyTable();
  for (const c of arr(JSON.parse(text))) {
    const o = obj(c);
    const id = str(o?.Id) ?? str(o?.ID);
    const names = o?.Names;
    const name = typeof names === 'string' ? names : str(arr(names)[0]);
    if (id && name) t.containers.set(id, name);
    addPodFromLabels(t, labelsOf(o?.Labels));
  }
  return t;
}

/** `crictl ps -a -o json`: containers with pod labels. */
export function parseCrictlPs(text: string): NameTable {
  const t = emptyTable();
  for (const c of arr(obj(JSON.parse(text))?.containers)) {
    const o = obj(c);
    const id = str(o?.id);
    const name = str(obj(o?.metadata)?.name);
    if (id && name) t.containers.set(id, name);
    addPodFromLabels(t, labelsOf(o?.labels));
  }
  return t;
}

/** A pod's uid → namespace/name from the metadata that crictl pods and kubectl share. */
function addPodFromMetadata(t: NameTable, o: Json | null): void {
  const md = obj(o?.metadata);
  const uid = str(md?.uid);
  const key = podKey(str(md?.namespace), str(md?.name));
  if (uid && key) t.pods.set(uid, key);
}

/** `crictl pods -o json`: pod sandboxes; the sandbox (pause) container's id is the pod's id. */
export function parseCrictlPods(text: string): NameTable {
  const t = emptyTable();
  for (const p of arr(obj(JSON.parse(text))?.items)) {
    const o = obj(p);
    addPodFromMetadata(t, o);
    const id = str(o?.id);
    if (id) t.containers.set(id, 'POD');
  }
  return t;
}

/** `kubectl get pods -A -o json`: pods and the ids of their containers ("containerd://<id>"). */
export function parseKubectlPods(text: string): NameTable {
  const t = emptyTable();
  for (const p of arr(obj(JSON.parse(text))?.items)) {
    const o = obj(p);
    addPodFromMetadata(t, o);
    const status = obj(o?.status);
    for (const list of [status?.containerStatuses, status?.initContainerStatuses, status?.ephemeralContainerStatuses]) {
      for (const cs of arr(list)) {
        const c = obj(cs);
        const cid = str(c?.containerID);
        const name = str(c?.name);
        const m = cid ? /^[\w-]+:\/\/([0-9a-f]{64})$/.exec(cid) : null;
        if (m && name) t.containers.set(m[1]!, name);
      }
    }
  }
  return t;
}

export function mergeTables(into: NameTable, from: NameTable): void {
  for (const [k, v] of from.containers) if (!into.containers.has(k)) into.containers.set(k, v);
  for (const [k, v] of from.pods) if (!into.pods.has(k)) into.pods.set(k, v);
  for (const [k, v] of from.details) if (!into.details.has(k)) into.details.set(k, v);
}

/** GET on a unix socket with a timeout; rejects on non-2xx. */
/** GET on a unix socket, the 2xx body within timeoutMs: engineRequest (its deadline covers a trickling Engine). */
export async function httpGetUnix(socketPath: string, path: string, timeoutMs: number): Promise<string> {
  const r = await engineRequest(socketPath, path, timeoutMs);
  if (r.status >= 200 && r.status < 300) return r.body;
  throw Object.assign(new Error(`HTTP ${r.status} from ${socketPath}${path}`), { code: 'EHTTP' });
}

export const DOCKER_ENGINE = 'docker-engine';

export function dockerSocketSource(socketPath = '/var/run/docker.sock'): NameSource {
  return {
    name: `docker socket ${socketPath}`,
    kind: DOCKER_ENGINE,
    list: async (timeoutMs) => parseDockerApi(await httpGetUnix(socketPath, '/containers/json?all=1', timeoutMs)),
    watch: (onEvent, onClose, onOpen) => watchEvents(socketPath, onEvent, onClose, { onOpen }),
  };
}

export function cliSources(run: Runner): NameSource[] {
  return [
    {
      name: 'docker',
      fallbackFor: DOCKER_ENGINE,
      list: async (timeoutMs) => parseDockerPs((await run('docker', DOCKER_PS_ARGS, { timeoutMs })).stdout),
    },
    {
      name: 'podman',
      list: async (timeoutMs) =>
        parsePodmanPs((await run('podman', ['ps', '-a', '--no-trunc', '--format', 'json'], { timeoutMs })).stdout),
    },
    {
      name: 'crictl',
      list: async (timeoutMs) => {
        const t = parseCrictlPs((await run('crictl', ['ps', '-a', '-o', 'json'], { timeoutMs })).stdout);
        try {
          mergeTables(t, parseCrictlPods((await run('crictl', ['pods', '-o', 'json'], { timeoutMs })).stdout));
        } catch {
          /* containers alone are still useful */
        }
        return t;
      },
    },
    {
      name: 'kubectl',
      list: async (timeoutMs) => {
        const secs = Math.max(1, Math.floor(timeoutMs / 1000));
        const args = ['get', 'pods', '-A', '-o', 'json', `--request-timeout=${secs}s`];
        return parseKubectlPods((await run('kubectl', args, { timeoutMs })).stdout);
      },
    },
  ];
}
