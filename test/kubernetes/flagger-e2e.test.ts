/**
 * Flagger's own e2e manifests (test/fixtures/flagger-e2e/, transcribed from Flagger's suite),
 * applied unchanged with the real kubectl to the real API (the test API server with Flagger's
 * CRD, or the cluster KUBECONFIG names) and reconciled by the real controller. The checks are the
 * ones Flagger's script makes after initialisation, plus the ports `portDiscovery` must add.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { kubectl } from '../apiserver/testing.js';
import { startController, useCluster, waitFor, type Cluster } from './support.js';

const E2E = fileURLToPath(new URL('../fixtures/flagger-e2e/', import.meta.url));
let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;

async function run(args: string[]): Promise<string> {
  const result = await kubectl(cluster.kubeconfigPath, args, '');
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  controller = await startController(cluster, {});
  for (const ns of ['test', 'istio-system']) {
    if (!(await client.get(Resources.namespace, '', ns))) {
      await client.create(Resources.namespace, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
    }
  }
}, 60_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: { name?: string; port?: number }[];
}

describe("Flagger's Istio e2e canary", { timeout: 180_000 }, () => {
  it('applies unchanged with kubectl and initialises as Flagger checks it', async () => {
    await run(['apply', '-f', `${E2E}workloads.yaml`]);
    await run(['apply', '-f', `${E2E}istio-canary.yaml`]);
    await waitFor(
      'canary test/podinfo Initialized',
      async () => {
        const live = await client.get(Resources.flaggerCanary, 'test', 'podinfo');
        return (live?.status as { phase?: string } | undefined)?.phase === 'Initialized';
      },
      150_000,
    );
    expect(await run(['-n', 'test', 'get', 'canary/podinfo'])).toMatch(/Initialized/);
    const apex = await client.get(Resources.service, 'test', 'podinfo');
    expect(apex?.metadata.annotations?.test).toBe('annotations-test');
    expect(apex?.metadata.labels?.test).toBe('labels-test');
    expect((apex?.spec as ServiceSpec | undefined)?.selector?.app).toBe('podinfo-primary');
  });

  it('portDiscovery puts the metrics and gRPC ports on every Service', async () => {
    for (const name of ['podinfo', 'podinfo-primary', 'podinfo-canary']) {
      const svc = await client.get(Resources.service, 'test', name);
      const ports = ((svc?.spec as ServiceSpec | undefined)?.ports ?? []).map(
        (p) => `${p.name ?? ''}:${String(p.port)}`,
      );
      expect(ports, name).toEqual(['http:9898', 'http-metrics:9797', 'grpc:9999']);
    }
  });

  it('the VirtualService adds the request headers the Canary asks for', async () => {
    const vs = await client.get(Resources.virtualService, 'test', 'podinfo');
    const http = (
      vs?.spec as { http?: { headers?: { request?: { add?: Record<string, string> } } }[] } | undefined
    )?.http;
    expect(http?.[0]?.headers?.request?.add).toEqual({
      'x-envoy-upstream-rq-timeout-ms': '15000',
      'x-envoy-max-retries': '10',
      'x-envoy-retry-on': 'gateway-error,connect-failure,refused-stream',
    });
  });
});

interface HpaSpec {
  scaleTargetRef?: { name?: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: { resource?: { target?: { averageUtilization?: number } } }[];
}

/**
 * Flagger's HPA case: the user's podinfo-svc (kubectl-applied, port 9898 named http) becomes the
 * apex Service, on which Serin renders port 80 named http; the user's port of the same name is
 * replaced (src/kubernetes/services.ts), as Flagger replaces the ports, or the API server would
 * refuse the Service for a duplicate port name.
 */
describe("Flagger's kubernetes-provider e2e canary with an HPA", { timeout: 240_000 }, () => {
  it('applies unchanged after the Istio case is deleted, and initialises as Flagger checks it', async () => {
    await run(['delete', '-f', `${E2E}istio-canary.yaml`, '--wait=true', '--timeout=120s']);
    await waitFor(
      'the Istio case gone',
      async () => (await client.get(Resources.flaggerCanary, 'test', 'podinfo')) === undefined,
      120_000,
    );
    await run(['apply', '-f', `${E2E}kubernetes-hpa.yaml`]);
    await waitFor(
      'canary test/podinfo Initialized',
      async () => {
        const live = await client.get(Resources.flaggerCanary, 'test', 'podinfo');
        const status = live?.status as { phase?: string; conditions?: unknown } | undefined;
        if (status?.phase === 'Initialized') return true;
        throw new Error(`status ${JSON.stringify(status?.conditions ?? status?.phase ?? null)}`);
      },
      150_000,
    );
    expect(await run(['-n', 'test', 'get', 'canary/podinfo'])).toMatch(/Initialized/);
  });

  it('the primary HPA scales the primary, with the target HPA’s bounds and metrics', async () => {
    await run(['-n', 'test', 'get', 'hpa', 'podinfo-primary']);
    const primary = (await client.get(Resources.hpa, 'test', 'podinfo-primary'))?.spec as HpaSpec | undefined;
    expect(primary?.scaleTargetRef?.name).toBe('podinfo-primary');
    expect([primary?.minReplicas, primary?.maxReplicas]).toEqual([2, 4]);
    expect(primary?.metrics?.[0]?.resource?.target?.averageUtilization).toBe(99);
  });

  it('takes over the user’s podinfo-svc for the primary, with the Flux opt-outs Flagger’s script checks', async () => {
    const svc = await client.get(Resources.service, 'test', 'podinfo-svc');
    expect((svc?.spec as ServiceSpec | undefined)?.selector?.app).toBe('podinfo-primary');
    expect(svc?.metadata.annotations).toMatchObject({
      'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
      'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
    });
    const primary = await run(['-n', 'test', 'get', 'deploy/podinfo-primary', '-o', 'yaml']);
    expect(primary).toContain('test-label-prefix');
    expect(primary).toContain('test-annotation-prefix');
  });

  it('portDiscovery adds the container ports beside the Canary’s on every Service', async () => {
    for (const name of ['podinfo-svc', 'podinfo-svc-primary', 'podinfo-svc-canary']) {
      const svc = await client.get(Resources.service, 'test', name);
      const ports = ((svc?.spec as ServiceSpec | undefined)?.ports ?? []).map(
        (p) => `${p.name ?? ''}:${String(p.port)}`,
      );
      expect(ports, name).toEqual(['http:80', 'http-metrics:9797', 'grpc:9999']);
    }
  });

  it('writes no routing object: no VirtualService, HTTPRoute or Ingress for the kubernetes provider', async () => {
    expect((await client.list(Resources.virtualService, 'test')).items).toEqual([]);
    expect((await client.list(Resources.httpRoute, 'test')).items).toEqual([]);
  });
});
