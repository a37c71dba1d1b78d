/**
 * What `serin status --wait` decides from one reading: whether the rollout of the revision the
 * target runs now has an outcome yet. The status alone cannot say: a `Succeeded` written for the
 * previous revision is still there until the controller notices the new one. So each reading pairs
 * the status with the target's revision, hashed exactly as the controller hashes it
 * (`WorkloadPort.targetRevision`), and only a status that judges that revision counts.
 */
import type { CanaryStatus, Decision } from '../api/canary.js';
import type { Revision } from '../engine/ports.js';

export type WaitState = 'pending' | 'succeeded' | 'failed';

export interface WaitOutcome {
  state: WaitState;
  /** One line for people: what was decided, or what it is still waiting for. */
  reason: string;
}

const short = (hash: string | undefined) => (hash === undefined ? 'none' : hash.slice(0, 12));

function sameConfigs(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const left = a ?? {};
  const keys = new Set([...Object.keys(left), ...Object.keys(b)]);
  return [...keys].every((k) => left[k] === b[k]);
}

function lastDecision(status: CanaryStatus, actions: readonly string[]): Decision | undefined {
  return [...(status.decisions ?? [])].reverse().find((d) => actions.includes(d.action));
}

/** Whether the status says it is judging (or has judged) exactly this revision. */
export function judges(status: CanaryStatus, revision: Revision): boolean {
  return status.lastAppliedSpec === revision.specHash && sameConfigs(status.trackedConfigs, revision.configs);
}

/** Phases in which no run is under way or about to start for the applied revision. */
const SETTLED = new Set(['Initialized', 'Succeeded', 'Failed']);

function outcomeOfJudged(status: CanaryStatus, revision: Revision): WaitOutcome {
  const rev = short(revision.specHash);
  switch (status.phase) {
    case 'Succeeded':
      return { state: 'succeeded', reason: `revision ${rev} promoted` };
    case 'Initialized':
      return { state: 'succeeded', reason: `revision ${rev} is the initial revision: the primary runs it` };
    case 'Failed': {
      const why = lastDecision(status, ['Rollback', 'PromotionFailed'])?.reason;
      return { state: 'failed', reason: `revision ${rev} rolled back${why ? `: ${why}` : ''}` };
    }
    case 'Terminating':
    case 'Terminated':
      return { state: 'failed', reason: `the canary is being deleted before revision ${rev} finished` };
    default: {
      const weight = status.canaryWeight ?? 0;
      return {
        state: 'pending',
        reason: `revision ${rev} ${status.phase ?? 'Pending'}, canary weight ${weight}%`,
      };
    }
  }
}

/**
 * The outcome for `revision` as far as `status` tells. A revision the status does not judge yet is
 * pending ("not picked up yet"), except a return to the promoted revision: the controller starts
 * no run for it (the primary already runs it), so that is a success at once.
 */
export function waitOutcome(status: CanaryStatus | undefined, revision: Revision): WaitOutcome {
  const s = status ?? {};
  if (s.phase === undefined || s.phase === 'Initializing')
    return { state: 'pending', reason: 'waiting for the controller to initialize the canary' };
  if (judges(s, revision)) return outcomeOfJudged(s, revision);
  const backToPromoted =
    s.lastPromotedSpec === revision.specHash &&
    sameConfigs(s.trackedConfigs, revision.configs) &&
    SETTLED.has(s.phase);
  if (backToPromoted)
    return {
      state: 'succeeded',
      reason: `revision ${short(revision.specHash)} is the promoted one: the primary runs it`,
    };
  return {
    state: 'pending',
    reason: `revision ${short(revision.specHash)} not picked up yet (status judges ${short(s.lastAppliedSpec)}, ${s.phase})`,
  };
}
