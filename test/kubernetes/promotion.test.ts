/**
 * End to end: the real controller against the test API server (or KUBECONFIG's cluster):
 * initialization (primary, Services, routing, target at zero) and a promotion of a new revision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import {
  canary,
  createNamespace,
  deployment,
  getCanary,
  replicasOf,
  setImage,
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

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'promotion');
  controller = await startController(cluster, { namespace: ns, metricsAddr: '127.0.0.1:0' });
});

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

describe('initialization and promotion', { timeout: 150_000 }, () => {
  it('initializes: primary clone, Services, routing at 100/0, target scaled to zero', async () => {
    await client.create(Resources.deployment, deployment(ns, 'podinfo', { replicas: 3 }));
    await client.create(Resources.serinCanary, canary(ns, 'podinfo'));
    const c = await waitForPhase(client, ns, 'podinfo', 'Initialized');
    const primary = await client.get(Resources.deployment, ns, 'podinfo-primary');
    expect(primary?.spec).toMatchObject({
      replicas: 3,
      selector: { matchLabels: { app: 'podinfo-primary' } },
    });
    expect(primary?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Canary',
      name: 'podinfo',
      controller: true,
    });
    for (const name of ['podinfo', 'podinfo-primary', 'podinfo-canary']) {
      expect(await client.get(Resources.service, ns, name)).toBeDefined();
    }
    const apex = await client.get(Resources.service, ns, 'podinfo');
    expect((apex?.spec as { selector: unknown }).selector).toEqual({ app: 'podinfo-primary' });
    const vs = await client.get(Resources.virtualService, ns, 'podinfo');
    expect(JSON.stringify(vs?.spec)).toContain('podinfo-primary');
    await waitFor('target at zero', async () => (await replicasOf(client, ns, 'podinfo')) === 0);
    expect(c.metadata.finalizers).toContain('serin.dev/finalizer');
    const conditions = (c.status?.conditions ?? []) as { type: string; status: string }[];
    expect(conditions.map((x) => x.type)).toEqual(expect.arrayContaining(['Promoted', 'Ready']));
  });

  it('promotes a new revision: weights step, the primary gets the new template, the target goes back to zero', async () => {
    await setImage(client, ns, 'podinfo', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await waitFor('canary weight 50', async () => {
      const vs = await client.get(Resources.virtualService, ns, 'podinfo');
      return JSON.stringify(vs?.spec).includes('"weight":50');
    });
    const done = await waitForPhase(client, ns, 'podinfo', 'Succeeded');
    const primary = await client.get(Resources.deployment, ns, 'podinfo-primary');
    expect(JSON.stringify(primary?.spec)).toContain('podinfo:6.0.1');
    await waitFor(
      'target at zero after promotion',
      async () => (await replicasOf(client, ns, 'podinfo')) === 0,
    );
    const decisions = (done.status?.decisions ?? []) as { action: string }[];
    expect(decisions.length).toBeGreaterThan(0);
    const events = await client.list(Resources.event, ns);
    expect(
      events.items.some(
        (e) => e.reason !== undefined && (e.involvedObject as { name?: string }).name === 'podinfo',
      ),
    ).toBe(true);
  });

  it('exposes its metrics and health endpoints', async () => {
    const base = controller.metricsUrl!;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/serin_canary_status\{name="podinfo",namespace="[^"]+"\} 1/);
    expect(metrics).toContain('serin_canary_successes_total');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('explains an invalid Canary with a Warning event naming the field', async () => {
    // stepWeight above maxWeight passes the CRD schema but not Serin's cross-field rules.
    await client.create(Resources.serinCanary, canary(ns, 'broken', {}, { stepWeight: 60, maxWeight: 50 }));
    const event = await waitFor('an InvalidCanary event', async () => {
      const events = await client.list(Resources.event, ns);
      return events.items.find((e) => e.reason === 'InvalidCanary');
    });
    expect(event.message).toContain('analysis.stepWeight');
    expect(event.type).toBe('Warning');
  });

  it('is idle when nothing changes: no writes across several intervals', async () => {
    const c = await getCanary(client, ns, 'podinfo');
    expect(c.status?.phase).toBe('Succeeded');
    // Settled: the canary's health has followed it down to zero (the last status write of the run).
    await waitFor('the canary recorded at zero', async () => {
      const now = await getCanary(client, ns, 'podinfo');
      const canaryHealth = (
        now.status?.workloads as { canary?: { ready?: number; desired?: number } } | undefined
      )?.canary;
      return canaryHealth === undefined || (canaryHealth.ready === 0 && canaryHealth.desired === 0);
    });
    const before = controller.client.counters.writes;
    await new Promise((r) => setTimeout(r, 3500));
    expect(controller.client.counters.writes).toBe(before);
  });
});
