/**
 * Workload health is evidence: what the platform saw of a side's replicas (restarts, the waiting
 * reason, how the last process ended) goes into `status.workloads`, a canary that stops being
 * healthy is a Warning decision with that reason, and a canary that restarted since the last tick
 * counts as not ready even if it answers its probe right now. Without that last rule a process
 * that crashes every few seconds could look ready at every tick and never reach the progress
 * deadline.
 */
import type { WorkloadHealth } from '../api/canary.js';
import { healthOfRun } from '../api/current-run.js';
import type { TickContext } from './context.js';
import type { Readiness } from './ports.js';

export type Side = 'primary' | 'canary';

/** One line for people: `CrashLoopBackOff, 0/1 ready, 3 restarts, last exit code 3: <message>`. */
export function describeHealth(h: Omit<WorkloadHealth, 'run'>): string {
  const exit = h.lastExit;
  const how =
    exit === undefined
      ? undefined
      : (exit.error ??
        (exit.signal !== undefined
          ? `signal ${exit.signal}`
          : exit.code !== undefined
            ? `exit code ${exit.code}`
            : undefined));
  const parts = [
    h.reason,
    `${h.ready}/${h.desired} ready`,
    h.restarts > 0 ? `${h.restarts} restart${h.restarts === 1 ? '' : 's'}` : undefined,
    how !== undefined ? `last exit: ${how}` : undefined,
  ].filter((p) => p !== undefined);
  const tail = h.logTail?.length ? `; last log lines: ${h.logTail.slice(-3).join(' | ')}` : '';
  return `${parts.join(', ')}${h.message ? ` (${h.message})` : ''}${tail}`;
}

function store(ctx: TickContext, side: Side, health: WorkloadHealth): void {
  ctx.status.workloads = { ...ctx.status.workloads, [side]: health };
}

/**
 * Between runs the canary's record follows it down. A promotion or a rollback scales the canary
 * to zero after its last observation; without this read the status, `serin status` and the
 * dashboard would keep showing the replicas, reason and log lines of processes that no longer run.
 * It reads until the canary is seen at zero (or on while a failed promotion keeps it serving),
 * so the idle ticks of a finished canary read nothing more and write only what changed.
 */
export async function refreshIdleCanary(ctx: TickContext): Promise<void> {
  const recorded = ctx.status.workloads?.canary;
  if (recorded === undefined || (recorded.ready === 0 && recorded.desired === 0)) return;
  const seen = (await ctx.ports.workloads.isCanaryReady(ctx.current)).workload;
  if (seen === undefined) return;
  // Still the same run's record: healthOfRun shows it only for the run it belongs to.
  store(ctx, 'canary', { ...seen, ...(recorded.run !== undefined ? { run: recorded.run } : {}) });
}

/**
 * Records what the platform reported for `side` and returns the readiness the engine acts on: the
 * canary is not ready in a tick in which its restart count went up. A Warning decision (and
 * Event) says why when the canary becomes unhealthy or its reason changes.
 */
export async function observeHealth(ctx: TickContext, side: Side, readiness: Readiness): Promise<Readiness> {
  const seen = readiness.workload;
  if (seen === undefined) return readiness;
  const previous = healthOfRun(ctx.status, side);
  const health: WorkloadHealth = {
    ...seen,
    ...(ctx.status.runStartedAt !== undefined ? { run: ctx.status.runStartedAt } : {}),
  };
  store(ctx, side, health);
  if (side === 'primary') return readiness;
  const restarted = health.restarts > (previous?.restarts ?? 0);
  let result = readiness;
  if (readiness.ready && restarted) {
    result = {
      ...readiness,
      ready: false,
      retriable: true,
      message: `the canary restarted: ${describeHealth(health)}`,
    };
  } else if (!readiness.ready && health.reason !== undefined && !readiness.message.includes(health.reason)) {
    result = { ...readiness, message: `${readiness.message}: ${describeHealth(health)}` };
  }
  const becameUnhealthy = !result.ready && health.reason !== undefined && health.reason !== previous?.reason;
  if (becameUnhealthy || (result.ready !== readiness.ready && restarted)) {
    await ctx.decide(
      'CanaryUnhealthy',
      `canary halted at weight ${ctx.status.canaryWeight ?? 0}: ${describeHealth(health)}`,
      'Warning',
    );
  }
  return result;
}
