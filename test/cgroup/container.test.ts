import { describe, expect, it } from 'vitest';
import { containerLabel, recognizeContainer, shortId } from '../../src/cgroup/container.js';

const H = (c: string) => c.repeat(64 / c.length);
const A = H('ab');
const B = H('0f');
const UID = '0b6b2c1d-8f3e-4a5b-9c7d-1e2f3a4b5c6d';
const UID_ = UID.replaceAll('-', '_');

describe('recognizeContainer: plain runtimes', () => {
  it.each([
    [`/docker/${A}`, 'docker'],
    [`/system.slice/docker-${A}.scope`, 'docker'],
    [`/system.slice/cri-containerd-${A}.scope`, 'containerd'],
    [`/system.slice/nerdctl-${A}.scope`, 'containerd'],
    [`/machine.slice/libpod-${A}.scope`, 'podman'],
    [`/machine.slice/libpod-conmon-${A}.scope`, 'podman'],
    [`/libpod_parent/libpod-${A}`, 'podman'],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${A}.scope`, 'podman'],
    [`/system.slice/crio-${A}.scope`, 'cri-o'],
  ] as const)('%s → %s', (path, runtime) => {
    expect(recognizeContainer(path)).toEqual({ runtime, id: A, name: null, pod: null });
  });

  it('a sub-cgroup inside a container still names the container', () => {
    expect(recognizeContainer(`/docker/${A}/init.scope`)).toMatchObject({ runtime: 'docker', id: A });
    expect(recognizeContainer(`/system.slice/docker-${A}.scope/system.slice/nginx.service`)).toMatchObject({
      runtime: 'docker',
      id: A,
    });
  });

  it('docker in docker: the innermost container', () => {
    expect(recognizeContainer(`/docker/${A}/docker/${B}`)).toMatchObject({ runtime: 'docker', id: B });
  });

  it('LXC forms', () => {
    expect(recognizeContainer('/lxc/web1')).toMatchObject({ runtime: 'lxc', id: 'web1' });
    expect(recognizeContainer('/lxc.payload.web2')).toMatchObject({ runtime: 'lxc', id: 'web2' });
    expect(recognizeContainer('/lxc.payload/web3/sub')).toMatchObject({ runtime: 'lxc', id: 'web3' });
  });

  it('a 64-hex directory under an unknown parent is not guessed', () => {
    expect(recognizeContainer(`/foo/${A}`)).toBeNull();
    expect(recognizeContainer(`/docker/${A.slice(1)}`)).toBeNull();
    expect(recognizeContainer('/docker')).toBeNull();
  });
});

describe('recognizeContainer: Kubernetes', () => {
  it('cgroupfs driver, burstable', () => {
    expect(recognizeContainer(`/kubepods/burstable/pod${UID}/${A}`)).toEqual({
      runtime: 'kubernetes',
      id: A,
      name: null,
      pod: { uid: UID, qos: 'burstable', name: null },
    });
  });

  it('cgroupfs driver, guaranteed (no QoS level) and besteffort with CRI-O', () => {
    expect(recognizeContainer(`/kubepods/pod${UID}/${A}`)?.pod?.qos).toBe('guaranteed');
    expect(recognizeContainer(`/kubepods/besteffort/pod${UID}/crio-${A}`)).toEqual({
      runtime: 'cri-o',
      id: A,
      name: null,
      pod: { uid: UID, qos: 'besteffort', name: null },
    });
  });

  it('systemd driver with containerd, docker and CRI-O scopes', () => {
    const base = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`;
    expect(recognizeContainer(`${base}/cri-containerd-${A}.scope`)).toEqual({
      runtime: 'containerd',
      id: A,
      name: null,
      pod: { uid: UID, qos: 'burstable', name: null },
    });
    expect(recognizeContainer(`${base}/docker-${A}.scope`)).toMatchObject({ runtime: 'docker', pod: { uid: UID } });
    const be = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-conmon-${A}.scope`;
    expect(recognizeContainer(be)).toMatchObject({ runtime: 'cri-o', pod: { qos: 'besteffort' } });
    expect(recognizeContainer(`/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${A}.scope`)?.pod).toEqual({
      uid: UID,
      qos: 'guaranteed',
      name: null,
    });
  });

  it('kind-style kubelet root (kubelet.slice/kubelet-kubepods…)', () => {
    const p = `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${A}.scope`;
    expect(recognizeContainer(p)).toMatchObject({ runtime: 'containerd', id: A, pod: { uid: UID, qos: 'besteffort' } });
  });

  it('the pod cgroup itself: a pod without a container id', () => {
    expect(recognizeContainer(`/kubepods/burstable/pod${UID}`)).toEqual({
      runtime: 'kubernetes',
      id: null,
      name: null,
      pod: { uid: UID, qos: 'burstable', name: null },
    });
    expect(recognizeContainer(`/kubepods.slice/kubepods-pod${UID_}.slice`)?.pod?.qos).toBe('guaranteed');
  });

  it('QoS-level cgroups and "pod" directories outside kubepods are not pods', () => {
    expect(recognizeContainer('/kubepods/burstable')).toBeNull();
    expect(recognizeContainer('/kubepods.slice/kubepods-besteffort.slice')).toBeNull();
    expect(recognizeContainer(`/elsewhere/pod${UID}`)).toBeNull();
  });
});

describe('recognizeContainer: systemd units and sessions', () => {
  it.each([
    ['/system.slice/nginx.service', 'systemd-service', 'nginx.service'],
    ['/system.slice/system-getty.slice/getty@tty1.service', 'systemd-service', 'getty@tty1.service'],
    ['/system.slice/run-r1234.scope', 'systemd-scope', 'run-r1234.scope'],
    ['/user.slice/user-1000.slice/session-3.scope', 'user-session', 'session-3.scope'],
    ['/user.slice/user-1000.slice/user@1000.service', 'user-session', 'user@1000.service'],
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service', 'systemd-service', 'foo.service'],
  ] as const)('%s → %s %s', (path, runtime, id) => {
    expect(recognizeContainer(path)).toEqual({ runtime, id, name: null, pod: null });
  });

  it('the root and plain slices are nothing', () => {
    expect(recognizeContainer('/')).toBeNull();
    expect(recognizeContainer('/system.slice')).toBeNull();
    expect(recognizeContainer('/user.slice/user-1000.slice')).toBeNull();
  });
});

describe('labels', () => {
  it('short ids and labels', () => {
    expect(shortId(A)).toBe(A.slice(0, 12));
    expect(shortId('nginx.service')).toBe('nginx.service');
    expect(containerLabel({ runtime: 'docker', id: A, name: null, pod: null })).toBe(A.slice(0, 12));
    expect(containerLabel({ runtime: 'docker', id: A, name: 'web', pod: null })).toBe('web');
    expect(
      containerLabel({ runtime: 'containerd', id: A, name: 'app', pod: { uid: UID, qos: 'burstable', name: 'default/api-1' } }),
    ).toBe('default/api-1/app');
    expect(containerLabel({ runtime: 'kubernetes', id: null, name: null, pod: { uid: UID, qos: 'guaranteed', name: null } })).toBe(
      'pod0b6b2c1d',
    );
  });
});
