/**
 * Effect boundaries and the fail point, a test facility: every platform wraps its ports with
 * {@link withBoundaries}, which names each instant between two effects of a tick (before an effect
 * port is called, after a status write). Crash suites stop a real process at the n-th boundary.
 *
 * The fail point only acts when the process was started with both
 * `SERIN_TEST_FAIL_POINTS=armed-for-tests` and `SERIN_TEST_FAIL_POINT=<where>[:kill|:stop]`, and
 * never when `NODE_ENV=production`: a single stray variable cannot make a production controller
 * kill itself. `<where>` is either `<n>` (the n-th boundary of the process) or
 * `<phase>/<boundary>/<k>` (the k-th time that boundary is reached with the status in that phase,
 * e.g. `Promoting/before promote/1`), which does not depend on how many ticks came before.
 * `SERIN_TEST_FAIL_POINT_TRACE=<file>` (same arming) appends one line per boundary
 * (`<n>|<phase>/<boundary>/<k>`), so a suite can list the boundaries of a run.
 */
import { appendFileSync } from 'node:fs';
import type { Canary } from '../../api/canary.js';
import type { Ports } from '../ports.js';

export const ARMED_VALUE = 'armed-for-tests';

export type BoundaryListener = (boundary: string, canary: Canary) => void;

/** Ports that report every effect boundary to `onBoundary` (which may throw, or stop the process). */
export function withBoundaries(ports: Ports, onBoundary: BoundaryListener): Ports {
  const before =
    <A extends unknown[], R>(name: string, fn: (canary: Canary, ...rest: A) => Promise<R>) =>
    (canary: Canary, ...rest: A): Promise<R> => {
      onBoundary(`before ${name}`, canary);
      return fn(canary, ...rest);
    };
  const { workloads, router, notifier, webhooks, status } = ports;
  return {
    ...ports,
    workloads: {
      ...workloads,
      initialize: workloads.initialize.bind(workloads),
      targetRevision: workloads.targetRevision.bind(workloads),
      isPrimaryReady: workloads.isPrimaryReady.bind(workloads),
      isCanaryReady: workloads.isCanaryReady.bind(workloads),
      revert: workloads.revert.bind(workloads),
      scaleCanaryUp: before('scale-up', workloads.scaleCanaryUp.bind(workloads)),
      scaleCanaryDown: before('scale-down', workloads.scaleCanaryDown.bind(workloads)),
      promote: before('promote', workloads.promote.bind(workloads)),
    },
    router: {
      reconcile: router.reconcile.bind(router),
      getRoutes: router.getRoutes.bind(router),
      finalize: router.finalize.bind(router),
      setRoutes: before('routes', router.setRoutes.bind(router)),
    },
    notifier: {
      event: before('event', notifier.event.bind(notifier)),
      alert: before('alert', notifier.alert.bind(notifier)),
    },
    webhooks: {
      // Only hooks that are effects of a decision (they carry its id); gates and checks are reads.
      call: (canary, hook, phase, delivery) => {
        if (delivery?.decisionId !== undefined) onBoundary(`before hook ${hook.name}`, canary);
        return webhooks.call(canary, hook, phase, delivery);
      },
    },
    status: {
      write: async (canary, next) => {
        await status.write(canary, next);
        onBoundary('after status-write', { ...canary, status: next });
      },
    },
  };
}

export interface FailPoint {
  /** A boundary number, or `<phase>/<boundary>/<k>`. */
  at: number | string;
  action: 'kill' | 'stop';
}

/** The fail point the environment asks for, or undefined when it is not (fully) armed. */
export function failPointFromEnv(env: NodeJS.ProcessEnv = process.env): {
  failPoint?: FailPoint;
  trace?: string;
} {
  if (env.SERIN_TEST_FAIL_POINTS !== ARMED_VALUE || env.NODE_ENV === 'production') return {};
  const spec = env.SERIN_TEST_FAIL_POINT;
  const match = spec === undefined ? null : /^(\d+|[A-Za-z]+\/[^/:]+\/\d+)(?::(kill|stop))?$/.exec(spec);
  const where = match?.[1];
  const failPoint: FailPoint | undefined =
    where !== undefined
      ? { at: /^\d+$/.test(where) ? Number(where) : where, action: match?.[2] === 'stop' ? 'stop' : 'kill' }
      : undefined;
  const trace = env.SERIN_TEST_FAIL_POINT_TRACE;
  return { ...(failPoint ? { failPoint } : {}), ...(trace ? { trace } : {}) };
}

/**
 * The platforms' entry point, called once per process: a function that returns ports unchanged,
 * unless the environment arms the fail point; then every boundary of every tick is counted (and
 * traced) and the n-th one kills or stops this process.
 */
export function processFailPoints(warn: (message: string) => void): (ports: Ports) => Ports {
  const { failPoint, trace } = failPointFromEnv();
  if (!failPoint && trace === undefined) return (ports) => ports;
  warn(
    `test fail point armed (${process.env.SERIN_TEST_FAIL_POINT ?? 'trace only'}): this process stops itself at an effect boundary`,
  );
  let count = 0;
  const seen = new Map<string, number>();
  const onBoundary: BoundaryListener = (boundary, canary) => {
    count += 1;
    const key = `${canary.status?.phase ?? 'Initializing'}/${boundary}`;
    const k = (seen.get(key) ?? 0) + 1;
    seen.set(key, k);
    if (trace !== undefined) appendFileSync(trace, `${count}|${key}/${k}\n`);
    if (failPoint?.at !== count && failPoint?.at !== `${key}/${k}`) return;
    process.kill(process.pid, failPoint.action === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  };
  return (ports) => withBoundaries(ports, onBoundary);
}
