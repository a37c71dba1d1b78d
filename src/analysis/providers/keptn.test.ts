/**
 * The keptn provider against the test API server with Keptn's CRDs registered
 * (`test/apiserver/keptn-crd.ts`). The suite plays Keptn's controller: it writes KeptnMetric
 * values and completes the Analyses the provider creates. On a real cluster (KUBECONFIG set) the
 * objects belong to the real Keptn, so only the query-parsing cases run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, startTestApiServer, type TestApiServer } from '../../../test/apiserver/index.js';
import { keptnAnalysisCrd, keptnMetricCrd } from '../../../test/apiserver/keptn-crd.js';
import { waitFor } from '../../../test/apiserver/testing.js';
import { KubeClient, type KubeObject } from '../../kubernetes/client.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { createKeptnProvider, parseKeptnQuery } from './keptn.js';
import { NoDataError, type MetricProvider } from './types.js';

const onRealCluster = (process.env.KUBECONFIG ?? '') !== '';
const KEPTN_METRIC: ResourceType = {
  group: 'metrics.keptn.sh',
  version: 'v1beta1',
  plural: 'keptnmetrics',
  kind: 'KeptnMetric',
  namespaced: true,
};
const ANALYSIS: ResourceType = { ...KEPTN_METRIC, plural: 'analyses', kind: 'Analysis' };

describe("Flagger's keptn query form", () => {
  it('reads keptnmetric and analysis queries, lower-cased as Flagger does', () => {
    expect(parseKeptnQuery('KeptnMetric/My-Namespace/response-time\n')).toEqual({
      kind: 'keptnmetric',
      namespace: 'my-namespace',
      name: 'response-time',
    });
    expect(parseKeptnQuery('analysis/prod/slo/2m/reporter=destination;workload=PodInfo')).toEqual({
      kind: 'analysis',
      namespace: 'prod',
      name: 'slo',
      timeframe: '2m',
      args: { reporter: 'destination', workload: 'podinfo' },
    });
    expect(parseKeptnQuery('analyses/prod/slo')).toMatchObject({ timeframe: '1m', args: {} });
  });

  it('names what is wrong with a malformed query', () => {
    expect(() => parseKeptnQuery('keptnmetric/prod')).toThrow(
      /expected <keptnmetric\|analysis>\/<namespace>/,
    );
    expect(() => parseKeptnQuery('metric/prod/x')).toThrow(/"metric" is not one of keptnmetric, analysis/);
  });
});

describe.skipIf(onRealCluster)('keptn through the Kubernetes API', () => {
  let server: TestApiServer;
  let keptn: KubeClient;
  let provider: MetricProvider;

  beforeAll(async () => {
    server = await startTestApiServer({ namespaces: ['default', 'prod'] });
    server.registerCrd(keptnMetricCrd());
    server.registerCrd(keptnAnalysisCrd());
    keptn = new KubeClient(kubeConfigFor({ url: server.url }));
    provider = createKeptnProvider({
      spec: { type: 'keptn', timeout: '30s' },
      credentials: undefined,
      kubeConfig: kubeConfigFor({ url: server.url }),
    });
  });

  afterAll(async () => {
    await provider.close();
    await server.stop();
  });

  async function metric(name: string, value: string | undefined): Promise<void> {
    await keptn.create(KEPTN_METRIC, {
      apiVersion: 'metrics.keptn.sh/v1beta1',
      kind: 'KeptnMetric',
      metadata: { name, namespace: 'prod' },
      spec: { provider: { name: 'prometheus' }, query: 'sum(rate(x[1m]))', fetchIntervalSeconds: 10 },
    });
    if (value !== undefined) {
      await keptn.patch(KEPTN_METRIC, 'prod', name, { status: { value } }, 'merge', 'status');
    }
  }

  it('reads a KeptnMetric value; no value yet is no data; a missing one is an error', async () => {
    await metric('response-time', '0.25');
    await metric('not-fetched', undefined);
    await expect(provider.queryValue('keptnmetric/prod/response-time')).resolves.toBe(0.25);
    await expect(provider.queryValue('keptnmetric/prod/not-fetched')).rejects.toBeInstanceOf(NoDataError);
    await expect(provider.queryValue('keptnmetric/prod/nope')).rejects.toThrow(
      /KeptnMetric prod\/nope not found/,
    );
  });

  /** Keptn's part: finds the Analysis the provider created and writes its result. */
  async function completeAnalysis(pass: boolean): Promise<KubeObject & { spec?: unknown }> {
    const created = await waitFor('the provider to create an Analysis', async () => {
      const list = await keptn.list(ANALYSIS, 'prod');
      return list.items[0];
    });
    await keptn.patch(
      ANALYSIS,
      'prod',
      created.metadata.name,
      { status: { state: 'Progressing' } },
      'merge',
      'status',
    );
    const reads = (): number =>
      server.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/${created.metadata.name}`))
        .length;
    const before = reads();
    await waitFor('the provider to read the Analysis while in progress', () => reads() > before);
    await keptn.patch(
      ANALYSIS,
      'prod',
      created.metadata.name,
      { status: { state: 'Completed', pass } },
      'merge',
      'status',
    );
    return created;
  }

  it(
    'creates an Analysis, waits for Keptn to complete it, answers 1 or 0 and deletes it',
    { timeout: 90_000 },
    async () => {
      for (const [pass, expected] of [
        [true, 1],
        [false, 0],
      ] as const) {
        const answer = provider.queryValue('analysis/prod/slo-check/2m/reporter=destination');
        const created = await completeAnalysis(pass);
        await expect(answer).resolves.toBe(expected);
        expect(created.spec).toEqual({
          analysisDefinition: { name: 'slo-check' },
          timeframe: { recent: '2m' },
          args: { reporter: 'destination' },
        });
        expect(created.metadata.name).toMatch(/^slo-check-[0-9a-f]{6}$/);
        expect((await keptn.list(ANALYSIS, 'prod')).items).toEqual([]);
      }
    },
  );

  it('gives up on an Analysis Keptn never completes, and still deletes it', async () => {
    const impatient = createKeptnProvider({
      spec: { type: 'keptn', timeout: '1500ms' },
      credentials: undefined,
      kubeConfig: kubeConfigFor({ url: server.url }),
    });
    const error = await impatient.queryValue('analysis/prod/stuck').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /Keptn Analysis of prod\/stuck \(stuck-[0-9a-f]{6}\) did not complete within 1500 ms/,
    );
    expect((await keptn.list(ANALYSIS, 'prod')).items).toEqual([]);
  }, 30_000);
});
