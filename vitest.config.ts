import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real-machine tests (cgroups, tmux) share kernel state: keep files serial where they say so.
    fileParallelism: true,
    reporters: ['default'],
  },
});
