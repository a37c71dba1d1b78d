import { availableParallelism } from 'node:os';

/** Environment variable choosing how many workers the detached data plane's router runs. */
export const ROUTER_WORKERS_ENV = 'SERIN_ROUTER_WORKERS';
const MAX_WORKERS = 64;

/**
 * The number of router workers: `value` (from a flag, named `what` in errors), else the
 * environment variable, else the machine's available parallelism.
 */
export function routerWorkerCount(
  value: string | number | undefined,
  what = '--router-workers',
  env: NodeJS.ProcessEnv = process.env,
): number {
  const given = value ?? env[ROUTER_WORKERS_ENV];
  const name = value === undefined ? ROUTER_WORKERS_ENV : what;
  if (given === undefined || given === '') return availableParallelism();
  const n = typeof given === 'number' ? given : /^\d+$/.test(given.trim()) ? Number(given) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new Error(
      `${name}: expected a whole number of workers in [1, ${MAX_WORKERS}], got "${String(given)}"`,
    );
  return n;
}
