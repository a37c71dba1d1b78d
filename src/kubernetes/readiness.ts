/**
 * Whether a Deployment or DaemonSet can serve, by Flagger's isDeploymentReady and
 * isDaemonSetReady rules: stuck for good (progress deadline) is not retriable and rolls back;
 * anything still rolling out is retriable.
 */
import type { Readiness } from '../engine/ports.js';
import { isRecord, type Json } from './objects.js';

interface DeploymentCondition {
  type?: string;
  status?: string;
  reason?: string;
  lastUpdateTime?: string;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function conditions(status: Json): DeploymentCondition[] {
  return Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
}

function stuck(status: Json, deadlineSeconds: number, now: Date): string | undefined {
  const conds = conditions(status);
  const progressing = conds.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return 'progress deadline exceeded';
  const available = conds.find((c) => c.type === 'Available');
  if (
    available?.status === 'False' &&
    available.reason === 'MinimumReplicasUnavailable' &&
    available.lastUpdateTime
  ) {
    const since = Date.parse(available.lastUpdateTime);
    if (Number.isFinite(since) && since + deadlineSeconds * 1000 < now.getTime()) {
      return `minimum replicas unavailable for more than ${deadlineSeconds}s`;
    }
  }
  return undefined;
}

export function deploymentReadiness(
  deployment: Json & { metadata: { name: string; generation?: number } },
  thresholdPercent: number,
  deadlineSeconds: number,
  now: Date,
): Readiness {
  const name = deployment.metadata.name;
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  const status = isRecord(deployment.status) ? deployment.status : {};
  const generation = deployment.metadata.generation ?? 0;
  if (generation > num(status.observedGeneration)) {
    return { ready: false, retriable: true, message: `${name}: waiting for rollout to be observed` };
  }
  const stuckReason = stuck(status, deadlineSeconds, now);
  if (stuckReason !== undefined) {
    return { ready: false, retriable: false, message: `${name}: ${stuckReason}` };
  }
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const updated = num(status.updatedReplicas);
  const total = num(status.replicas);
  const available = num(status.availableReplicas);
  if (updated < desired) {
    return {
      ready: false,
      retriable: true,
      message: `${name}: ${updated} of ${desired} updated replicas are available`,
    };
  }
  if (total > updated) {
    return {
      ready: false,
      retriable: true,
      message: `${name}: ${total - updated} old replicas are pending termination`,
    };
  }
  const needed = Math.floor((updated * thresholdPercent) / 100);
  if (available < needed) {
    return {
      ready: false,
      retriable: true,
      message: `${name}: ${available} of ${needed} (${thresholdPercent}%) replicas available`,
    };
  }
  return { ready: true, retriable: true, message: `${name}: ${available} replicas available` };
}

/**
 * Flagger's isDaemonSetReady: once the generation is observed, ready when every desired pod runs
 * the new template (`updatedNumberScheduled`) and `numberAvailable` reaches the threshold share of
 * `desiredNumberScheduled` (rounded down). A DaemonSet has no progress condition, so "stuck" is
 * Flagger's: not ready for longer than the progress deadline since the Canary's last transition.
 */
export function daemonSetReadiness(
  daemonSet: Json & { metadata: { name: string; generation?: number } },
  thresholdPercent: number,
  deadlineSeconds: number,
  since: string | undefined,
  now: Date,
): Readiness {
  const name = daemonSet.metadata.name;
  const status = isRecord(daemonSet.status) ? daemonSet.status : {};
  if ((daemonSet.metadata.generation ?? 0) > num(status.observedGeneration)) {
    return { ready: false, retriable: true, message: `${name}: waiting for rollout to be observed` };
  }
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  const needed = Math.floor((desired * thresholdPercent) / 100);
  if (updated >= desired && available >= needed) {
    return { ready: true, retriable: true, message: `${name}: ${available} of ${desired} pods available` };
  }
  const from = since === undefined ? NaN : Date.parse(since);
  if (Number.isFinite(from) && from + deadlineSeconds * 1000 < now.getTime()) {
    return {
      ready: false,
      retriable: false,
      message: `${name}: exceeded its progressDeadlineSeconds (${deadlineSeconds}s)`,
    };
  }
  const message =
    updated < desired
      ? `${name}: ${updated} of ${desired} pods run the new template`
      : `${name}: ${available} of ${needed} (${thresholdPercent}%) updated pods are available`;
  return { ready: false, retriable: true, message };
}

type Health = NonNullable<Readiness['workload']>;

/** Ready and desired pods as a workload's status counts them. */
export interface PodCounts {
  ready: number;
  desired: number;
}

/** A Deployment's counts: `readyReplicas` of `spec.replicas`. */
export function deploymentCounts(deployment: Json): PodCounts {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  const status = isRecord(deployment.status) ? deployment.status : {};
  return { ready: num(status.readyReplicas), desired: typeof spec.replicas === 'number' ? spec.replicas : 1 };
}

/** A DaemonSet's counts: `numberReady` of `desiredNumberScheduled` (one pod per fitting node). */
export function daemonSetCounts(daemonSet: Json): PodCounts {
  const status = isRecord(daemonSet.status) ? daemonSet.status : {};
  return { ready: num(status.numberReady), desired: num(status.desiredNumberScheduled) };
}

/** Waiting reasons of a container that is simply starting: not a problem to report. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: Terminated };
}

interface Terminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  finishedAt?: string;
}

function containerStatuses(pod: Json): ContainerStatus[] {
  const status = isRecord(pod.status) ? pod.status : {};
  return [status.initContainerStatuses, status.containerStatuses].flatMap((list) =>
    Array.isArray(list) ? (list.filter(isRecord) as ContainerStatus[]) : [],
  );
}

function exitOf(t: Terminated | undefined): Health['lastExit'] {
  if (t === undefined) return undefined;
  return {
    ...(typeof t.exitCode === 'number' ? { code: t.exitCode } : {}),
    ...(typeof t.signal === 'number' ? { signal: String(t.signal) } : {}),
    // "Error" only restates a non-zero exit code; OOMKilled, StartError, ... say more.
    ...(t.reason !== undefined && t.reason !== 'Error' && t.reason !== 'Completed'
      ? { error: t.reason }
      : {}),
    ...(t.finishedAt !== undefined ? { time: t.finishedAt } : {}),
  };
}

/** The pod's problem, as the kubelet or the scheduler reports it, if it has one. */
function troubleOf(pod: Json): Pick<Health, 'reason' | 'message' | 'lastExit'> | undefined {
  const name = isRecord(pod.metadata) && typeof pod.metadata.name === 'string' ? pod.metadata.name : 'pod';
  for (const c of containerStatuses(pod)) {
    const waiting = c.state?.waiting;
    if (waiting?.reason === undefined || STARTING.has(waiting.reason)) continue;
    const exit = exitOf(c.lastState?.terminated);
    return {
      reason: waiting.reason,
      message: `pod ${name}, container ${c.name ?? '?'}${waiting.message ? `: ${waiting.message}` : ''}`,
      ...(exit !== undefined ? { lastExit: exit } : {}),
    };
  }
  const status = isRecord(pod.status) ? pod.status : {};
  const unschedulable = conditions(status).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unschedulable?.reason !== undefined)
    return { reason: unschedulable.reason, message: `pod ${name} cannot be scheduled` };
  return undefined;
}

/**
 * A Deployment's health from its pods: ready and desired replicas, the restarts of every
 * container, and the first pod's waiting reason (CrashLoopBackOff, ImagePullBackOff,
 * CreateContainerConfigError, ...) with how its container last terminated.
 */
export function podsHealth(
  deployment: Json,
  pods: readonly Json[],
  counts: PodCounts = deploymentCounts(deployment),
): Health {
  const restarts = pods
    .flatMap(containerStatuses)
    .reduce((sum, c) => sum + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0);
  const health: Health = { ready: counts.ready, desired: counts.desired, restarts };
  for (const pod of pods) {
    const trouble = troubleOf(pod);
    if (trouble !== undefined) return { ...health, ...trouble };
  }
  return health;
}

/** The label selector of a Deployment's pods, as a `labelSelector` query. */
export function podSelector(deployment: Json): string | undefined {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  return labelSelectorOf(
    isRecord(spec.selector) && isRecord(spec.selector.matchLabels) ? spec.selector.matchLabels : {},
  );
}

/** A label map as a `labelSelector` query (`app=web,track=next`); undefined for an empty map. */
export function labelSelectorOf(labels: Readonly<Record<string, unknown>>): string | undefined {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`);
  return pairs.length > 0 ? pairs.join(',') : undefined;
}
