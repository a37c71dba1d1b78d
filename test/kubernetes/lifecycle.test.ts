/**
 * End to end: config tracking, the primary HPA, a new revision in the middle of a run, and Canary
 * deletion with and without revertOnDeletion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import {
  canary,
  deployment,
  getCanary,
  replicasOf,
  setImage,
  waitFor,
  waitForPhase,
  startControllerSuite,
  type ControllerSuite,
} from './support.js';

let suite: ControllerSuite;
let client: KubeClient;
let ns: string;

beforeAll(async () => {
  suite = await startControllerSuite('lifecycle');
  ({ client, ns } = suite);
}, 60_000);

afterAll(async () => {
  await suite.stop();
});

describe('config tracking', { timeout: 150_000 }, () => {
  it('copies used ConfigMaps and Secrets as -primary and treats a data change as a new revision', async () => {
    await client.create(Resources.configMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: ns },
      data: { level: 'info' },
    });
    await client.create(Resources.secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: ns },
      type: 'Opaque',
      data: { token: Buffer.from('one').toString('base64') },
    });
    const podSpec = {
      volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
      containers: [
        {
          name: 'app',
          image: 'example/cfg:1',
          env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
          volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
        },
      ],
    };
    await client.create(Resources.deployment, deployment(ns, 'cfg', { podSpec }));
    await client.create(Resources.serinCanary, canary(ns, 'cfg'));
    await waitForPhase(client, ns, 'cfg', 'Initialized');
    expect((await client.get(Resources.configMap, ns, 'cfg-primary'))?.data).toEqual({ level: 'info' });
    expect(await client.get(Resources.secret, ns, 'creds-primary')).toBeDefined();
    const primarySpec = JSON.stringify((await client.get(Resources.deployment, ns, 'cfg-primary'))?.spec);
    expect(primarySpec).toContain('"configMap":{"name":"cfg-primary"}');
    expect(primarySpec).toContain('"name":"creds-primary"');

    await client.patch(Resources.configMap, ns, 'cfg', { data: { level: 'debug' } });
    await waitFor('a run for the config change', async () => {
      const c = await getCanary(client, ns, 'cfg');
      return c.status?.phase === 'Progressing' || c.status?.phase === 'Promoting';
    });
    await waitForPhase(client, ns, 'cfg', 'Succeeded', 60_000);
    expect((await client.get(Resources.configMap, ns, 'cfg-primary'))?.data).toEqual({ level: 'debug' });
  });
});

describe('HPA', { timeout: 150_000 }, () => {
  it('clones the HPA for the primary', async () => {
    await client.create(Resources.deployment, deployment(ns, 'scaled'));
    await client.create(Resources.hpa, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'scaled', namespace: ns },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scaled' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
      },
    });
    await client.create(
      Resources.serinCanary,
      canary(ns, 'scaled', {
        autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'scaled' },
      }),
    );
    await waitForPhase(client, ns, 'scaled', 'Initialized');
    const hpa = await client.get(Resources.hpa, ns, 'scaled-primary');
    expect(hpa?.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'scaled-primary' },
      minReplicas: 2,
      maxReplicas: 5,
    });
    expect(hpa?.metadata.ownerReferences?.[0]?.kind).toBe('Canary');
  });
});

describe('a new revision mid-run', { timeout: 150_000 }, () => {
  it('restarts the analysis at weight 0 and promotes the newest revision', async () => {
    await client.create(Resources.deployment, deployment(ns, 'moving'));
    await client.create(Resources.serinCanary, canary(ns, 'moving', {}, { stepWeight: 10, maxWeight: 40 }));
    await waitForPhase(client, ns, 'moving', 'Initialized');
    await setImage(client, ns, 'moving', 'example/moving:2');
    await waitFor(
      'weight above 0',
      async () => ((await getCanary(client, ns, 'moving')).status?.canaryWeight as number) >= 10,
    );
    await setImage(client, ns, 'moving', 'example/moving:3');
    const done = await waitForPhase(client, ns, 'moving', 'Succeeded', 90_000);
    const actions = ((done.status?.decisions ?? []) as { action: string }[]).map((d) => d.action);
    expect(actions).toContain('Restart');
    const primary = JSON.stringify((await client.get(Resources.deployment, ns, 'moving-primary'))?.spec);
    expect(primary).toContain('example/moving:3');
  });
});

describe('deletion', { timeout: 150_000 }, () => {
  it("without revertOnDeletion: the target gets its replicas back and Serin's objects go", async () => {
    await client.create(Resources.deployment, deployment(ns, 'gone', { replicas: 3 }));
    await client.create(Resources.serinCanary, canary(ns, 'gone'));
    await waitForPhase(client, ns, 'gone', 'Initialized');
    await waitFor('target at zero', async () => (await replicasOf(client, ns, 'gone')) === 0);
    await client.delete(Resources.serinCanary, ns, 'gone');
    await waitFor(
      'canary removed',
      async () => (await client.get(Resources.serinCanary, ns, 'gone')) === undefined,
    );
    expect(await replicasOf(client, ns, 'gone')).toBe(3);
    await waitFor(
      'primary removed',
      async () => (await client.get(Resources.deployment, ns, 'gone-primary')) === undefined,
    );
  });

  it("with revertOnDeletion: the user's Service and VirtualService get their original spec back", async () => {
    await client.create(Resources.deployment, deployment(ns, 'rev', { replicas: 2 }));
    await client.create(Resources.service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'rev', namespace: ns },
      spec: { selector: { app: 'rev' }, ports: [{ name: 'http', port: 9898, targetPort: 9898 }] },
    });
    const original = { hosts: ['rev'], http: [{ route: [{ destination: { host: 'rev' } }], timeout: '5s' }] };
    await client.create(Resources.virtualService, {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'rev', namespace: ns },
      spec: original,
    });
    await client.create(Resources.serinCanary, canary(ns, 'rev', { revertOnDeletion: true }));
    await waitForPhase(client, ns, 'rev', 'Initialized');
    const taken = await client.get(Resources.virtualService, ns, 'rev');
    expect(JSON.stringify(taken?.spec)).toContain('rev-primary');
    expect(
      ((await client.get(Resources.service, ns, 'rev'))?.spec as { selector: unknown }).selector,
    ).toEqual({ app: 'rev-primary' });

    await client.delete(Resources.serinCanary, ns, 'rev');
    await waitFor(
      'canary removed',
      async () => (await client.get(Resources.serinCanary, ns, 'rev')) === undefined,
      60_000,
    );
    expect(await replicasOf(client, ns, 'rev')).toBe(2);
    expect((await client.get(Resources.virtualService, ns, 'rev'))?.spec).toEqual(original);
    const svc = await client.get(Resources.service, ns, 'rev');
    expect((svc?.spec as { selector: unknown }).selector).toEqual({ app: 'rev' });
  });
});
