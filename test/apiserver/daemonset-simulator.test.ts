// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import { AppsV1Api, PatchStrategy, setHeaderOptions, type V1DaemonSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { kubeConfigFor, startTestApiServer, type TestApiServer } from './index.js';
import type { JsonObject } from './json.js';
import { waitFor } from './testing.js';

let server: TestApiServer;
let apps: AppsV1Api;
/** Every status the simulated controller wrote, per DaemonSet name, in order. */
const statuses = new Map<string, JsonObject[]>();

const read = (name: string) => apps.readNamespacedDaemonSet({ name, namespace: 'default' });

async function create(name: string, strategy?: JsonObject): Promise<void> {
  await apps.createNamespacedDaemonSet({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        ...(strategy ? { updateStrategy: strategy } : {}),
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: 'app:1' }] },
        },
      },
    },
  });
}

async function patchPodSpec(name: string, podSpec: JsonObject): Promise<void> {
  await apps.patchNamespacedDaemonSet(
    { name, namespace: 'default', body: { spec: { template: { spec: podSpec } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

const settled = (ds: V1DaemonSet, generation: number, desired: number): boolean =>
  ds.status?.observedGeneration === generation &&
  ds.status.desiredNumberScheduled === desired &&
  (ds.status.updatedNumberScheduled ?? 0) === desired &&
  (ds.status.numberAvailable ?? 0) === desired;

beforeAll(async () => {
  server = await startTestApiServer({ deployments: { readyDelayMs: 20 }, nodes: 4 });
  apps = kubeConfigFor(server).makeApiClient(AppsV1Api);
  const previous = server.service.onChange;
  server.service.onChange = (key, object) => {
    previous(key, object);
    const name = (object.metadata as JsonObject).name as string;
    if (key === 'apps/daemonsets' && object.status !== undefined)
      statuses.set(name, [...(statuses.get(name) ?? []), object.status as JsonObject]);
  };
});

afterAll(async () => {
  await server.stop();
});

describe('daemon set simulation', () => {
  it('defaults the RollingUpdate strategy as kube-apiserver does', async () => {
    await create('defaults');
    const ds = await read('defaults');
    expect(ds.spec?.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    expect(ds.spec?.revisionHistoryLimit).toBe(10);
  });

  it('schedules one pod per node and rolls a new template out one node at a time', async () => {
    await create('agent');
    const first = await waitFor('agent on every node', async () => {
      const ds = await read('agent');
      return settled(ds, 1, 4) ? ds : undefined;
    });
    expect(first.status).toMatchObject({ currentNumberScheduled: 4, numberMisscheduled: 0, numberReady: 4 });
    statuses.set('agent', []);
    await patchPodSpec('agent', { containers: [{ name: 'app', image: 'app:2' }] });
    await waitFor('agent rolled out', async () => settled(await read('agent'), 2, 4));
    const rollout = (statuses.get('agent') ?? []).filter((s) => s.observedGeneration === 2);
    const updated = rollout.map((s) => (s.updatedNumberScheduled as number | undefined) ?? 0);
    // Observed mid-rollout: some pods still on the old template, never more than one unavailable.
    expect(updated.some((n) => n > 0 && n < 4)).toBe(true);
    expect(rollout.every((s) => ((s.numberUnavailable as number | undefined) ?? 0) <= 1)).toBe(true);
    expect(updated).toEqual([...updated].sort((a, b) => a - b));
  });

  it('follows maxUnavailable as a percentage of the desired count, rounded up', async () => {
    await create('wide', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } });
    await waitFor('wide ready', async () => settled(await read('wide'), 1, 4));
    statuses.set('wide', []);
    await patchPodSpec('wide', { containers: [{ name: 'app', image: 'app:2' }] });
    await waitFor('wide rolled out', async () => settled(await read('wide'), 2, 4));
    const unavailable = (statuses.get('wide') ?? []).map(
      (s) => (s.numberUnavailable as number | undefined) ?? 0,
    );
    expect(Math.max(...unavailable)).toBe(2);
  });

  it('runs pods only on nodes matching the nodeSelector: none fit, none run', async () => {
    await create('parked');
    await waitFor('parked ready', async () => settled(await read('parked'), 1, 4));
    await patchPodSpec('parked', { nodeSelector: { 'serin.dev/scale-to-zero': 'true' } });
    const parked = await waitFor('parked has no pods', async () => {
      const ds = await read('parked');
      return ds.status?.observedGeneration === 2 && ds.status.currentNumberScheduled === 0 ? ds : undefined;
    });
    // The four counts are not omitempty in apps/v1; the others are.
    expect(parked.status).toEqual({
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
      observedGeneration: 2,
    });
    await patchPodSpec('parked', {
      nodeSelector: { 'serin.dev/scale-to-zero': null, 'kubernetes.io/hostname': 'node-1' },
    });
    await waitFor('parked on one node', async () => settled(await read('parked'), 3, 1));
  });

  it('keeps old pods under OnDelete: the template changes, the pods do not', async () => {
    await create('manual', { type: 'OnDelete' });
    await waitFor('manual ready', async () => settled(await read('manual'), 1, 4));
    await patchPodSpec('manual', { containers: [{ name: 'app', image: 'app:2' }] });
    const ds = await waitFor('manual observed', async () => {
      const current = await read('manual');
      return current.status?.observedGeneration === 2 ? current : undefined;
    });
    expect(ds.status?.updatedNumberScheduled).toBeUndefined();
    expect(ds.status?.numberAvailable).toBe(4);
  });

  it('keeps pods unready on demand, stalling the rollout after one replacement', async () => {
    await create('sick');
    await waitFor('sick ready', async () => settled(await read('sick'), 1, 4));
    server.setDeploymentBehaviour('default', 'sick', 'unready');
    await patchPodSpec('sick', { containers: [{ name: 'app', image: 'app:2' }] });
    const stalled = await waitFor('sick observed', async () => {
      const current = await read('sick');
      return current.status?.observedGeneration === 2 ? current : undefined;
    });
    expect(stalled.status?.updatedNumberScheduled).toBe(1);
    server.setDeploymentBehaviour('default', 'sick', 'healthy');
    await waitFor('sick recovered', async () => settled(await read('sick'), 2, 4));
  });
});
