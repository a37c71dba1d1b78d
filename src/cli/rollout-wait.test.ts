import { describe, expect, it } from 'vitest';
import type { CanaryStatus } from '../api/canary.js';
import { waitOutcome } from './rollout-wait.js';

const rev = (specHash: string, configs: Record<string, string> = {}) => ({ specHash, configs });
const rolledBack = {
  time: '2026-01-01T00:00:00Z',
  phase: 'Failed' as const,
  action: 'Rollback',
  reason: 'failed checks threshold reached 2/2',
};

describe('waitOutcome', () => {
  it('takes a Succeeded written for another revision as pending, not as the answer', () => {
    const status: CanaryStatus = { phase: 'Succeeded', lastAppliedSpec: 'old', lastPromotedSpec: 'old' };
    expect(waitOutcome(status, rev('new'))).toMatchObject({ state: 'pending' });
    expect(waitOutcome(status, rev('new')).reason).toContain('not picked up yet');
  });

  it('answers for the revision the status judges', () => {
    const judged = { lastAppliedSpec: 'new', lastPromotedSpec: 'old' };
    expect(waitOutcome({ ...judged, phase: 'Progressing', canaryWeight: 20 }, rev('new'))).toMatchObject({
      state: 'pending',
      reason: 'revision new Progressing, canary weight 20%',
    });
    expect(waitOutcome({ ...judged, phase: 'Promoting' }, rev('new')).state).toBe('pending');
    expect(waitOutcome({ ...judged, phase: 'Succeeded', lastPromotedSpec: 'new' }, rev('new')).state).toBe(
      'succeeded',
    );
    const failed = waitOutcome({ ...judged, phase: 'Failed', decisions: [rolledBack] }, rev('new'));
    expect(failed).toEqual({ state: 'failed', reason: `revision new rolled back: ${rolledBack.reason}` });
  });

  it('compares tracked configs too: a config change is a new revision', () => {
    const status: CanaryStatus = {
      phase: 'Succeeded',
      lastAppliedSpec: 'same',
      lastPromotedSpec: 'same',
      trackedConfigs: { 'configmap/app': 'a' },
    };
    expect(waitOutcome(status, rev('same', { 'configmap/app': 'b' })).state).toBe('pending');
    expect(waitOutcome(status, rev('same', { 'configmap/app': 'a' })).state).toBe('succeeded');
  });

  it('is pending until the canary is initialized, and done at once for a return to the promoted revision', () => {
    expect(waitOutcome(undefined, rev('x')).state).toBe('pending');
    expect(waitOutcome({ phase: 'Initializing' }, rev('x')).state).toBe('pending');
    expect(
      waitOutcome({ phase: 'Initialized', lastAppliedSpec: 'x', lastPromotedSpec: 'x' }, rev('x')).state,
    ).toBe('succeeded');
    const afterRollback: CanaryStatus = { phase: 'Failed', lastAppliedSpec: 'bad', lastPromotedSpec: 'good' };
    expect(waitOutcome(afterRollback, rev('good')).state).toBe('succeeded');
    expect(waitOutcome(afterRollback, rev('bad')).state).toBe('failed');
    // Mid-run the engine restarts the analysis for any other revision, the promoted one included.
    expect(waitOutcome({ ...afterRollback, phase: 'Progressing' }, rev('good')).state).toBe('pending');
  });
});
