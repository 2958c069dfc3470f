import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectMemoryHierarchy, hierarchyFromMounts, hierarchyFromRoot, parseMountinfo } from '../../src/cgroup/mountinfo.js';
import { layout } from './fixtures.js';

const mountinfo = (name: 'hybrid' | 'v1' | 'v2') => readFileSync(join(layout(name).proc, 'self', 'mountinfo'), 'utf8');

describe('parseMountinfo', () => {
  it('splits at the " - " separator whatever the number of optional fields', () => {
    const [a, b] = parseMountinfo(
      '30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:13 master:2 - cgroup cgroup rw,memory\n' +
        '33 24 0:28 /docker/x /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n',
    );
    expect(a).toEqual({
      root: '/',
      mountPoint: '/sys/fs/cgroup/memory',
      fsType: 'cgroup',
      source: 'cgroup',
      superOptions: ['rw', 'memory'],
    });
    expect(b!.root).toBe('/docker/x');
    expect(b!.fsType).toBe('cgroup2');
  });

  it('unescapes octal escapes in paths and skips malformed lines', () => {
    const m = parseMountinfo('garbage\n40 1 0:1 / /mnt/my\\040cg rw - cgroup2 none rw\n');
    expect(m).toHaveLength(1);
    expect(m[0]!.mountPoint).toBe('/mnt/my cg');
  });
});

describe('hierarchyFromMounts', () => {
  it('hybrid: v1 memory plus a cgroup2 tree', () => {
    expect(hierarchyFromMounts(parseMountinfo(mountinfo('hybrid')), () => false)).toEqual({
      version: 1,
      root: '/sys/fs/cgroup/memory',
      hybrid: true,
      unifiedRoot: '/sys/fs/cgroup/unified',
      mountRoot: '/',
    });
  });

  it('pure v1', () => {
    const h = hierarchyFromMounts(parseMountinfo(mountinfo('v1')), () => true);
    expect(h).toMatchObject({ version: 1, root: '/sys/fs/cgroup/memory', hybrid: false, unifiedRoot: null });
  });

  it('pure v2 only when the memory controller is enabled there', () => {
    const mounts = parseMountinfo(mountinfo('v2'));
    expect(hierarchyFromMounts(mounts, (d) => d === '/sys/fs/cgroup')).toMatchObject({
      version: 2,
      root: '/sys/fs/cgroup',
      hybrid: false,
    });
    expect(hierarchyFromMounts(mounts, () => false)).toBeNull();
  });

  it('v1 memory co-mounted with cpu, and a container view of a sub-tree', () => {
    const h = hierarchyFromMounts(
      parseMountinfo('50 40 0:40 /docker/abc /sys/fs/cgroup/cpu,memory ro - cgroup cgroup rw,cpu,memory\n'),
    );
    expect(h).toMatchObject({ version: 1, root: '/sys/fs/cgroup/cpu,memory', mountRoot: '/docker/abc' });
  });

  it('prefers the mount of the hierarchy root over a bind mount of a sub-tree', () => {
    const h = hierarchyFromMounts(
      parseMountinfo(
        '60 1 0:40 /sub /srv/cg rw - cgroup cgroup rw,memory\n' +
          '61 1 0:40 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n',
      ),
    );
    expect(h?.root).toBe('/sys/fs/cgroup/memory');
  });

  it('no memory controller at all', () => {
    expect(hierarchyFromMounts(parseMountinfo('1 0 0:1 / / rw - ext4 /dev/sda1 rw\n'))).toBeNull();
  });
});

describe('detectMemoryHierarchy', () => {
  it('with a cgroup root looks at the tree, not mountinfo', () => {
    const hy = layout('hybrid');
    expect(detectMemoryHierarchy('/nonexistent', hy.cgroupRoot)).toEqual({
      version: 1,
      root: join(hy.cgroupRoot, 'memory'),
      hybrid: true,
      unifiedRoot: join(hy.cgroupRoot, 'unified'),
      mountRoot: '/',
    });
    const v1 = layout('v1');
    expect(detectMemoryHierarchy('/nonexistent', v1.cgroupRoot)).toMatchObject({ version: 1, hybrid: false, unifiedRoot: null });
    const v2 = layout('v2');
    expect(detectMemoryHierarchy('/nonexistent', v2.cgroupRoot)).toMatchObject({ version: 2, root: v2.cgroupRoot });
  });

  it('accepts the v1 memory controller directory itself as the root', () => {
    const dir = join(layout('v1').cgroupRoot, 'memory');
    expect(hierarchyFromRoot(dir)).toMatchObject({ version: 1, root: dir });
  });

  it('null for a directory that is no cgroup tree', () => {
    expect(hierarchyFromRoot(layout('v1').proc)).toBeNull();
  });

  it('without a cgroup root reads PROC/self/mountinfo', () => {
    expect(detectMemoryHierarchy(layout('v1').proc)).toMatchObject({ version: 1, root: '/sys/fs/cgroup/memory' });
    expect(detectMemoryHierarchy('/nonexistent')).toBeNull();
  });

  it('on this machine finds the memory controller the kernel mounted', () => {
    const h = detectMemoryHierarchy('/proc');
    const lines = readFileSync('/proc/self/mountinfo', 'utf8');
    if (/ - cgroup \S+ \S*\bmemory\b/.test(lines)) {
      expect(h?.version).toBe(1);
      expect(h?.hybrid).toBe(/ - cgroup2 /.test(lines));
      expect(readFileSync(join(h!.root, 'memory.limit_in_bytes'), 'utf8')).toMatch(/^\d+\n$/);
    } else if (h) {
      expect(h.version).toBe(2);
    }
  });
});
