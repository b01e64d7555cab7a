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
    // expect.poll waits for the UI to follow the backend; its 1 s default is a speed bet a loaded CI
    // machine loses (a model import quantises weights before the top bar can name it).
    expect: { poll: { timeout: 30_000 } },
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
