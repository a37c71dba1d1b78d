import { createRouter, type Router } from '../router.js';
import type { RouterConfig, RouterOptions } from '../types.js';
import { createRouterWorkers } from '../workers/primary.js';

/**
 * Environment variable that makes the router suites run against `createRouterWorkers` with that
 * many workers instead of a router in the test process (see the `router-workers` test project).
 */
export const TEST_ROUTER_WORKERS_ENV = 'SERIN_TEST_ROUTER_WORKERS';

/** The router a suite tests: in this process, or N workers when the environment asks for them. */
export function testRouter(config: RouterConfig, options: RouterOptions = {}): Router {
  const workers = Number(process.env[TEST_ROUTER_WORKERS_ENV] ?? '1');
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(
      `${TEST_ROUTER_WORKERS_ENV}: expected a whole number of workers, got "${String(workers)}"`,
    );
  if (workers === 1) return createRouter(config, options);
  return createRouterWorkers(config, { ...options, workers });
}

/** Swaps the configuration and waits until it is in force wherever requests are served. */
export async function apply(router: Router, config: RouterConfig): Promise<void> {
  router.update(config);
  await router.settled();
}
