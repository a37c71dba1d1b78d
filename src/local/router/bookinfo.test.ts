import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationRuleSpec, VirtualServiceSpec } from '../../routing/istio/types.js';
import type { Router } from './router.js';
import { apply, testRouter } from './testing/router.js';
import {
  binomialBounds,
  routerClient,
  runConcurrently,
  startUpstream,
  type RouterClient,
  type TestUpstream,
} from './testing/upstream.js';
import type { NamedResource, RouterConfig } from './types.js';

/**
 * Istio's Bookinfo traffic-management samples (samples/bookinfo/networking), executed by the
 * router against real upstream servers: the same VirtualServices must behave as in a mesh.
 */

const NS = 'bookinfo';
const versions = ['v1', 'v2', 'v3'] as const;

function rule(host: string, subsets: readonly string[]): NamedResource<DestinationRuleSpec> {
  return {
    name: host,
    namespace: NS,
    spec: { host, subsets: subsets.map((name) => ({ name, labels: { version: name } })) },
  };
}

function vs(name: string, spec: VirtualServiceSpec): NamedResource<VirtualServiceSpec> {
  return { name, namespace: NS, spec };
}

const reviewsSplit = (v1: number, v2: number): VirtualServiceSpec => ({
  hosts: ['reviews'],
  http: [
    {
      route: [
        { destination: { host: 'reviews', subset: 'v1' }, weight: v1 },
        { destination: { host: 'reviews', subset: 'v2' }, weight: v2 },
      ],
    },
  ],
});

describe('Bookinfo samples through the router', () => {
  const reviews: TestUpstream[] = [];
  let ratings: TestUpstream;
  let router: Router;
  let client: RouterClient;

  const baseConfig = (virtualServices: NamedResource<VirtualServiceSpec>[]): RouterConfig => ({
    services: [
      {
        name: 'reviews',
        namespace: NS,
        endpoints: reviews.map((u, i) => u.endpoint({ app: 'reviews', version: versions[i] ?? 'v1' })),
      },
      { name: 'ratings', namespace: NS, endpoints: [ratings.endpoint({ app: 'ratings', version: 'v1' })] },
    ],
    destinationRules: [rule('reviews', versions), rule('ratings', ['v1'])],
    virtualServices,
  });

  beforeAll(async () => {
    for (const v of versions) reviews.push(await startUpstream(`reviews-${v}`));
    ratings = await startUpstream('ratings-v1');
    router = testRouter(baseConfig([]), { identity: { namespace: NS } });
    const { port } = await router.listen(0, '127.0.0.1');
    client = routerClient(port, 'reviews');
  });

  afterAll(async () => {
    await client.close();
    await router.close();
    await Promise.all([...reviews, ratings].map((u) => u.close()));
  });

  async function countServedBy(n: number, host = 'reviews'): Promise<Map<string, number>> {
    const results = await runConcurrently(n, 16, () => client.get('/reviews/0', { host }));
    const counts = new Map<string, number>();
    for (const r of results) {
      expect(r.status).toBe(200);
      counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
    }
    return counts;
  }

  it.each([
    [90, 10],
    [80, 20],
  ])('virtual-service-reviews-%i-%i splits within binomial tolerance', async (w1, w2) => {
    await apply(router, baseConfig([vs('reviews', reviewsSplit(w1, w2))]));
    const n = 2000;
    const counts = await countServedBy(n);
    const bounds = binomialBounds(n, w2 / 100);
    const v2 = counts.get('reviews-v2') ?? 0;
    expect(v2).toBeGreaterThanOrEqual(bounds.min);
    expect(v2).toBeLessThanOrEqual(bounds.max);
    expect((counts.get('reviews-v1') ?? 0) + v2).toBe(n);
    expect(counts.get('reviews-v3')).toBeUndefined();
  });

  it('virtual-service-reviews-test-v2: end-user jason goes to v2, everyone else to v1', async () => {
    await apply(
      router,
      baseConfig([
        vs('reviews', {
          hosts: ['reviews'],
          http: [
            {
              match: [{ headers: { 'end-user': { exact: 'jason' } } }],
              route: [{ destination: { host: 'reviews', subset: 'v2' } }],
            },
            { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
          ],
        }),
      ]),
    );
    for (let i = 0; i < 20; i++) {
      expect((await client.get('/reviews/0', { headers: { 'end-user': 'jason' } })).body).toBe('reviews-v2');
      expect((await client.get('/reviews/0', { headers: { 'end-user': 'Jason' } })).body).toBe('reviews-v1');
      expect((await client.get('/reviews/0')).body).toBe('reviews-v1');
    }
  });

  it('virtual-service-ratings-test-delay: jason waits for the fixed delay, others do not', async () => {
    const delayMs = 700;
    await apply(
      router,
      baseConfig([
        vs('ratings', {
          hosts: ['ratings'],
          http: [
            {
              match: [{ headers: { 'end-user': { exact: 'jason' } } }],
              fault: { delay: { percentage: { value: 100 }, fixedDelay: `${delayMs}ms` } },
              route: [{ destination: { host: 'ratings', subset: 'v1' } }],
            },
            { route: [{ destination: { host: 'ratings', subset: 'v1' } }] },
          ],
        }),
      ]),
    );
    const started = performance.now();
    const delayed = await client.get('/ratings/0', { host: 'ratings', headers: { 'end-user': 'jason' } });
    // Semantics, not performance: the response cannot arrive before the injected delay has passed.
    expect(performance.now() - started).toBeGreaterThanOrEqual(delayMs - 5);
    expect(delayed.status).toBe(200);
    expect(delayed.body).toBe('ratings-v1');
    await router.flush();
    const stats = router
      .snapshot()
      .workloads.find((w) => w.reporter === 'source' && w.workload === 'ratings-v1');
    expect(stats?.requests).toBeGreaterThanOrEqual(1);
    const metrics = await router.metrics();
    expect(metrics).toMatch(
      /istio_requests_total\{[^}]*reporter="source"[^}]*destination_workload="ratings-v1"[^}]*response_flags="DI"/,
    );
  });

  it('virtual-service-ratings-test-abort: jason gets HTTP 500 from the fault, the upstream never sees it', async () => {
    await apply(
      router,
      baseConfig([
        vs('ratings', {
          hosts: ['ratings'],
          http: [
            {
              match: [{ headers: { 'end-user': { exact: 'jason' } } }],
              fault: { abort: { percentage: { value: 100 }, httpStatus: 500 } },
              route: [{ destination: { host: 'ratings', subset: 'v1' } }],
            },
            { route: [{ destination: { host: 'ratings', subset: 'v1' } }] },
          ],
        }),
      ]),
    );
    const before = ratings.seen.length;
    const aborted = await client.get('/ratings/0', { host: 'ratings', headers: { 'end-user': 'jason' } });
    expect(aborted.status).toBe(500);
    expect(aborted.headers['x-serin-response-flags']).toBe('FI');
    expect(ratings.seen.length).toBe(before);
    const ok = await client.get('/ratings/0', { host: 'ratings' });
    expect(ok.status).toBe(200);
    expect(ratings.seen.length).toBe(before + 1);
  });

  it('aborts only the configured percentage of requests (fault-injection-details style, 503 at 30 %)', async () => {
    await apply(
      router,
      baseConfig([
        vs('ratings', {
          hosts: ['ratings'],
          http: [
            {
              fault: { abort: { percentage: { value: 30 }, httpStatus: 503 } },
              route: [{ destination: { host: 'ratings', subset: 'v1' } }],
            },
          ],
        }),
      ]),
    );
    const n = 1000;
    const results = await runConcurrently(n, 16, () => client.get('/ratings/0', { host: 'ratings' }));
    const aborted = results.filter((r) => r.status === 503).length;
    const served = results.filter((r) => r.status === 200).length;
    expect(aborted + served).toBe(n);
    const bounds = binomialBounds(n, 0.3);
    expect(aborted).toBeGreaterThanOrEqual(bounds.min);
    expect(aborted).toBeLessThanOrEqual(bounds.max);
  });

  it('answers the non-standard 555 abort of fault-injection-details-v1', async () => {
    await apply(
      router,
      baseConfig([
        vs('ratings', {
          hosts: ['ratings'],
          http: [
            {
              fault: { abort: { percentage: { value: 100 }, httpStatus: 555 } },
              route: [{ destination: { host: 'ratings', subset: 'v1' } }],
            },
          ],
        }),
      ]),
    );
    const res = await client.get('/ratings/0', { host: 'ratings.bookinfo.svc.cluster.local' });
    expect(res.status).toBe(555);
    expect(res.body).toContain('fault filter abort');
  });
});
