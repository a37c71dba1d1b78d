/**
 * A crash-looping canary on Kubernetes: the controller reads the target's pods, and their
 * CrashLoopBackOff (with restarts and the last exit code) reaches status.workloads.canary, a
 * Warning Event, and the rollback reason once the progress deadline passes. On the test API server
 * the pod simulator plays the kubelet; on a real cluster the container really exits 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkloadHealth } from '../../src/api/canary.js';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import {
  canary,
  createNamespace,
  deployment,
  getCanary,
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
  cluster = await useCluster({ deployments: { pods: true } });
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'health');
  controller = await startController(cluster, { namespace: ns });
  await client.create(Resources.deployment, deployment(ns, 'web', { replicas: 1 }));
  await client.create(
    Resources.serinCanary,
    canary(ns, 'web', { progressDeadlineSeconds: 10 }, { interval: '1s', stepWeight: 50, maxWeight: 50 }),
  );
  await waitForPhase(client, ns, 'web', 'Initialized');
}, 90_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

describe('a crash-looping canary on Kubernetes', { timeout: 120_000 }, () => {
  it('halts with CrashLoopBackOff in status and an Event, then rolls back at the progress deadline', async () => {
    cluster.server?.setDeploymentBehaviour(ns, 'web', 'crash-loop');
    const container = cluster.server
      ? { name: 'app', image: 'example/web:2' }
      : { name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'exit 1'] };
    await client.patch(
      Resources.deployment,
      ns,
      'web',
      { spec: { template: { spec: { containers: [container] } } } },
      'strategic',
    );
    const health = await waitFor(
      'CrashLoopBackOff in status.workloads.canary',
      async () => {
        const s = (await getCanary(client, ns, 'web')).status as
          { phase?: string; workloads?: { canary?: WorkloadHealth } } | undefined;
        const h = s?.workloads?.canary;
        return s?.phase === 'Progressing' && h?.reason === 'CrashLoopBackOff' ? h : undefined;
      },
      60_000,
    );
    expect(health.ready).toBe(0);
    expect(health.desired).toBe(1);
    expect(health.restarts).toBeGreaterThan(0);
    expect(health.lastExit?.code).toBe(1);
    expect(health.message).toMatch(/pod web-.*container app/);

    const event = await waitFor('a CanaryUnhealthy Event', async () => {
      const events = await client.list(Resources.event, ns);
      return events.items.find((e) => (e as { reason?: string }).reason === 'CanaryUnhealthy') as
        { type?: string; message?: string } | undefined;
    });
    expect(event.type).toBe('Warning');
    expect(event.message).toMatch(/CrashLoopBackOff, 0\/1 ready, \d+ restarts, last exit: exit code 1/);

    const failed = await waitForPhase(client, ns, 'web', 'Failed', 60_000);
    const decisions = (failed.status?.decisions ?? []) as { action: string; reason: string }[];
    expect(decisions.findLast((d) => d.action === 'Rollback')?.reason).toContain('CrashLoopBackOff');
  });
});
