/**
 * Idle is silent: Canaries at steady state cost no writes over many intervals, whatever the user
 * adds to objects they own (an extra port, labels and annotations on the apex Service; extra
 * http routes in a VirtualService Serin merges into). Writes are counted twice: by the controller's
 * own request counters, and (on the test API server) in the server's request log by the
 * controller's user agent. Reads per interval are printed, not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import type { RequestRecord } from '../apiserver/index.js';
import {
  canary,
  createNamespace,
  deployment,
  startController,
  useCluster,
  waitFor,
  waitForPhase,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let ns: string;

const IDLE_TICKS = 10;

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'idle');
  controller = await startController(cluster, { namespace: ns });
}, 60_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

/** Reconcile ticks the controller finished for one Canary (its tick-duration histogram's count). */
async function ticks(name: string): Promise<number> {
  const metric = controller.metrics.registry.getSingleMetric('serin_canary_duration_seconds');
  const values = (await metric?.get())?.values ?? [];
  const count = values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'serin_canary_duration_seconds_count' &&
      v.labels.name === name,
  );
  return count?.value ?? 0;
}

async function afterTicks(names: string[], count: number): Promise<void> {
  const start = await Promise.all(names.map(ticks));
  await waitFor(
    `${count} reconcile ticks of ${names.join(', ')}`,
    async () => (await Promise.all(names.map(ticks))).every((n, i) => n >= (start[i] ?? 0) + count),
    60_000,
  );
}

function controllerRequests(since: number): RequestRecord[] {
  return (cluster.server?.requests ?? []).filter(
    (r) => r.userAgent === controller.client.userAgent && !r.watch && r.time >= since,
  );
}

/** Runs `IDLE_TICKS` intervals and returns the writes the controller made in them. */
async function idleWindow(names: string[]): Promise<{ writes: number; logged: string[] }> {
  const before = controller.client.counters.writes;
  const readsBefore = controller.client.counters.reads;
  const since = Date.now();
  await afterTicks(names, IDLE_TICKS);
  const logged = controllerRequests(since)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path}${r.query}`);
  const reads = controller.client.counters.reads - readsBefore;
  console.log(
    `idle: ${String(IDLE_TICKS)} intervals of ${String(names.length)} Canaries: ${String(reads)} reads (${(
      reads /
      IDLE_TICKS /
      names.length
    ).toFixed(1)} per Canary per interval), ${String(controller.client.counters.writes - before)} writes`,
  );
  return { writes: controller.client.counters.writes - before, logged };
}

const userService = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: ns,
    labels: { team: 'shop', 'app.kubernetes.io/part-of': 'store' },
    annotations: { 'example.com/owner': 'shop-team' },
  },
  spec: {
    selector: { app: name },
    ports: [
      { name: 'http', port: 9898, targetPort: 9898 },
      { name: 'admin', port: 9999, targetPort: 9999 },
    ],
  },
});

const userVirtualService = (name: string): KubeObject => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name, namespace: ns, labels: { team: 'shop' } },
  spec: {
    hosts: [`${name}.example.com`],
    http: [
      {
        name: 'legacy',
        match: [{ uri: { prefix: '/legacy' } }],
        route: [{ destination: { host: 'legacy' } }],
      },
      { name: 'main', route: [{ destination: { host: name } }], retries: { attempts: 3 } },
    ],
  },
});

describe('idle is silent', { timeout: 240_000 }, () => {
  const names = ['owned', 'usersvc', 'merged'];

  it('reaches steady state with a Serin-owned Canary, a user-owned apex Service and a merged VirtualService', async () => {
    for (const name of names) await client.create(Resources.deployment, deployment(ns, name));
    await client.create(Resources.service, userService('usersvc'));
    await client.create(Resources.service, userService('merged'));
    await client.create(Resources.virtualService, userVirtualService('merged'));
    await client.create(Resources.serinCanary, canary(ns, 'owned'));
    await client.create(Resources.serinCanary, canary(ns, 'usersvc'));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'merged', { service: { port: 9898, routing: 'merge' } }),
    );
    for (const name of names) await waitForPhase(client, ns, name, 'Initialized', 90_000);
    // The target scales to zero and the status settles in the ticks after Initialized.
    await afterTicks(names, 3);
    const apex = (await client.get(Resources.service, ns, 'usersvc')) as unknown as {
      spec: { ports: { port: number }[]; selector: Record<string, string> };
    };
    expect(apex.spec.ports.map((p) => p.port)).toEqual([9898, 9999]);
    expect(apex.spec.selector).toEqual({ app: 'usersvc-primary' });
  });

  it('makes no writes over many intervals', async () => {
    const { writes, logged } = await idleWindow(names);
    expect(logged).toEqual([]);
    expect(writes).toBe(0);
  });

  it('makes no writes after the user adds to what they own: a port, labels, annotations, a route', async () => {
    const svc = await client.get(Resources.service, ns, 'usersvc');
    if (!svc) throw new Error('usersvc Service is gone');
    const spec = svc.spec as { ports: Record<string, unknown>[] };
    spec.ports.push({ name: 'debug', port: 6060, targetPort: 6060, protocol: 'TCP' });
    svc.metadata.labels = { ...svc.metadata.labels, tier: 'edge' };
    svc.metadata.annotations = { ...svc.metadata.annotations, 'example.com/note': 'added later' };
    await client.replace(Resources.service, svc);
    const vs = await client.get(Resources.virtualService, ns, 'merged');
    if (!vs) throw new Error('merged VirtualService is gone');
    (vs.spec as { http: unknown[] }).http.unshift({
      name: 'health',
      match: [{ uri: { exact: '/healthz' } }],
      route: [{ destination: { host: 'health' } }],
    });
    vs.metadata.annotations = { ...vs.metadata.annotations, 'example.com/note': 'added later' };
    await client.replace(Resources.virtualService, vs);
    // One tick to absorb the change (none should write), then the window.
    await afterTicks(names, 1);
    const { writes, logged } = await idleWindow(names);
    expect(logged).toEqual([]);
    expect(writes).toBe(0);
    const after = (await client.get(Resources.service, ns, 'usersvc')) as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { ports: { port: number }[] };
    };
    expect(after.spec.ports.map((p) => p.port)).toEqual([9898, 9999, 6060]);
    expect(after.metadata.labels.tier).toBe('edge');
  });
});
