import { defineConfig } from 'vitest/config';

// Unit and integration tests run in plain Node: no Electron, real ONNX Runtime, real LMDB.
export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'models/**/*.test.ts', 'src-renderer/src/lib/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: ONNX Runtime sessions already use both; more forks only thrash.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
