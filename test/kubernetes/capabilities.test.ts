/**
 * End to end: a Canary Serin does not run is reported on the cluster (Supported=False condition,
 * Warning Event, failing serin_canary_status) and nothing is touched; fixing it lets it run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import {
  canary,
  createNamespace,
  deployment,
  startController,
  useCluster,
  waitFor,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let ns: string;

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'capabilities');
  controller = await startController(cluster, { namespace: ns, metricsAddr: '127.0.0.1:0' });
});

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

interface Conditions {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

const supported = (c: KubeObject | undefined) =>
  (c?.status as Conditions | undefined)?.conditions?.find((x) => x.type === 'Supported');

describe('a Canary Serin does not run', { timeout: 150_000 }, () => {
  it('gets Supported=False naming the field, a Warning Event, status 2, and no objects', async () => {
    await client.create(Resources.deployment, deployment(ns, 'mesh'));
    // Mirroring on a TrafficSplit mesh: a feature its provider cannot express (Istio can).
    const flagger = {
      ...canary(ns, 'mesh', { provider: 'linkerd' }, { iterations: 2, mirror: true }),
      apiVersion: 'flagger.app/v1beta1',
    };
    await client.create(Resources.flaggerCanary, flagger);
    const condition = await waitFor('a Supported=False condition', async () => {
      const c = supported(await client.get(Resources.flaggerCanary, ns, 'mesh'));
      return c?.status === 'False' ? c : undefined;
    });
    expect(condition).toMatchObject({ reason: 'NotSupported' });
    expect(condition.message).toContain(
      'spec.analysis.mirror: mirroring traffic to the canary: the linkerd provider cannot express it',
    );
    const event = await waitFor('an UnsupportedCanary event', async () => {
      const events = await client.list(Resources.event, ns);
      return events.items.find((e) => e.reason === 'UnsupportedCanary');
    });
    expect(event).toMatchObject({ type: 'Warning' });
    expect(String(event.message)).toContain('spec.analysis.mirror');
    const metrics = await (await fetch(`${controller.metricsUrl!}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`serin_canary_status\\{name="mesh",namespace="${ns}"\\} 2`));
    expect(metrics).toMatch(new RegExp(`serin_canary_supported\\{name="mesh",namespace="${ns}"\\} 0`));
    // Nothing was run: no primary, no finalizer, the target keeps its replicas.
    expect(await client.get(Resources.deployment, ns, 'mesh-primary')).toBeUndefined();
    const live = await client.get(Resources.flaggerCanary, ns, 'mesh');
    expect(live?.metadata.finalizers ?? []).toEqual([]);
    expect((live?.status as { phase?: string } | undefined)?.phase).toBeUndefined();

    await client.patch(Resources.flaggerCanary, ns, 'mesh', { spec: { provider: 'istio' } });
    const running = await waitFor('the fixed Canary initialized', async () => {
      const c = await client.get(Resources.flaggerCanary, ns, 'mesh');
      return (c?.status as { phase?: string } | undefined)?.phase === 'Initialized' ? c : undefined;
    });
    expect(supported(running)).toMatchObject({ status: 'True', reason: 'Supported' });
    expect(await client.get(Resources.deployment, ns, 'mesh-primary')).toBeDefined();
  });
});
