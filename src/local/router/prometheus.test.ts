import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, waitForQuery, type TestPrometheus } from '../../../test/support/prometheus.js';
import type { Router } from './router.js';
import { testRouter } from './testing/router.js';
import { routerClient, startUpstream, type RouterClient, type TestUpstream } from './testing/upstream.js';

const NAMESPACE = 'test';
const TARGET = 'podinfo';
const INTERVAL = '30s';
/** Istio's bucket (1000, 2500] holds every canary response, with 1.3 s of slack for a busy machine. */
const CANARY_DELAY_MS = 1200;

/** Flagger's built-in queries (pkg/metrics/observers/istio.go) with namespace, target and interval filled in. */
const flaggerSuccessRate = (target: string) =>
  `sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="${NAMESPACE}", destination_workload=~"${target}", response_code!~"5.*" }[${INTERVAL}] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="${NAMESPACE}", destination_workload=~"${target}" }[${INTERVAL}] ) ) * 100`;
const flaggerDuration = (target: string) =>
  `histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="${NAMESPACE}", destination_workload=~"${target}" }[${INTERVAL}] ) ) by (le) )`;

/**
 * A real Prometheus scrapes the router's /metrics while traffic flows through a 50/50 split;
 * Flagger's built-in queries, unchanged, must see the canary's 10 % errors and its latency.
 */
describe('router telemetry scraped by a real Prometheus', () => {
  let primary: TestUpstream;
  let canary: TestUpstream;
  let router: Router;
  let client: RouterClient;
  let prometheus: TestPrometheus;
  let loadTimer: NodeJS.Timeout | undefined;
  let canaryServed = 0;
  const failures: unknown[] = [];

  beforeAll(async () => {
    primary = await startUpstream(`${TARGET}-primary`);
    canary = await startUpstream(TARGET, (_req, res) => {
      // Every tenth canary response is a 500, all after the injected latency: 90 % success, p99 in (1000, 2500].
      const n = ++canaryServed;
      setTimeout(() => {
        res.writeHead(n % 10 === 0 ? 500 : 200);
        res.end(TARGET);
      }, CANARY_DELAY_MS);
    });
    router = testRouter(
      {
        services: [
          {
            name: `${TARGET}-primary`,
            namespace: NAMESPACE,
            endpoints: [primary.endpoint({ app: TARGET, version: 'v1' })],
          },
          {
            name: `${TARGET}-canary`,
            namespace: NAMESPACE,
            endpoints: [canary.endpoint({ app: TARGET, version: 'v2' })],
          },
        ],
        virtualServices: [
          {
            name: TARGET,
            namespace: NAMESPACE,
            spec: {
              hosts: [TARGET],
              http: [
                {
                  // No retries: a retried 500 would hide the failure from the source side only.
                  retries: { attempts: 0 },
                  route: [
                    { destination: { host: `${TARGET}-primary` }, weight: 50 },
                    { destination: { host: `${TARGET}-canary` }, weight: 50 },
                  ],
                },
              ],
            },
          },
        ],
      },
      { identity: { namespace: NAMESPACE, workload: 'loadtester' } },
    );
    const { port } = await router.listen();
    const admin = await router.listenAdmin();
    client = routerClient(port, TARGET);
    prometheus = await startPrometheus({
      targets: [{ address: `127.0.0.1:${admin.port}`, job: 'serin-router' }],
    });
    // A steady 50 requests per second for the whole test.
    loadTimer = setInterval(() => {
      client.get('/').catch((error: unknown) => failures.push(error));
    }, 20);
  });

  afterAll(async () => {
    if (loadTimer !== undefined) clearInterval(loadTimer);
    await prometheus.stop();
    await client.close();
    await router.close();
    await Promise.all([primary.close(), canary.close()]);
  });

  it('answers Flagger request-success-rate and request-duration for the canary', async () => {
    // Wait for a window with enough canary traffic that one request moves the rate by < 0.5 %.
    await waitForQuery(
      prometheus,
      `sum(increase(istio_requests_total{reporter="destination",destination_workload="${TARGET}"}[${INTERVAL}]))`,
      (a) => (a.values[0] ?? 0) >= 200,
      90_000,
    );
    const successRate = await prometheus.query(flaggerSuccessRate(TARGET));
    expect(successRate.resultType).toBe('vector');
    expect(successRate.values).toHaveLength(1);
    expect(successRate.values[0]).toBeGreaterThan(88.5);
    expect(successRate.values[0]).toBeLessThan(91.5);

    const p99 = await prometheus.query(flaggerDuration(TARGET));
    expect(p99.values).toHaveLength(1);
    // Every canary response took >= 1.2 s: the 99th percentile lies in Istio's (1000, 2500] bucket.
    expect(p99.values[0]).toBeGreaterThan(1000);
    expect(p99.values[0]).toBeLessThanOrEqual(2500);

    // The anchored regex keeps the primary out of the canary's numbers, as in Flagger.
    const primaryRate = await prometheus.query(flaggerSuccessRate(`${TARGET}-primary`));
    expect(primaryRate.values).toEqual([100]);
    const primaryP99 = await prometheus.query(flaggerDuration(`${TARGET}-primary`));
    expect(primaryP99.values[0]).toBeLessThan(1000);

    const unknown = await prometheus.query(flaggerSuccessRate('nosuch'));
    expect(unknown.values).toEqual([]);
    expect(failures).toEqual([]);
  });
});
