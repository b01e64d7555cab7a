import { defineConfig } from 'vitest/config';

// End-to-end: the built UI in Debian's Chromium against the web shell with the real core.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
