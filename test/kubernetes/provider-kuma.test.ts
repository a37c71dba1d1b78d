/** The Kuma provider through the shared provider rollout: a cluster-scoped TrafficRoute's split. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { KUMA_TRAFFIC_ROUTE } from '../../src/routing/providers/kuma.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-kuma');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

/**
 * The canary's share as Kuma's data plane receives it for the apex service: each split entry's
 * weight over their sum, the canary being the Kuma service `<svc>-canary_<namespace>_svc_<port>`.
 */
function canaryWeight(object: KubeObject): number | undefined {
  const spec = object.spec as {
    destinations?: { match?: Record<string, string> }[];
    conf?: { split?: { weight: number; destination: Record<string, string> }[] };
  };
  if (spec.destinations?.[0]?.match?.['kuma.io/service'] !== `ku_${suite.ns}_svc_9898`) return undefined;
  const split = spec.conf?.split ?? [];
  const total = split.reduce((sum, s) => sum + s.weight, 0);
  const canary = split.find((s) => s.destination['kuma.io/service'] === `ku-canary_${suite.ns}_svc_9898`);
  if (total === 0) return undefined;
  return canary ? Math.round((canary.weight * 100) / total) : 0;
}

describe('provider kuma', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary, in the mesh the annotation names', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'kuma',
      name: 'ku',
      split: { resource: KUMA_TRAFFIC_ROUTE, name: 'ku', canaryWeight },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
    const live = await suite.client.get(KUMA_TRAFFIC_ROUTE, '', 'ku');
    expect(live?.mesh).toBe('default');
    expect(live?.metadata.namespace).toBeUndefined();
  });
});
