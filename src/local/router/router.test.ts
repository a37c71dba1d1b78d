import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Router } from './router.js';
import { testRouter } from './testing/router.js';
import {
  routerClient,
  runConcurrently,
  startUpstream,
  type RouterClient,
  type TestUpstream,
} from './testing/upstream.js';
import type { RouterConfig } from './types.js';

describe('createRouter', () => {
  let v1: TestUpstream;
  let v2: TestUpstream;
  let router: Router;
  let client: RouterClient;
  let adminUrl: string;

  const config = (w1: number, w2: number): RouterConfig => ({
    services: [
      { name: 'web-primary', namespace: 'prod', endpoints: [v1.endpoint({ version: 'v1' })] },
      { name: 'web', namespace: 'prod', endpoints: [v2.endpoint({ version: 'v2' })] },
    ],
    virtualServices: [
      {
        name: 'web',
        namespace: 'prod',
        spec: {
          hosts: ['web.prod.svc.cluster.local'],
          http: [
            {
              route: [
                { destination: { host: 'web-primary' }, weight: w1 },
                { destination: { host: 'web' }, weight: w2 },
              ],
            },
          ],
        },
      },
    ],
  });

  beforeAll(async () => {
    v1 = await startUpstream('web-primary');
    v2 = await startUpstream('web');
    router = testRouter(config(90, 10), {
      weightedChoice: 'smooth-round-robin',
      identity: { namespace: 'prod' },
    });
    const { port } = await router.listen();
    const admin = await router.listenAdmin();
    adminUrl = `http://127.0.0.1:${admin.port}`;
    client = routerClient(port, 'web');
  });

  afterAll(async () => {
    await client.close();
    await router.close();
    await Promise.all([v1.close(), v2.close()]);
  });

  it('splits exactly with smooth round-robin, resolving the short Host in its namespace', async () => {
    const results = await runConcurrently(1000, 1, () => client.get('/'));
    expect(results.filter((r) => r.body === 'web')).toHaveLength(100);
    expect(results.filter((r) => r.body === 'web-primary')).toHaveLength(900);
  });

  it('serves /metrics, /stats, /config and /healthz on the admin listener', async () => {
    const metrics = await fetch(`${adminUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toMatch(
      /istio_requests_total\{reporter="destination"[^}]*destination_workload="web"/,
    );
    const stats = (await (await fetch(`${adminUrl}/stats`)).json()) as {
      workloads: { workload: string; requests: number }[];
    };
    expect(stats.workloads.some((w) => w.workload === 'web-primary' && w.requests >= 900)).toBe(true);
    const cfg = (await (await fetch(`${adminUrl}/config`)).json()) as { version: number };
    expect(cfg.version).toBe(router.configVersion);
    expect((await fetch(`${adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${adminUrl}/nope`)).status).toBe(404);
  });

  it('reports an endpoint with an invalid port by its path', () => {
    const bad = config(50, 50);
    const first = bad.services[0];
    if (first)
      bad.services = [{ ...first, endpoints: [{ address: '127.0.0.1', port: 70000, workload: 'x' }] }];
    expect(() => {
      router.update(bad);
    }).toThrow(/services\[0\]\.endpoints\[0\]\.port: expected a port/);
  });
});
