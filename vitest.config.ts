import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/build-programs.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Process-level tests (crash, fuzz) start servers on real ports; keep file parallelism modest on 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
