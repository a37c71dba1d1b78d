/**
 * The gloo provider through the shared provider rollout: a RouteTable whose first route splits
 * between two Upstreams, read as Gloo reads a multi destination (each destination's share of the
 * sum of weights, a destination without a weight getting none), and the Upstreams checked the way
 * Gloo resolves them: a kube Upstream on the Service, selecting that Service's pods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { ROUTE_TABLE, UPSTREAM } from '../../src/routing/providers/gloo.js';
import { promoteAndRollBack } from './provider-rollout.js';
import { startControllerSuite, type ControllerSuite } from './support.js';

let suite: ControllerSuite;
beforeAll(async () => {
  suite = await startControllerSuite('provider-gloo');
}, 60_000);
afterAll(async () => {
  await suite.stop();
});

interface Destination {
  destination?: { upstream?: { name?: string } };
  weight?: number;
}
interface Route {
  matchers?: { headers?: { name: string }[] }[];
  routeAction?: { multi?: { destinations?: Destination[] } };
}

function share(route: Route | undefined, upstream: string): number | undefined {
  const destinations = route?.routeAction?.multi?.destinations;
  if (!destinations) return undefined;
  const total = destinations.reduce((sum, d) => sum + (d.weight ?? 0), 0);
  const target = destinations.find((d) => d.destination?.upstream?.name === upstream);
  if (!target || total === 0) return undefined;
  return Math.round(((target.weight ?? 0) * 100) / total);
}

const routesOf = (table: KubeObject) => (table.spec as { routes?: Route[] }).routes ?? [];

describe('provider gloo', { timeout: 300_000 }, () => {
  it('promotes in steps and rolls back to the primary, on upstreams that select the Services’ pods', async () => {
    const ns = suite.ns;
    const upstream = (role: string) => `${ns}-gl-${role}upstream-9898`;
    const trace = await promoteAndRollBack({
      suite,
      provider: 'gloo',
      name: 'gl',
      spec: {
        upstreamRef: { apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', name: 'gl-config', namespace: ns },
      },
      setup: async () => {
        await suite.client.create(UPSTREAM, {
          apiVersion: 'gloo.solo.io/v1',
          kind: 'Upstream',
          metadata: { name: 'gl-config', namespace: ns },
          spec: { loadBalancerConfig: { leastRequest: { choiceCount: 2 } } },
        });
      },
      split: {
        resource: ROUTE_TABLE,
        name: 'gl',
        canaryWeight: (t) => share(routesOf(t)[0], upstream('canary')),
      },
    });
    expect(trace.promotion).toEqual([0, 25, 50, 0]);
    expect(trace.rollback[0]).toBe(0);
    expect(trace.rollback.at(-1)).toBe(0);
    expect(trace.rollback).toContain(25);
    for (const role of ['primary', 'canary']) {
      const live = await suite.client.get(UPSTREAM, ns, upstream(role));
      const svc = await suite.client.get(Resources.service, ns, `gl-${role}`);
      expect(live?.spec).toMatchObject({
        loadBalancerConfig: { leastRequest: { choiceCount: 2 } },
        kube: { serviceName: `gl-${role}`, serviceNamespace: ns, servicePort: 9898 },
      });
      expect((live?.spec as { kube: { selector?: unknown } }).kube.selector).toEqual(
        (svc?.spec as { selector?: unknown }).selector,
      );
    }
  });

  it('A/B: the matched route carries the canary, everyone else stays on the primary', async () => {
    const ns = suite.ns;
    const canaryUpstream = `${ns}-glab-canaryupstream-9898`;
    const trace = await promoteAndRollBack({
      suite,
      provider: 'gloo',
      name: 'glab',
      analysis: { iterations: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] },
      split: {
        resource: ROUTE_TABLE,
        name: 'glab',
        canaryWeight: (table) => {
          const routes = routesOf(table);
          const matched = routes.find((r) =>
            r.matchers?.some((m) => m.headers?.some((h) => h.name === 'x-canary')),
          );
          const rest = routes.find((r) => r.matchers === undefined);
          if (share(rest, canaryUpstream) !== 0) return -1;
          return share(matched, canaryUpstream);
        },
      },
    });
    expect(trace.promotion).toEqual([0, 100, 0]);
    expect(trace.rollback).toEqual([0, 100, 0]);
  });
});
