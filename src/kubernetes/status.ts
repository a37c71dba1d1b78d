/**
 * StatusPort on the Canary's status subresource. The status is written with PUT against the live
 * resourceVersion and retried on conflict (someone edited the spec or metadata in between); only
 * `.status` changes through the subresource, so a retry never overwrites the user's spec.
 * For a group whose CRD would prune Serin's fields (Flagger's), the complete status goes to the
 * companion first and the Canary gets the fields its CRD declares (canary-state.ts, ADR 0010).
 */
import type { Canary, CanaryStatus } from '../api/canary.js';
import type { Condition } from '../api/common.js';
import type { StatusPort } from '../engine/ports.js';
import { flaggerProjection, needsCompanion, readCompanion, writeCompanion } from './canary-state.js';
import { isConflict, type KubeClient } from './client.js';
import { StatusOvertaken, statusFingerprint } from './fencing.js';
import { canaryNamespace } from './objects.js';
import { canaryTypeFor } from './resources.js';

const MAX_ATTEMPTS = 5;

/** `Ready`: whether the canary is in a healthy state, beside Flagger's `Promoted`. */
export function readyCondition(
  status: CanaryStatus,
  previous: Condition | undefined,
  now: string,
): Condition {
  const failed = status.phase === 'Failed';
  const state = failed ? 'False' : 'True';
  const reason = failed ? 'Failed' : (status.phase ?? 'Initializing');
  const message = failed
    ? 'the last rollout failed and was rolled back'
    : `canary is ${status.phase ?? 'initializing'}`;
  const transition = previous?.status === state ? (previous.lastTransitionTime ?? now) : now;
  const unchanged = previous?.status === state && previous.reason === reason;
  return {
    type: 'Ready',
    status: state,
    reason,
    message,
    lastUpdateTime: unchanged ? (previous.lastUpdateTime ?? now) : now,
    lastTransitionTime: transition,
  };
}

export function withReadyCondition(status: CanaryStatus, now: Date): CanaryStatus {
  const conditions = status.conditions ?? [];
  const previous = conditions.find((c) => c.type === 'Ready');
  const others = conditions.filter((c) => c.type !== 'Ready');
  return { ...status, conditions: [...others, readyCondition(status, previous, now.toISOString())] };
}

export class KubernetesStatus implements StatusPort {
  /** Status writes performed (for the scale benchmark: an idle canary must cause none). */
  writes = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(canary: Canary, status: CanaryStatus): Promise<void> {
    const type = canaryTypeFor(canary.apiVersion);
    const ns = canaryNamespace(canary);
    const next = withReadyCondition(status, this.now());
    const companion = needsCompanion(type);
    const first = await this.client.get(type, ns, canary.metadata.name);
    if (!first) return; // deleted meanwhile: nothing to record
    // Compare-and-swap: only over the status this write is based on (see fencing.ts). A flagger.app
    // Canary keeps the engine's progress in its companion, its own status holds Flagger's fields.
    const stored = companion
      ? ((await readCompanion(this.client, first)) ?? (first.status as CanaryStatus | undefined))
      : (first.status as CanaryStatus | undefined);
    if (statusFingerprint(stored) !== statusFingerprint(canary.status))
      throw new StatusOvertaken(`${ns}/${canary.metadata.name}`);
    if (companion) await writeCompanion(this.client, canary, next);
    const onCanary = companion ? flaggerProjection(next) : next;
    for (let attempt = 1; ; attempt++) {
      const live = attempt === 1 ? first : await this.client.get(type, ns, canary.metadata.name);
      if (!live) return; // deleted meanwhile: nothing to record
      if (
        !companion &&
        attempt > 1 &&
        statusFingerprint(live.status as CanaryStatus) !== statusFingerprint(canary.status)
      )
        throw new StatusOvertaken(`${ns}/${canary.metadata.name}`);
      try {
        this.writes++;
        await this.client.replace(type, { ...live, status: onCanary }, 'status');
        canary.status = next;
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
      }
    }
  }
}
