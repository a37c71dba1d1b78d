/**
 * The linkerd provider through the shared provider rollout: an SMI TrafficSplit v1alpha1, whose
 * backend weights are Kubernetes quantities, read as the linkerd-smi adaptor reads them (each
 * backend's share of the sum of all weights).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { trafficSplitResource } from '../../src/routing/providers/smi.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';
import { trafficSplitCanaryShare } from './traffic-split-oracle.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-linkerd');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

describe('provider linkerd', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'linkerd',
      name: 'l5d',
      split: {
        resource: trafficSplitResource('v1alpha1'),
        name: 'l5d',
        canaryWeight: (split: KubeObject) => trafficSplitCanaryShare(split, 'l5d-canary'),
      },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
  });
});
