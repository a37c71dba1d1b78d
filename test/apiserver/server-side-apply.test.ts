// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
/**
 * Server-side apply as kube-apiserver documents it
 * (https://kubernetes.io/docs/reference/using-api/server-side-apply/), case by case. Each case names
 * the documented rule it checks. The suite runs against a real cluster when KUBECONFIG is set.
 */
import { randomUUID } from 'node:crypto';

import {
  ApiException,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { useCluster, type Cluster } from './index.js';
import { kubectl } from './testing.js';

interface Status {
  code: number;
  reason: string;
  message: string;
  causes: { reason?: string; field?: string; message?: string }[];
}

interface Port {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
}

interface ServiceShape extends KubernetesObject {
  spec: {
    ports: Port[];
    selector?: Record<string, string>;
    clusterIP?: string;
    type?: string;
    sessionAffinity?: string;
  };
}

let cluster: Cluster;
let objects: KubernetesObjectApi;
let core: CoreV1Api;
const namespace = `ssa-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  cluster = await useCluster({ deployments: { enabled: false } });
  objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
}, 60_000);

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await cluster.stop();
});

function apply<T extends KubernetesObject>(body: T, manager: string, force = false): Promise<T> {
  return objects.patch(body, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
}

async function failure(call: Promise<unknown>): Promise<Status> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = JSON.parse(String(error.body)) as {
      reason?: string;
      message?: string;
      details?: { causes?: Status['causes'] };
    };
    return {
      code: error.code,
      reason: body.reason ?? '',
      message: body.message ?? '',
      causes: body.details?.causes ?? [],
    };
  }
  throw new Error('expected the request to fail');
}

function service(name: string, ports: Port[], extra: Partial<ServiceShape['spec']> = {}): ServiceShape {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports, ...extra },
  };
}

function create(body: ServiceShape): Promise<unknown> {
  return objects.create(body);
}

async function readService(name: string): Promise<ServiceShape> {
  return (await core.readNamespacedService({ name, namespace })) as unknown as ServiceShape;
}

function managerFields(object: KubernetesObject, manager: string): Record<string, unknown> {
  const entry = object.metadata?.managedFields?.find((e) => e.manager === manager);
  return (entry?.fieldsV1 ?? {}) as Record<string, unknown>;
}

const http = { name: 'http', port: 80, targetPort: 8080 };
const metrics = { name: 'metrics', port: 9090 };
const admin = { name: 'admin', port: 8081 };

describe('server-side apply: merge strategy of lists', () => {
  it('merges a listType=map list by its keys: Service ports are keyed by port and protocol, a defaulted protocol included', async () => {
    await apply(service('keyed', [http, metrics]), 'serin');
    await apply(service('keyed', [admin]), 'user');
    const live = await readService('keyed');
    expect(live.spec.ports.map((p) => p.name)).toEqual(['http', 'metrics', 'admin']);
    const ports = (managerFields(live, 'serin')['f:spec'] as Record<string, unknown>)['f:ports'];
    expect(Object.keys(ports as object)).toEqual(
      expect.arrayContaining(['k:{"port":80,"protocol":"TCP"}', 'k:{"port":9090,"protocol":"TCP"}']),
    );
  });

  it('an applier that drops a list item removes only that item, whole: no empty item is left behind', async () => {
    await apply(service('keyed', [http]), 'serin');
    const live = await readService('keyed');
    expect(live.spec.ports.map((p) => p.port)).toEqual([80, 8081]);
    expect(live.spec.ports.every((p) => typeof p.port === 'number' && p.protocol === 'TCP')).toBe(true);
  });

  it('merges a listType=set list by value across managers (metadata.finalizers)', async () => {
    const map = (finalizers: string[]) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'finalized', namespace, finalizers },
    });
    await apply(map(['example.com/a']), 'one');
    const both = await apply(map(['example.com/b']), 'two');
    expect(both.metadata.finalizers).toEqual(['example.com/a', 'example.com/b']);
    const dropped = await apply(map([]), 'one');
    expect(dropped.metadata.finalizers).toEqual(['example.com/b']);
    await apply(map([]), 'two');
  });

  it('replaces an atomic list whole, and a second applier of it conflicts (Container args)', async () => {
    const pod = (args: string[]) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'atomic', namespace },
      spec: { containers: [{ name: 'app', image: 'app:1', args }] },
    });
    await apply(pod(['--a', '--b']), 'serin');
    const conflict = await failure(apply(pod(['--c']), 'user'));
    expect(conflict.code).toBe(409);
    expect(conflict.causes.map((c) => c.field)).toEqual(['.spec.containers[name="app"].args']);
  });
});

describe('server-side apply: field ownership', () => {
  it('the applier owns what it sent, not what the server defaulted: re-applying less never strips clusterIP, type or sessionAffinity', async () => {
    await apply(service('defaulted', [http]), 'serin');
    const first = await readService('defaulted');
    expect(first.spec.type).toBe('ClusterIP');
    const spec = managerFields(first, 'serin')['f:spec'] as Record<string, unknown>;
    for (const field of ['f:clusterIP', 'f:type', 'f:sessionAffinity'])
      expect(spec).not.toHaveProperty(field);
    await apply({ ...service('defaulted', [http]), spec: { ports: [http] } }, 'serin');
    const again = await readService('defaulted');
    expect(again.spec.clusterIP).toBe(first.spec.clusterIP);
    expect(again.spec.type).toBe('ClusterIP');
    expect(again.spec.sessionAffinity).toBe('None');
    expect(again.spec.selector).toBeUndefined();
  });

  it('a field two appliers set to the same value is shared, and stays while either still applies it', async () => {
    await apply(service('shared', [http], { sessionAffinity: 'ClientIP' }), 'one');
    await apply(service('shared', [http], { sessionAffinity: 'ClientIP' }), 'two');
    await apply(service('shared', [http]), 'one');
    expect((await readService('shared')).spec.sessionAffinity).toBe('ClientIP');
  });

  it('an item another manager also owns fields in keeps those fields when the first applier drops it', async () => {
    await apply(service('co-owned', [http, metrics]), 'serin');
    await apply(service('co-owned', [{ name: 'metrics', port: 9090, targetPort: 9091 }]), 'user');
    await apply(service('co-owned', [http]), 'serin');
    const port = (await readService('co-owned')).spec.ports.find((p) => p.port === 9090);
    expect(port).toMatchObject({ port: 9090, protocol: 'TCP', targetPort: 9091 });
  });
});

describe('server-side apply: conflicts', () => {
  it('changing a field another manager owns is a 409 Conflict naming the manager and the field path', async () => {
    await apply(service('contested', [http]), 'serin');
    const conflict = await failure(apply(service('contested', [{ ...http, targetPort: 9999 }]), 'user'));
    expect(conflict.code).toBe(409);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toBe(
      'Apply failed with 1 conflict: conflict with "serin": .spec.ports[port=80,protocol="TCP"].targetPort',
    );
    expect(conflict.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "serin"',
        field: '.spec.ports[port=80,protocol="TCP"].targetPort',
      },
    ]);
  });

  it('an Update manager is named with its API version in a conflict', async () => {
    await core.patchNamespacedService(
      {
        name: 'contested',
        namespace,
        body: { spec: { sessionAffinity: 'ClientIP' } },
        fieldManager: 'editor',
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const conflict = await failure(apply(service('contested', [http], { sessionAffinity: 'None' }), 'serin'));
    expect(conflict.code).toBe(409);
    expect(conflict.causes[0]?.message).toMatch(/^conflict with "editor" using v1/);
    expect(conflict.causes[0]?.field).toBe('.spec.sessionAffinity');
  });

  it('force=true takes the field over: the value changes and the previous owner loses it', async () => {
    const forced = await apply(service('contested', [{ ...http, targetPort: 9999 }]), 'user', true);
    const port = forced.spec.ports.find((p) => p.port === 80);
    expect(port?.targetPort).toBe(9999);
    const serinPorts = (managerFields(forced, 'serin')['f:spec'] as Record<string, Record<string, unknown>>)[
      'f:ports'
    ];
    expect(serinPorts?.['k:{"port":80,"protocol":"TCP"}']).not.toHaveProperty('f:targetPort');
  });
});

describe('strategic merge patch after server-side apply', () => {
  it('kubectl apply (client-side, merge key port) works on a Service whose ports an applier changed', async () => {
    await apply(service('mixed', [http, metrics]), 'serin');
    await apply(service('mixed', [http]), 'serin');
    const manifest = stringify(service('mixed', [http, { name: 'grpc', port: 9000 }]));
    const result = await kubectl(cluster.kubeconfigPath, ['apply', '-f', '-'], manifest);
    expect(result.stderr).not.toContain('does not contain declared merge key');
    expect(result.code).toBe(0);
    expect((await readService('mixed')).spec.ports.map((p) => p.port)).toEqual([80, 9000]);
  });
});

describe('Service port validation (ValidateService)', () => {
  it('rejects two ports with one name: 422 naming spec.ports[1].name', async () => {
    const invalid = await failure(create(service('dupname', [http, { name: 'http', port: 81 }])));
    expect(invalid.code).toBe(422);
    expect(invalid.causes).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueDuplicate', field: 'spec.ports[1].name' }),
    );
  });

  it('rejects two ports with one port and protocol: 422 naming spec.ports[1]', async () => {
    const invalid = await failure(
      create(service('dupport', [http, { name: 'other', port: 80, targetPort: 81 }])),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.causes).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueDuplicate', field: 'spec.ports[1]' }),
    );
  });

  it('requires a name on every port when there are several: 422 naming spec.ports[0].name', async () => {
    const invalid = await failure(create(service('unnamed', [{ port: 80 }, { name: 'b', port: 81 }])));
    expect(invalid.code).toBe(422);
    expect(invalid.causes).toContainEqual(
      expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.ports[0].name' }),
    );
  });

  it('rejects a duplicate that a merge produces, and stores nothing', async () => {
    await apply(service('merged-dup', [http]), 'serin');
    const invalid = await failure(apply(service('merged-dup', [{ name: 'http', port: 81 }]), 'user'));
    expect(invalid.code).toBe(422);
    expect((await readService('merged-dup')).spec.ports.map((p) => p.port)).toEqual([80]);
  });
});
