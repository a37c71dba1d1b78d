/**
 * The kubernetes provider through the shared provider rollout: blue/green by iterations with no
 * routing object at all. The apex Service must select the primary's pods at every step (what a
 * cluster without a mesh routes by), and nothing but Services may be written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resources } from '../../src/kubernetes/resources.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { recordObjects, startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-kubernetes');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

describe('provider kubernetes', { timeout: 300_000 }, () => {
  it('promotes after its iterations and rolls back, the apex Service always on the primary', async () => {
    const services = recordObjects(suite.client, Resources.service, suite.ns);
    const trace = await promoteAndRollBack({
      suite,
      provider: 'kubernetes',
      name: 'bg',
      analysis: { iterations: 2 },
    });
    await services.stop();
    expect(trace).toEqual({ promotion: [], rollback: [] });
    const apex = services.seen.filter((s) => s.metadata.name === 'bg');
    expect(apex.length).toBeGreaterThan(0);
    for (const version of apex)
      expect((version.spec as { selector?: Record<string, string> }).selector).toEqual({ app: 'bg-primary' });
    expect((await suite.client.list(Resources.virtualService, suite.ns)).items).toEqual([]);
    expect((await suite.client.list(Resources.httpRoute, suite.ns)).items).toEqual([]);
  });
});
