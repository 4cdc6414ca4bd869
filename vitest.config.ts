import { defineConfig } from 'vitest/config';

// GPU tests share one software adapter (lavapipe) on a 2-core machine: running test files in
// parallel only makes every file slower and timings noisy, so files run one after another.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
