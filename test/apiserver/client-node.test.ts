// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { kubeConfigFor, startTestApiServer, type TestApiServer } from './index.js';
import { apiFailure, waitFor } from './testing.js';

let server: TestApiServer;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;

function deployment(
  name: string,
  labels: Record<string, string> = { app: name },
  replicas = 2,
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:1',
              ports: [{ containerPort: 8080 }],
              env: [{ name: 'MODE', value: 'a' }],
            },
            { name: 'sidecar', image: 'proxy:1' },
          ],
        },
      },
    },
  };
}

beforeAll(async () => {
  server = await startTestApiServer({ deployments: { enabled: false } });
  const config = kubeConfigFor(server);
  core = config.makeApiClient(CoreV1Api);
  apps = config.makeApiClient(AppsV1Api);
  custom = config.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: 'crud' } } });
});

afterAll(async () => {
  await server.stop();
});

describe('create, get, list', () => {
  it('creates with server-set metadata and reads it back as typed objects', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: 'crud', body: deployment('web') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    const read = await apps.readNamespacedDeployment({ name: 'web', namespace: 'crud' });
    expect(read.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    expect(read.spec?.progressDeadlineSeconds).toBe(600);
  });

  it('answers 409 AlreadyExists and 404 NotFound with Status bodies', async () => {
    const duplicate = await apiFailure(
      apps.createNamespacedDeployment({ namespace: 'crud', body: deployment('web') }),
    );
    expect(duplicate).toMatchObject({ code: 409, reason: 'AlreadyExists' });
    expect(duplicate.message).toBe('deployments.apps "web" already exists');
    const missing = await apiFailure(apps.readNamespacedDeployment({ name: 'nope', namespace: 'crud' }));
    expect(missing).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'deployments.apps "nope" not found',
    });
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const failure = await apiFailure(
      core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }),
    );
    expect(failure).toMatchObject({ code: 404, message: 'namespaces "ghost" not found' });
  });

  it('filters lists by every label selector operator and by field selectors', async () => {
    const labels: Record<string, Record<string, string>> = {
      a: { tier: 'front', track: 'stable' },
      b: { tier: 'back', track: 'canary' },
      c: { tier: 'front' },
    };
    for (const [name, value] of Object.entries(labels)) {
      await core.createNamespacedConfigMap({
        namespace: 'crud',
        body: { metadata: { name: `sel-${name}`, labels: value } },
      });
    }
    const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> => {
      const list = await core.listNamespacedConfigMap({ namespace: 'crud', labelSelector, fieldSelector });
      return list.items.map((item) => item.metadata?.name ?? '').filter((name) => name.startsWith('sel-'));
    };
    expect(await names('tier=front')).toEqual(['sel-a', 'sel-c']);
    expect(await names('tier==back')).toEqual(['sel-b']);
    expect(await names('tier!=front')).toEqual(['sel-b']);
    expect(await names('track in (stable, canary)')).toEqual(['sel-a', 'sel-b']);
    expect(await names('tier,track notin (canary)')).toEqual(['sel-a', 'sel-c']);
    expect(await names('track')).toEqual(['sel-a', 'sel-b']);
    expect(await names('!track')).toEqual(['sel-c']);
    expect(await names(undefined, 'metadata.name=sel-b')).toEqual(['sel-b']);
    expect(await names(undefined, 'metadata.name!=sel-b')).toEqual(['sel-a', 'sel-c']);
    const all = await core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.namespace=crud',
      labelSelector: 'tier',
    });
    expect(all.items).toHaveLength(3);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThan(0);
    const bad = await apiFailure(
      core.listNamespacedConfigMap({ namespace: 'crud', fieldSelector: 'spec.nope=1' }),
    );
    expect(bad).toMatchObject({ code: 400, message: 'field label not supported: spec.nope' });
    const badLabel = await apiFailure(
      core.listNamespacedConfigMap({ namespace: 'crud', labelSelector: 'a in (x' }),
    );
    expect(badLabel.code).toBe(400);
  });

  it('pages lists with limit and continue', async () => {
    const first = await core.listNamespacedConfigMap({ namespace: 'crud', labelSelector: 'tier', limit: 2 });
    expect(first.items.map((item) => item.metadata?.name)).toEqual(['sel-a', 'sel-b']);
    expect(first.metadata?._continue).toBeTruthy();
    const second = await core.listNamespacedConfigMap({
      namespace: 'crud',
      labelSelector: 'tier',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(second.items.map((item) => item.metadata?.name)).toEqual(['sel-c']);
    expect(second.metadata?._continue).toBeFalsy();
  });
});

describe('updates and conflicts', () => {
  it('rejects a PUT with a stale resourceVersion with 409 Conflict', async () => {
    const current = await apps.readNamespacedDeployment({ name: 'web', namespace: 'crud' });
    const stale = structuredClone(current);
    current.spec!.replicas = 3;
    const updated = await apps.replaceNamespacedDeployment({ name: 'web', namespace: 'crud', body: current });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(stale.metadata?.resourceVersion),
    );
    stale.spec!.replicas = 5;
    const failure = await apiFailure(
      apps.replaceNamespacedDeployment({ name: 'web', namespace: 'crud', body: stale }),
    );
    expect(failure).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(failure.message).toContain('the object has been modified');
  });

  it('keeps resourceVersion and emits nothing for a no-op write', async () => {
    const current = await apps.readNamespacedDeployment({ name: 'web', namespace: 'crud' });
    const same = await apps.replaceNamespacedDeployment({ name: 'web', namespace: 'crud', body: current });
    expect(same.metadata?.resourceVersion).toBe(current.metadata?.resourceVersion);
  });

  it('applies a merge patch (lists replaced) and checks a resourceVersion in it', async () => {
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'crud',
        body: { metadata: { labels: { extra: 'yes' } }, spec: { replicas: 4 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.spec?.replicas).toBe(4);
    expect(patched.metadata?.labels).toEqual({ app: 'web', extra: 'yes' });
    const removed = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'crud', body: { metadata: { labels: { extra: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(removed.metadata?.labels).toEqual({ app: 'web' });
    const stale = await apiFailure(
      apps.patchNamespacedDeployment(
        {
          name: 'web',
          namespace: 'crud',
          body: { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(stale.code).toBe(409);
  });

  it('applies a JSON patch, and a failed test operation is 422', async () => {
    const patched = await apps.patchNamespacedDeployment({
      name: 'web',
      namespace: 'crud',
      body: [
        { op: 'test', path: '/spec/replicas', value: 4 },
        { op: 'replace', path: '/spec/replicas', value: 6 },
        { op: 'add', path: '/metadata/annotations', value: { note: 'json' } },
      ],
    });
    expect(patched.spec?.replicas).toBe(6);
    expect(patched.metadata?.annotations).toEqual({ note: 'json' });
    const failed = await apiFailure(
      apps.patchNamespacedDeployment({
        name: 'web',
        namespace: 'crud',
        body: [{ op: 'test', path: '/spec/replicas', value: 99 }],
      }),
    );
    expect(failed.code).toBe(422);
  });

  it('applies a strategic merge patch: containers, ports and env merge by key', async () => {
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'crud',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'app',
                    image: 'app:2',
                    env: [{ name: 'EXTRA', value: 'b' }],
                    ports: [{ containerPort: 9090 }],
                  },
                  { name: 'sidecar', $patch: 'delete' },
                ],
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    expect(containers.map((container) => container.name)).toEqual(['app']);
    expect(containers[0]?.image).toBe('app:2');
    expect(containers[0]?.env?.map((entry) => entry.name)).toEqual(['MODE', 'EXTRA']);
    expect(containers[0]?.ports?.map((port) => port.containerPort)).toEqual([8080, 9090]);
  });

  it('merges Service ports by port under a strategic merge patch', async () => {
    await core.createNamespacedService({
      namespace: 'crud',
      body: {
        metadata: { name: 'svc' },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
      },
    });
    const patched = await core.patchNamespacedService(
      { name: 'svc', namespace: 'crud', body: { spec: { ports: [{ name: 'grpc', port: 9000 }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.ports?.map((port) => port.port)).toEqual([80, 9000]);
    expect(patched.spec?.clusterIP).toMatch(/^10\.96\./);
  });

  it('rejects a strategic merge patch on a custom resource with 415, as the apiserver does', async () => {
    await custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'crud',
      plural: 'virtualservices',
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'vs' },
        spec: { hosts: ['web'] },
      },
    });
    const failure = await apiFailure(
      custom.patchNamespacedCustomObject(
        {
          group: 'networking.istio.io',
          version: 'v1',
          namespace: 'crud',
          plural: 'virtualservices',
          name: 'vs',
          body: { spec: {} },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(failure.code).toBe(415);
  });
});

describe('server-side apply', () => {
  const route = (weight: number) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'ssa', namespace: 'crud', labels: { owner: 'serin' } },
    spec: {
      hosts: ['web'],
      http: [
        {
          route: [
            { destination: { host: 'web-primary' }, weight: 100 - weight },
            { destination: { host: 'web-canary' }, weight },
          ],
        },
      ],
    },
  });

  it('creates, records the manager, and conflicts with another manager unless forced', async () => {
    const client = KubernetesObjectApi.makeApiClient(kubeConfigFor(server));
    const created: KubernetesObject = await client.patch(
      route(0),
      undefined,
      undefined,
      'serin',
      false,
      PatchStrategy.ServerSideApply,
    );
    expect(created.metadata?.managedFields?.map((entry) => [entry.manager, entry.operation])).toEqual([
      ['serin', 'Apply'],
    ]);
    const again = await client.patch(
      route(10),
      undefined,
      undefined,
      'serin',
      false,
      PatchStrategy.ServerSideApply,
    );
    expect(
      (again as unknown as { spec: { http: { route: { weight: number }[] }[] } }).spec.http[0]?.route[1]
        ?.weight,
    ).toBe(10);
    const conflict = await apiFailure(
      client.patch(route(50), undefined, undefined, 'gitops', false, PatchStrategy.ServerSideApply),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.message).toContain('conflict with "serin"');
    const forced: KubernetesObject = await client.patch(
      route(50),
      undefined,
      undefined,
      'gitops',
      true,
      PatchStrategy.ServerSideApply,
    );
    const managers = forced.metadata?.managedFields?.map((entry) => entry.manager);
    expect(managers).toContain('gitops');
  });

  it('removes fields a manager stops applying, but not fields others set', async () => {
    const client = KubernetesObjectApi.makeApiClient(kubeConfigFor(server));
    const base = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owned', namespace: 'crud' },
      data: { a: '1', b: '2' },
    };
    await client.patch(base, undefined, undefined, 'serin', false, PatchStrategy.ServerSideApply);
    await core.patchNamespacedConfigMap(
      { name: 'owned', namespace: 'crud', body: { data: { c: '3' } }, fieldManager: 'human' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await client.patch(
      { ...base, data: { a: '1' } },
      undefined,
      undefined,
      'serin',
      false,
      PatchStrategy.ServerSideApply,
    );
    const read = await core.readNamespacedConfigMap({ name: 'owned', namespace: 'crud' });
    expect(read.data).toEqual({ a: '1', c: '3' });
  });

  it('requires a field manager for apply', async () => {
    const failure = await apiFailure(
      core.patchNamespacedConfigMap(
        {
          name: 'owned',
          namespace: 'crud',
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
    );
    expect(failure.code).toBe(422);
    expect(failure.message).toContain('fieldManager');
  });
});

describe('status subresource and generation', () => {
  const canary = {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, stepWeight: 10 },
    },
    status: { phase: 'Ignored' },
  };
  const ref = {
    group: 'serin.dev',
    version: 'v1beta1',
    namespace: 'crud',
    plural: 'canaries',
    name: 'podinfo',
  };

  it('drops status on create and bumps generation only on spec changes', async () => {
    const created = (await custom.createNamespacedCustomObject({ ...ref, body: canary })) as typeof canary & {
      metadata: { generation: number; resourceVersion: string };
    };
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    const labelled = (await custom.patchNamespacedCustomObject(
      { ...ref, body: { metadata: { labels: { a: 'b' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { metadata: { generation: number } };
    expect(labelled.metadata.generation).toBe(1);
    const respec = (await custom.patchNamespacedCustomObject(
      { ...ref, body: { spec: { analysis: { interval: '2m' } }, status: { phase: 'Hacked' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { metadata: { generation: number }; status?: unknown };
    expect(respec.metadata.generation).toBe(2);
    expect(respec.status).toBeUndefined();
  });

  it('changes only status through /status, without a new generation', async () => {
    const updated = (await custom.patchNamespacedCustomObjectStatus(
      {
        ...ref,
        body: {
          status: { phase: 'Progressing', observedGeneration: 2 },
          spec: { analysis: { interval: '9m' } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as {
      metadata: { generation: number };
      status: { phase: string };
      spec: { analysis: { interval: string } };
    };
    expect(updated.status.phase).toBe('Progressing');
    expect(updated.spec.analysis.interval).toBe('2m');
    expect(updated.metadata.generation).toBe(2);
    const current = (await custom.getNamespacedCustomObject(ref)) as {
      metadata: { resourceVersion: string };
    };
    const stale = await apiFailure(
      custom.replaceNamespacedCustomObjectStatus({
        ...ref,
        body: {
          ...canary,
          metadata: {
            name: 'podinfo',
            resourceVersion: String(Number(current.metadata.resourceVersion) - 1),
          },
          status: { phase: 'Failed' },
        },
      }),
    );
    expect(stale.code).toBe(409);
  });

  it('serves Deployment /status and /scale', async () => {
    const status = await apps.patchNamespacedDeploymentStatus(
      { name: 'web', namespace: 'crud', body: { status: { readyReplicas: 1, replicas: 6 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(status.status?.readyReplicas).toBe(1);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'crud' });
    expect(scale.spec?.replicas).toBe(6);
    expect(scale.status?.selector).toBe('app=web');
    await apps.replaceNamespacedDeploymentScale({
      name: 'web',
      namespace: 'crud',
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: scale.metadata, spec: { replicas: 0 } },
    });
    const read = await apps.readNamespacedDeployment({ name: 'web', namespace: 'crud' });
    expect(read.spec?.replicas).toBe(0);
  });
});

describe('deletion', () => {
  it('keeps an object with finalizers until they are removed', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'held', finalizers: ['serin.dev/finalizer'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'crud' });
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'crud' });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const noNew = await apiFailure(
      core.patchNamespacedConfigMap(
        {
          name: 'held',
          namespace: 'crud',
          body: { metadata: { finalizers: ['serin.dev/finalizer', 'other'] } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(noNew.code).toBe(422);
    await core.patchNamespacedConfigMap(
      { name: 'held', namespace: 'crud', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const gone = await apiFailure(core.readNamespacedConfigMap({ name: 'held', namespace: 'crud' }));
    expect(gone.code).toBe(404);
  });

  it('garbage-collects dependents through ownerReferences, and orphans on request', async () => {
    const owner = await apps.createNamespacedDeployment({ namespace: 'crud', body: deployment('owner') });
    const ownerReferences = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'owner',
        uid: owner.metadata!.uid!,
        controller: true,
      },
    ];
    await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'dep-1', ownerReferences } },
    });
    await core.createNamespacedService({
      namespace: 'crud',
      body: { metadata: { name: 'dep-2', ownerReferences }, spec: { ports: [{ port: 80 }] } },
    });
    await apps.deleteNamespacedDeployment({ name: 'owner', namespace: 'crud' });
    await waitFor('dependents to be collected', async () => {
      const maps = await core.listNamespacedConfigMap({
        namespace: 'crud',
        fieldSelector: 'metadata.name=dep-1',
      });
      const services = await core.listNamespacedService({
        namespace: 'crud',
        fieldSelector: 'metadata.name=dep-2',
      });
      return maps.items.length === 0 && services.items.length === 0;
    });

    const second = await apps.createNamespacedDeployment({ namespace: 'crud', body: deployment('owner2') });
    const references = [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner2', uid: second.metadata!.uid! },
    ];
    await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'kept', ownerReferences: references } },
    });
    await apps.deleteNamespacedDeployment({ name: 'owner2', namespace: 'crud', propagationPolicy: 'Orphan' });
    const kept = await core.readNamespacedConfigMap({ name: 'kept', namespace: 'crud' });
    expect(kept.metadata?.ownerReferences).toBeUndefined();
  });

  it('deletes a namespace with everything in it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'x' } } });
    await core.deleteNamespace({ name: 'doomed' });
    await waitFor(
      'namespace to go',
      async () => (await apiFailure(core.readNamespace({ name: 'doomed' }))).code === 404,
    );
    expect(server.store.list('/configmaps', 'doomed')).toHaveLength(0);
  });
});

describe('other kinds', () => {
  it('stores Leases and rejects Date timestamps that are not MicroTime, like the apiserver', async () => {
    const leases = kubeConfigFor(server).makeApiClient(CoordinationV1Api);
    const created = await leases.createNamespacedLease({
      namespace: 'crud',
      body: {
        metadata: { name: 'serin-leader' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new V1MicroTime() },
      },
    });
    expect(created.spec?.holderIdentity).toBe('a');
    const failure = await apiFailure(
      leases.patchNamespacedLease(
        {
          name: 'serin-leader',
          namespace: 'crud',
          body: { spec: { renewTime: '2026-01-01T00:00:00.123Z' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(failure.code).toBe(400);
  });

  it('serves autoscaling/v2 HorizontalPodAutoscalers with a status subresource', async () => {
    const hpas = kubeConfigFor(server).makeApiClient(AutoscalingV2Api);
    const created = await hpas.createNamespacedHorizontalPodAutoscaler({
      namespace: 'crud',
      body: {
        metadata: { name: 'web-primary' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-primary' },
          minReplicas: 2,
          maxReplicas: 4,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
            },
          ],
        },
      },
    });
    expect(created.spec?.metrics?.[0]?.resource?.target.averageUtilization).toBe(80);
    await hpas.patchNamespacedHorizontalPodAutoscalerStatus(
      {
        name: 'web-primary',
        namespace: 'crud',
        body: { status: { currentReplicas: 3, desiredReplicas: 3 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const listed = await hpas.listNamespacedHorizontalPodAutoscaler({ namespace: 'crud' });
    expect(listed.items.map((hpa) => [hpa.metadata?.name, hpa.status?.currentReplicas])).toEqual([
      ['web-primary', 3],
    ]);
  });

  it('stores core and events.k8s.io Events', async () => {
    await core.createNamespacedEvent({
      namespace: 'crud',
      body: {
        metadata: { name: 'e1' },
        involvedObject: { kind: 'Canary', name: 'podinfo' },
        reason: 'Synced',
        message: 'ok',
        type: 'Normal',
      },
    });
    const events = kubeConfigFor(server).makeApiClient(EventsV1Api);
    await events.createNamespacedEvent({
      namespace: 'crud',
      body: {
        metadata: { name: 'e2' },
        eventTime: new V1MicroTime(),
        reason: 'Promoted',
        note: 'done',
        type: 'Normal',
        action: 'Promote',
        reportingController: 'serin',
        reportingInstance: 'serin-1',
      },
    });
    const list = await core.listNamespacedEvent({
      namespace: 'crud',
      fieldSelector: 'involvedObject.name=podinfo',
    });
    expect(list.items.map((event) => event.reason)).toEqual(['Synced']);
    const newer = await events.listNamespacedEvent({ namespace: 'crud' });
    expect(newer.items.map((event) => event.reason)).toEqual(['Promoted']);
  });

  it('serves a CRD posted at run time, and forgets it and its objects when deleted', async () => {
    const config = kubeConfigFor(server);
    const client = KubernetesObjectApi.makeApiClient(config);
    await client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object' } },
            subresources: { status: {} },
          },
        ],
      },
    } as never);
    await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'crud',
      plural: 'widgets',
      body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } },
    });
    const listed = (await custom.listNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'crud',
      plural: 'widgets',
    })) as {
      items: unknown[];
    };
    expect(listed.items).toHaveLength(1);
    await client.delete({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
    });
    const failure = await apiFailure(
      custom.listNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: 'crud',
        plural: 'widgets',
      }),
    );
    expect(failure.code).toBe(404);
  });

  it('serves Istio kinds in v1 and v1beta1 from one storage, and Flagger Canaries', async () => {
    const beta = (await custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1beta1',
      namespace: 'crud',
      plural: 'virtualservices',
      name: 'vs',
    })) as { apiVersion: string };
    expect(beta.apiVersion).toBe('networking.istio.io/v1beta1');
    const flagger = (await custom.createNamespacedCustomObject({
      group: 'flagger.app',
      version: 'v1beta1',
      namespace: 'crud',
      plural: 'canaries',
      body: { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'f' }, spec: {} },
    })) as { metadata: { generation: number } };
    expect(flagger.metadata.generation).toBe(1);
  });
});
