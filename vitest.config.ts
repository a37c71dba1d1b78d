import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: suites that start real servers and processes must not all run at once.
    maxWorkers: 2,
    // A fresh dist/ for suites that run the compiled CLI, and a check that no suite leaves temporary files.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
