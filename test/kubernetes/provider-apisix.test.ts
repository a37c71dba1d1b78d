/**
 * The APISIX provider through the shared provider rollout: the user's ApisixRoute is copied to
 * `<route>-<svc>-canary`, whose weighted backends carry the split.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { APISIX_ROUTE } from '../../src/routing/providers/apisix.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-apisix');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

interface Backend {
  serviceName: string;
  weight?: number;
}
type Http = { name: string; priority?: number; backends?: Backend[] };

/**
 * The canary's share as the APISIX ingress controller computes it for the highest-priority HTTP
 * route: each backend's weight over their sum (a backend without one weighs 100, the
 * controller's default).
 */
function canaryWeight(object: KubeObject): number | undefined {
  const http = (object.spec as { http?: Http[] }).http ?? [];
  const route = [...http].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))[0];
  const backends = route?.backends ?? [];
  if (!backends.some((b) => b.serviceName === 'ap-primary')) return undefined;
  const total = backends.reduce((sum, b) => sum + (b.weight ?? 100), 0);
  const canary = backends.find((b) => b.serviceName === 'ap-canary');
  return canary && total > 0 ? Math.round(((canary.weight ?? 100) * 100) / total) : 0;
}

const userRoute = (ns: string) => ({
  apiVersion: 'apisix.apache.org/v2',
  kind: 'ApisixRoute',
  metadata: { name: 'ap', namespace: ns },
  spec: {
    http: [
      {
        name: 'method',
        match: { hosts: ['app.example.com'], methods: ['GET'], paths: ['/*'] },
        backends: [{ serviceName: 'ap', servicePort: 9898 }],
        plugins: [{ name: 'prometheus', enable: true, config: { prefer_name: true } }],
      },
    ],
  },
});

describe('provider apisix', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary, leaving the user route as it was', async () => {
    const trace = await promoteAndRollBack({
      suite,
      provider: 'apisix',
      name: 'ap',
      spec: { routeRef: { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', name: 'ap' } },
      setup: async () => {
        await suite.client.create(APISIX_ROUTE, userRoute(suite.ns));
      },
      split: { resource: APISIX_ROUTE, name: 'ap-ap-canary', canaryWeight },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
    const user = await suite.client.get(APISIX_ROUTE, suite.ns, 'ap');
    expect(user?.spec).toEqual(userRoute(suite.ns).spec);
    const copy = await suite.client.get(APISIX_ROUTE, suite.ns, 'ap-ap-canary');
    expect((copy?.spec as { http: Http[] }).http[0]?.priority).toBe(10000);
    expect(copy?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Canary', name: 'ap' });
  });
});
