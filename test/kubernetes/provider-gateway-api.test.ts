/** The Gateway API provider through the shared provider rollout: an HTTPRoute's backendRef weights. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-gatewayapi');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

/** The canary backend's share of the first rule, as a Gateway implementation computes it. */
function canaryWeight(route: KubeObject): number | undefined {
  const refs = (route.spec as { rules?: { backendRefs?: { name: string; weight?: number }[] }[] }).rules?.[0]
    ?.backendRefs;
  const canary = refs?.find((r) => r.name === 'gw-canary');
  const total = refs?.reduce((sum, r) => sum + (r.weight ?? 1), 0);
  if (!canary || !total) return undefined;
  return Math.round(((canary.weight ?? 1) * 100) / total);
}

describe('provider gatewayapi:v1', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'gatewayapi:v1',
      name: 'gw',
      spec: { service: { gatewayRefs: [{ name: 'public', namespace: 'gateway' }] } },
      split: { resource: Resources.httpRoute, name: 'gw', canaryWeight },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
  });
});
