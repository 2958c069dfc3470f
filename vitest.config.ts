import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'host',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/vm/**', '**/node_modules/**'],
          // Real-machine tests (cgroups, tmux) share kernel state: keep files serial where they say so.
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The cgroup v2 guest tier (test/vm): QEMU under TCG takes both cores, so its files run
        // one at a time and only after the host tier, whose timing-sensitive races it would disturb.
        extends: true,
        test: {
          name: 'vm',
          include: ['test/vm/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
