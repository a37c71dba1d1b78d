/**
 * The externalmetrics provider against the test API server serving `external.metrics.k8s.io` as
 * an aggregated API does (`test/apiserver/external-metrics.ts`). The values come from the server,
 * so the suite needs it: on a real cluster (KUBECONFIG set) the adapter's metrics are unknown and
 * only the query-parsing cases run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, kubeConfigFor, type TestApiServer } from '../../../test/apiserver/index.js';
import { createExternalMetricsProvider, parseExternalMetricQuery } from './externalmetrics.js';
import { NoDataError, type MetricProvider, type ProviderInput } from './types.js';

const onRealCluster = (process.env.KUBECONFIG ?? '') !== '';

describe('query form <namespace>/<metricName>?labelSelector=…, as Flagger parses it', () => {
  it('reads namespace, metric and selector; namespace defaults to default', () => {
    expect(
      parseExternalMetricQuery('webapp-frontend/job-success-rate?labelSelector=env%3Dproduction\n'),
    ).toEqual({
      namespace: 'webapp-frontend',
      metricName: 'job-success-rate',
      labelSelector: 'env=production',
    });
    expect(parseExternalMetricQuery('queue-depth')).toMatchObject({
      namespace: 'default',
      metricName: 'queue-depth',
    });
    expect(parseExternalMetricQuery('/queue-depth')).toMatchObject({
      namespace: 'default',
      metricName: 'queue-depth',
    });
    expect(parseExternalMetricQuery('datadogmetric@istio-system:istio-mesh-request-count')).toMatchObject({
      metricName: 'datadogmetric@istio-system:istio-mesh-request-count',
    });
  });

  it('names what is wrong with a malformed query', () => {
    expect(() => parseExternalMetricQuery('a/b/c')).toThrow(
      /too many slashes: expected <namespace>\/<metricName>/,
    );
    expect(() => parseExternalMetricQuery('webapp/')).toThrow(/the metric name is empty/);
    expect(() => parseExternalMetricQuery('webapp/m?selector=a%3Db')).toThrow(/unknown parameter "selector"/);
  });
});

describe.skipIf(onRealCluster)('externalmetrics through the Kubernetes API', () => {
  let server: TestApiServer;
  let secured: TestApiServer;
  const open: MetricProvider[] = [];

  beforeAll(async () => {
    server = await startTestApiServer({ externalMetrics: true });
    secured = await startTestApiServer({ externalMetrics: true, token: 'metrics-token-1' });
    for (const s of [server, secured]) {
      s.externalMetrics.set('webapp', 'job-success-rate', [
        { labels: { env: 'production' }, value: '990m' },
        { labels: { env: 'staging' }, value: '12' },
      ]);
      s.externalMetrics.set('default', 'queue-depth', [{ value: '2k' }]);
    }
  });

  afterAll(async () => {
    await Promise.all(open.map((p) => p.close()));
    await server.stop();
    await secured.stop();
  });

  function provider(input: Partial<ProviderInput> = {}): MetricProvider {
    const made = createExternalMetricsProvider({
      spec: { type: 'externalmetrics' },
      credentials: undefined,
      kubeConfig: kubeConfigFor({ url: server.url }),
      ...input,
    });
    open.push(made);
    return made;
  }

  it('returns the first matching value, as a quantity', async () => {
    await expect(
      provider().queryValue('webapp/job-success-rate?labelSelector=env%3Dproduction'),
    ).resolves.toBe(0.99);
    await expect(provider().queryValue('queue-depth')).resolves.toBe(2000);
    expect(server.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue-depth',
    });
  });

  it('reports no matching series as no data, and an unknown metric as an error', async () => {
    const none = provider().queryValue('webapp/job-success-rate?labelSelector=env%3Dcanary');
    await expect(none).rejects.toBeInstanceOf(NoDataError);
    const unknown = provider().queryValue('webapp/no-such-metric');
    await expect(unknown).rejects.toThrow(/HTTP 404: the server could not find the metric no-such-metric/);
    await expect(unknown).rejects.not.toBeInstanceOf(NoDataError);
  });

  it('reaches another API server at address with the Secret token, never showing it', async () => {
    const spec = {
      type: 'externalmetrics' as const,
      address: secured.url,
      insecureSkipVerify: true,
      secretRef: { name: 't' },
    };
    await expect(
      provider({ spec, credentials: { token: 'metrics-token-1' } }).queryValue('queue-depth'),
    ).resolves.toBe(2000);
    const refused = provider({ spec, credentials: { token: 'metrics-token-wrong' } }).queryValue(
      'queue-depth',
    );
    await expect(refused).rejects.toThrow(/HTTP 401/);
    await refused.catch((error: unknown) => {
      expect((error as Error).message).not.toContain('metrics-token');
    });
  });

  it('gives up after provider.timeout', async () => {
    server.faults.setLatency(2000, { path: 'slow-metric' });
    try {
      const slow = provider({ spec: { type: 'externalmetrics', timeout: '200ms' } }).queryValue(
        'slow-metric',
      );
      await expect(slow).rejects.toThrow(/no answer in 200ms/);
    } finally {
      server.faults.clear();
    }
  });
});
