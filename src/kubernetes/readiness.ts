/**
 * Whether a Deployment can serve, by Flagger's isDeploymentReady rules: stuck for good (progress
 * deadline) is not retriable and rolls back; anything still rolling out is retriable.
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
