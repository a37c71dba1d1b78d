/**
 * The osm and smi:v1alpha3 providers through the shared provider rollout: an SMI TrafficSplit with
 * integer weights (v1alpha2 for OSM, as Flagger's factory picks; v1alpha3 for a generic SMI mesh),
 * read as an SMI mesh reads it (each backend's share of the sum of all weights).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { trafficSplitResource, type SmiVersion } from '../../src/routing/providers/smi.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';
import { trafficSplitCanaryShare } from './traffic-split-oracle.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-osm');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

describe('SMI providers with integer weights', { timeout: 300_000 }, () => {
  it.each<[string, string, SmiVersion]>([
    ['osm', 'osm', 'v1alpha2'],
    ['smi:v1alpha3', 'smi3', 'v1alpha3'],
  ])('%s promotes in steps and rolls back to the primary', async (provider, name, version) => {
    const trace = await promoteAndRollBack({
      suite,
      provider,
      name,
      split: {
        resource: trafficSplitResource(version),
        name,
        canaryWeight: (split: KubeObject) =>
          split.apiVersion === `split.smi-spec.io/${version}`
            ? trafficSplitCanaryShare(split, `${name}-canary`)
            : undefined,
      },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
  });
});
