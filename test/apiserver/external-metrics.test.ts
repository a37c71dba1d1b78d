/**
 * The external metrics API as kubectl sees it on a cluster with a metrics adapter: the group in
 * discovery, the APIResourceList, label-selected values, 404 for an unknown metric, 405 for a
 * write, and nothing at all when no adapter is installed.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, writeKubeconfig, type TestApiServer } from './index.js';
import { kubectl } from './testing.js';

let server: TestApiServer;
let kubeconfig: string;

beforeAll(async () => {
  server = await startTestApiServer({ externalMetrics: true });
  kubeconfig = writeKubeconfig({ url: server.url, token: server.token });
  server.externalMetrics.set('webapp', 'job-success-rate', [
    { labels: { env: 'production' }, value: '990m' },
    { labels: { env: 'staging' }, value: '12' },
  ]);
});

afterAll(async () => {
  await server.stop();
  rmSync(dirname(kubeconfig), { recursive: true, force: true });
});

async function raw(path: string): Promise<{ code: number | null; json: unknown; stderr: string }> {
  const result = await kubectl(kubeconfig, ['get', '--raw', path]);
  return {
    code: result.code,
    json: result.code === 0 ? JSON.parse(result.stdout) : undefined,
    stderr: result.stderr,
  };
}

describe('external.metrics.k8s.io on the test API server', () => {
  it('is listed by discovery, as an aggregated API is', async () => {
    const versions = await kubectl(kubeconfig, ['api-versions']);
    expect(versions.code).toBe(0);
    expect(versions.stdout.split('\n')).toContain('external.metrics.k8s.io/v1beta1');
    const list = await raw('/apis/external.metrics.k8s.io/v1beta1');
    expect(list.json).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'external.metrics.k8s.io/v1beta1',
      resources: [
        { name: 'externalmetrics', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] },
      ],
    });
  });

  it('answers the series whose labels match the selector', async () => {
    const all = await raw('/apis/external.metrics.k8s.io/v1beta1/namespaces/webapp/job-success-rate');
    expect(all.json).toMatchObject({
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
    });
    expect((all.json as { items: unknown[] }).items).toHaveLength(2);
    const production = await raw(
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/webapp/job-success-rate?labelSelector=env%3Dproduction',
    );
    expect((production.json as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        metricName: 'job-success-rate',
        metricLabels: { env: 'production' },
        value: '990m',
      }),
    ]);
  });

  it('refuses an unknown metric, a bad selector and a write as kube-apiserver does', async () => {
    const missing = await raw('/apis/external.metrics.k8s.io/v1beta1/namespaces/webapp/nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/NotFound|not find/);
    const bad = await raw(
      '/apis/external.metrics.k8s.io/v1beta1/namespaces/webapp/job-success-rate?labelSelector=env%3D%3D%3D',
    );
    expect(bad.code).not.toBe(0);
    const write = await fetch(
      `${server.url}/apis/external.metrics.k8s.io/v1beta1/namespaces/webapp/job-success-rate`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    );
    expect(write.status).toBe(405);
  });

  it('is absent on a cluster without a metrics adapter', async () => {
    const bare = await startTestApiServer();
    try {
      const response = await fetch(`${bare.url}/apis/external.metrics.k8s.io/v1beta1/namespaces/default/x`);
      expect(response.status).toBe(404);
      const groups = (await (await fetch(`${bare.url}/apis`)).json()) as { groups: { name: string }[] };
      expect(groups.groups.map((g) => g.name)).not.toContain('external.metrics.k8s.io');
    } finally {
      await bare.stop();
    }
  });
});
