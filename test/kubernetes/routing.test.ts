/**
 * End to end: how the controller treats routing objects — drift is corrected, merge mode touches
 * only the canary's destinations in a VirtualService the user owns, and Gateway API HTTPRoutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import {
  canary,
  deployment,
  setImage,
  waitFor,
  waitForPhase,
  startControllerSuite,
  type ControllerSuite,
} from './support.js';

let suite: ControllerSuite;
let client: KubeClient;
let ns: string;

beforeAll(async () => {
  suite = await startControllerSuite('routing');
  ({ client, ns } = suite);
}, 60_000);

afterAll(async () => {
  await suite.stop();
});

describe('routing objects', { timeout: 150_000 }, () => {
  it('corrects drift: weights edited by hand are put back', async () => {
    await client.create(Resources.deployment, deployment(ns, 'drift'));
    await client.create(Resources.serinCanary, canary(ns, 'drift'));
    await waitForPhase(client, ns, 'drift', 'Initialized');
    const vs = await client.get(Resources.virtualService, ns, 'drift');
    const edited = JSON.parse(JSON.stringify(vs)) as { spec: { http: { route: { weight: number }[] }[] } };
    edited.spec.http[0]!.route[0]!.weight = 20;
    edited.spec.http[0]!.route[1]!.weight = 80;
    await client.replace(Resources.virtualService, edited as never);
    await waitFor('weights restored', async () => {
      const now = await client.get(Resources.virtualService, ns, 'drift');
      return JSON.stringify(now?.spec).includes('"weight":100');
    });
  });

  it("merge mode: only the destinations of the canary route change; other routes are the user's", async () => {
    await client.create(Resources.deployment, deployment(ns, 'shop'));
    const userRoutes = [
      {
        name: 'legacy',
        match: [{ uri: { prefix: '/legacy' } }],
        route: [{ destination: { host: 'legacy-backend' } }],
        fault: { delay: { fixedDelay: '1s', percentage: { value: 5 } } },
      },
      { name: 'main', route: [{ destination: { host: 'shop' } }], retries: { attempts: 3 } },
    ];
    await client.create(Resources.virtualService, {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'shop', namespace: ns },
      spec: { hosts: ['shop.example.com'], gateways: ['public'], http: userRoutes },
    });
    await client.create(
      Resources.serinCanary,
      canary(ns, 'shop', { service: { port: 9898, routing: 'merge' } }),
    );
    await waitForPhase(client, ns, 'shop', 'Initialized');
    await setImage(client, ns, 'shop', 'example/shop:2');
    await waitFor("canary at 50 in the user's route", async () => {
      const vs = await client.get(Resources.virtualService, ns, 'shop');
      return /"host":"shop-canary"\},"weight":50/.test(JSON.stringify(vs?.spec));
    });
    const vs = (await client.get(Resources.virtualService, ns, 'shop')) as unknown as {
      spec: { hosts: string[]; gateways: string[]; http: Record<string, unknown>[] };
    };
    expect(vs.spec.hosts).toEqual(['shop.example.com']);
    expect(vs.spec.gateways).toEqual(['public']);
    expect(vs.spec.http[0]).toEqual(userRoutes[0]);
    expect(vs.spec.http[1]).toMatchObject({ name: 'main', retries: { attempts: 3 } });
    await waitForPhase(client, ns, 'shop', 'Succeeded', 60_000);
  });

  it('Gateway API: an HTTPRoute with weighted backends', async () => {
    await client.create(Resources.deployment, deployment(ns, 'gw'));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'gw', {
        provider: 'gateway-api',
        service: {
          port: 9898,
          hosts: ['gw.example.com'],
          gatewayRefs: [{ name: 'edge', namespace: 'infra' }],
        },
      }),
    );
    await waitForPhase(client, ns, 'gw', 'Initialized');
    const route = await client.get(Resources.httpRoute, ns, 'gw');
    expect(route?.spec).toMatchObject({
      parentRefs: [{ name: 'edge', namespace: 'infra' }],
      hostnames: ['gw.example.com'],
      rules: [
        {
          backendRefs: [
            { name: 'gw-primary', port: 9898, weight: 100 },
            { name: 'gw-canary', port: 9898, weight: 0 },
          ],
        },
      ],
    });
    await setImage(client, ns, 'gw', 'example/gw:2');
    await waitFor('canary backend at 50', async () =>
      JSON.stringify((await client.get(Resources.httpRoute, ns, 'gw'))?.spec).includes(
        '"name":"gw-canary","port":9898,"weight":50',
      ),
    );
    await waitForPhase(client, ns, 'gw', 'Succeeded', 60_000);
  });
});
