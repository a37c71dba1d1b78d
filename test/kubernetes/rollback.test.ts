/**
 * End to end: rollback on metrics. The canary's error rate comes from a real HTTP endpoint
 * (prom-client) scraped by a real Prometheus; a MetricTemplate in the cluster queries it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources, type ResourceType } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus-remote.js';
import {
  canary,
  createNamespace,
  deployment,
  replicasOf,
  setImage,
  startController,
  useCluster,
  waitFor,
  waitForPhase,
  type Cluster,
} from './support.js';

const metricTemplates: ResourceType = {
  group: 'serin.dev',
  version: 'v1beta1',
  plural: 'metrictemplates',
  kind: 'MetricTemplate',
  namespaced: true,
};

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let prometheus: RunningPrometheus;
let exporter: http.Server;
let ns: string;
const registry = new Registry();
const errorRate = new Gauge({
  name: 'app_error_rate',
  help: 'errors per request',
  labelNames: ['workload'],
  registers: [registry],
});

async function startExporter(): Promise<string> {
  exporter = http.createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'Content-Type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  errorRate.set({ workload: 'podinfo' }, 0);
  prometheus = await startPrometheus({ scrapeTargets: [await startExporter()], scrapeIntervalSeconds: 1 });
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'rollback');
  await client.create(metricTemplates, {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'error-rate', namespace: ns },
    spec: {
      provider: { type: 'prometheus', address: prometheus.url },
      query: 'max(app_error_rate{workload="{{ target }}"})',
    },
  });
  controller = await startController(cluster, { namespace: ns });
}, 90_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
  await prometheus.stop();
  exporter.close();
});

describe('rollback on metrics', { timeout: 150_000 }, () => {
  it('rolls back when the error rate from Prometheus stays above its threshold', async () => {
    await client.create(Resources.deployment, deployment(ns, 'podinfo'));
    await client.create(
      Resources.serinCanary,
      canary(
        ns,
        'podinfo',
        {},
        {
          threshold: 2,
          stepWeight: 20,
          maxWeight: 60,
          metrics: [
            {
              name: 'error-rate',
              templateRef: { name: 'error-rate' },
              thresholdRange: { max: 1 },
              interval: '30s',
            },
          ],
        },
      ),
    );
    await waitForPhase(client, ns, 'podinfo', 'Initialized');
    // Data must be in Prometheus before the run, so the failures are breaches, not "no data".
    await waitFor('Prometheus has the series', async () => {
      const res = await fetch(`${prometheus.url}/api/v1/query?query=app_error_rate`);
      const body = (await res.json()) as { data: { result: unknown[] } };
      return body.data.result.length > 0;
    });
    errorRate.set({ workload: 'podinfo' }, 5);
    await new Promise((r) => setTimeout(r, 2500)); // two scrapes of the new value
    await setImage(client, ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    const failed = await waitForPhase(client, ns, 'podinfo', 'Failed', 60_000);
    const checks = (failed.status?.checks ?? []) as { name: string; verdict: string; value?: number }[];
    expect(checks.some((c) => c.name === 'error-rate' && c.verdict === 'fail' && c.value === 5)).toBe(true);
    const primary = await client.get(Resources.deployment, ns, 'podinfo-primary');
    expect(JSON.stringify(primary?.spec)).not.toContain('podinfo:6.0.1');
    const vs = await client.get(Resources.virtualService, ns, 'podinfo');
    expect(JSON.stringify(vs?.spec)).toMatch(/"host":"podinfo-primary"\},"weight":100/);
    await waitFor('target back at zero', async () => (await replicasOf(client, ns, 'podinfo')) === 0);
  });
});
