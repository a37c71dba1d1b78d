// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { kubeConfigFor, startTestApiServer, type TestApiServer } from './index.js';
import { waitFor } from './testing.js';

let server: TestApiServer;
let apps: AppsV1Api;

const read = (name: string) => apps.readNamespacedDeployment({ name, namespace: 'default' });
const condition = (deployment: V1Deployment, type: string) =>
  deployment.status?.conditions?.find((entry) => entry.type === type);

async function setImage(name: string, image: string): Promise<void> {
  await apps.patchNamespacedDeployment(
    {
      name,
      namespace: 'default',
      body: { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

async function create(name: string, replicas: number): Promise<void> {
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: 'app:1' }] },
        },
      },
    },
  });
}

beforeAll(async () => {
  server = await startTestApiServer({ deployments: { readyDelayMs: 20 } });
  apps = kubeConfigFor(server).makeApiClient(AppsV1Api);
});

afterAll(async () => {
  await server.stop();
});

describe('deployment simulation', () => {
  it('brings status in line with spec: replicas, observedGeneration and conditions', async () => {
    await create('web', 3);
    const ready = await waitFor('web ready', async () => {
      const deployment = await read('web');
      return deployment.status?.readyReplicas === 3 ? deployment : undefined;
    });
    expect(ready.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
    expect(condition(ready, 'Available')?.status).toBe('True');
    expect(condition(ready, 'Progressing')?.reason).toBe('NewReplicaSetAvailable');

    await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: 'default', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const scaled = await waitFor('web scaled', async () => {
      const deployment = await read('web');
      return deployment.status?.availableReplicas === 5 ? deployment : undefined;
    });
    expect(scaled.status?.observedGeneration).toBe(2);
  });

  it('scales to zero with zero counts omitted, as the real status does', async () => {
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: { spec: { replicas: 0 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const idle = await waitFor('web at zero', async () => {
      const deployment = await read('web');
      return deployment.status?.observedGeneration === 3 ? deployment : undefined;
    });
    expect(idle.status?.replicas).toBeUndefined();
    expect(idle.status?.readyReplicas).toBeUndefined();
  });

  it('gets a rollout stuck with ProgressDeadlineExceeded on demand', async () => {
    await create('stuck', 2);
    await waitFor('stuck ready', async () => (await read('stuck')).status?.readyReplicas === 2);
    server.setDeploymentBehaviour('default', 'stuck', 'stuck');
    await setImage('stuck', 'app:2');
    const stalled = await waitFor('progress deadline', async () => {
      const deployment = await read('stuck');
      return condition(deployment, 'Progressing')?.reason === 'ProgressDeadlineExceeded'
        ? deployment
        : undefined;
    });
    expect(condition(stalled, 'Progressing')?.status).toBe('False');
    expect(stalled.status?.updatedReplicas).toBe(1);
    server.setDeploymentBehaviour('default', 'stuck', 'healthy');
    await waitFor(
      'recovered',
      async () => condition(await read('stuck'), 'Progressing')?.reason === 'NewReplicaSetAvailable',
    );
  });

  it('keeps pods unready on demand', async () => {
    await create('unready', 2);
    server.setDeploymentBehaviour('default', 'unready', 'unready');
    const unready = await waitFor('unready status', async () => {
      const deployment = await read('unready');
      return deployment.status?.observedGeneration === 1 ? deployment : undefined;
    });
    expect(unready.status?.readyReplicas).toBeUndefined();
    expect(unready.status?.unavailableReplicas).toBe(2);
    expect(condition(unready, 'Available')?.status).toBe('False');
  });

  it('leaves a settled Deployment alone: status is not rewritten', async () => {
    await create('quiet', 1);
    const settled = await waitFor('quiet ready', async () => {
      const deployment = await read('quiet');
      return deployment.status?.readyReplicas === 1 ? deployment : undefined;
    });
    // Touch an unrelated object; the simulator re-evaluates nothing else, so the Deployment keeps its version.
    await create('other', 1);
    await waitFor('other ready', async () => (await read('other')).status?.readyReplicas === 1);
    expect((await read('quiet')).metadata?.resourceVersion).toBe(settled.metadata?.resourceVersion);
  });
});

describe('pod simulation', () => {
  let withPods: TestApiServer;

  beforeAll(async () => {
    withPods = await startTestApiServer({
      deployments: { readyDelayMs: 20, pods: true },
      standardCrds: false,
    });
  });

  afterAll(async () => {
    await withPods.stop();
  });

  it('keeps ready pods per replica, replaces them on a new template, and collects them with the Deployment', async () => {
    const config = kubeConfigFor(withPods);
    const client = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    const pods = async () =>
      (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=pw' })).items;
    await client.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'pw' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'pw' } },
          template: {
            metadata: { labels: { app: 'pw' } },
            spec: { containers: [{ name: 'app', image: 'app:1' }] },
          },
        },
      },
    });
    const first = await waitFor('two ready pods', async () => {
      const list = await pods();
      const ready = list.filter((pod) =>
        pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === 2 ? list : undefined;
    });
    expect(first[0]?.metadata?.ownerReferences?.[0]?.kind).toBe('Deployment');
    expect(first[0]?.metadata?.labels?.['pod-template-hash']).toBeTruthy();
    const firstHash = first[0]?.metadata?.labels?.['pod-template-hash'];

    await client.patchNamespacedDeployment(
      {
        name: 'pw',
        namespace: 'default',
        body: {
          spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const second = await waitFor('three new pods', async () => {
      const list = await pods();
      return list.length === 3 &&
        list.every((pod) => pod.metadata?.labels?.['pod-template-hash'] !== firstHash)
        ? list
        : undefined;
    });
    expect(second.map((pod) => pod.spec?.containers[0]?.image)).toEqual(['app:2', 'app:2', 'app:2']);

    await client.deleteNamespacedDeployment({ name: 'pw', namespace: 'default' });
    await waitFor('pods collected', async () => (await pods()).length === 0);
  });
});
