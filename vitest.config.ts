import { defineConfig } from 'vitest/config';

/** The router suites that run once more against several router workers (Istio semantics, telemetry, framing). */
const ROUTER_WORKER_SUITES = [
  'src/local/router/bookinfo.test.ts',
  'src/local/router/policies.test.ts',
  // Not yet: dataplane.test.ts (its framing cases pass) fails on DestinationRule connection-pool
  // overflow, because each worker keeps its own pool limits (docs/local-router.md, Workers).
  'src/local/router/prometheus.test.ts',
  'src/local/router/router.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: suites that start real servers and processes must not all run at once.
    maxWorkers: 2,
    // A fresh dist/ for suites that run the compiled CLI, and a check that no suite leaves temporary files.
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'router-workers',
          include: ROUTER_WORKER_SUITES,
          // Each worker loads the router from TypeScript source: starting three on a loaded machine takes a while.
          hookTimeout: 180_000,
          // Three: more than one, and more than the two cores here, so hand-off and crashes are exercised.
          env: { SERIN_TEST_ROUTER_WORKERS: '3' },
        },
      },
    ],
  },
});
