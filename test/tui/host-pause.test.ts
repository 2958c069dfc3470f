/**
 * A paused monitor takes no samples, so no tick would close the descriptors of processes
 * that exit and cgroups that are removed meanwhile: the host lets go of every held file
 * while paused (a removed v1 memory cgroup stays in the kernel while its files are open),
 * and the first tick after resuming opens them again. Real /proc and cgroup hierarchy.
 */
import { describe, expect, it } from 'vitest';
import { memcgResolver } from '../../src/cgroup/resolve.js';
import { createOomtopStore } from '../../src/store/store.js';
import { SamplerHost } from '../../src/tui/host.js';

describe('SamplerHost paused', () => {
  it('holds no descriptors while paused, and holds them again once resumed', () => {
    const store = createOomtopStore();
    const { hierarchy, memoryCgroupOf } = memcgResolver('/proc', null);
    const host = new SamplerHost(store, { procRoot: '/proc', hierarchy, memoryCgroupOf }, 60_000);
    try {
      host.sampleNow();
      const held = host.heldFiles;
      expect(held).toBeGreaterThan(10); // statm and oom_score of every process, the cgroup files
      const seq = store.getState().snapshot?.seq;
      store.getState().setView({ paused: true });
      host.sampleNow();
      expect(host.heldFiles).toBe(0);
      expect(store.getState().snapshot?.seq).toBe(seq); // no sample taken
      store.getState().setView({ paused: false });
      host.sampleNow();
      expect(host.heldFiles).toBeGreaterThan(10);
    } finally {
      host.stop();
    }
    expect(host.heldFiles).toBe(0);
  });
});
