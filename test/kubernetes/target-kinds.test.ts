/**
 * End to end, per target kind Flagger runs besides a plain Deployment: a DaemonSet target, a
 * `kind: Service` target (routing only) and a Deployment scaled by a KEDA ScaledObject. Each runs a
 * promotion and a rollback with the real controller against the test API server (or KUBECONFIG's
 * cluster), and the objects are checked at each step. A rollback is forced by a rollout webhook
 * that answers 500, so the analysis fails for a reason the test controls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { deniedByShippedRoles, requestsMade } from './rbac-coverage.js';
import {
  canary,
  deployment,
  startControllerSuite,
  waitFor,
  waitForPhase,
  type ControllerSuite,
} from './support.js';

let suite: ControllerSuite;
let hooks: http.Server;
let failingHook: string;

beforeAll(async () => {
  hooks = http.createServer((_req, res) => res.writeHead(500).end('acceptance test failed'));
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  failingHook = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/check`;
  suite = await startControllerSuite('kinds');
}, 90_000);

afterAll(async () => {
  await suite.stop();
  hooks.close();
});

type Json = Record<string, unknown>;
const spec = (o: KubeObject | undefined): Json => (o?.spec ?? {}) as Json;
const status = (o: KubeObject | undefined): Json => (o as { status?: Json } | undefined)?.status ?? {};
const podSpec = (o: KubeObject | undefined): Json => ((spec(o).template as Json).spec ?? {}) as Json;
const selectorOf = (o: KubeObject | undefined): unknown => spec(o).selector;

async function get(
  type: (typeof Resources)[keyof typeof Resources],
  name: string,
): Promise<KubeObject | undefined> {
  return suite.client.get(type, suite.ns, name);
}

/** The weights the VirtualService routes to the primary and the canary host. */
async function weights(apex: string): Promise<Record<string, number>> {
  const vs = await get(Resources.virtualService, apex);
  const http = (spec(vs).http ?? []) as { route?: { destination: { host: string }; weight?: number }[] }[];
  const last = http[http.length - 1]?.route ?? [];
  return Object.fromEntries(last.map((r) => [r.destination.host, r.weight ?? 0]));
}

/** Adds a rollout webhook that always fails, so the next run rolls back. */
async function failAnalysis(name: string): Promise<void> {
  const live = await suite.client.get(Resources.serinCanary, suite.ns, name);
  const analysis = {
    ...(spec(live).analysis as Json),
    webhooks: [{ name: 'acceptance', type: 'rollout', url: failingHook }],
  };
  await suite.client.patch(Resources.serinCanary, suite.ns, name, { spec: { analysis } });
}

function daemonSet(name: string, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: suite.ns, labels: { app: name } },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 9898 }] }] },
      },
    },
  };
}

async function setDaemonSetImage(name: string, image: string): Promise<void> {
  await suite.client.patch(
    Resources.daemonSet,
    suite.ns,
    name,
    { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
    'strategic',
  );
}

const PARKED = 'serin.dev/scale-to-zero';

describe('DaemonSet target', { timeout: 180_000 }, () => {
  it('initializes: a primary DaemonSet on every node, the target parked by nodeSelector', async () => {
    await suite.client.create(Resources.daemonSet, daemonSet('agent', 'example/agent:1'));
    await suite.client.create(
      Resources.serinCanary,
      canary(suite.ns, 'agent', { targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent' } }),
    );
    await waitForPhase(suite.client, suite.ns, 'agent', 'Initialized', 60_000);
    const primary = await get(Resources.daemonSet, 'agent-primary');
    expect(primary?.kind).toBe('DaemonSet');
    expect(selectorOf(primary)).toEqual({ matchLabels: { app: 'agent-primary' } });
    expect(((spec(primary).template as Json).metadata as Json).labels).toMatchObject({
      app: 'agent-primary',
    });
    expect(spec(primary)).not.toHaveProperty('replicas');
    expect(primary?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Canary', name: 'agent' });
    expect(podSpec(primary).nodeSelector).toBeUndefined();
    await waitFor('the primary on all three nodes', async () => {
      const s = status(await get(Resources.daemonSet, 'agent-primary'));
      return s.numberAvailable === 3 && s.desiredNumberScheduled === 3;
    });
    await waitFor('the target parked on no node', async () => {
      const target = await get(Resources.daemonSet, 'agent');
      return (podSpec(target).nodeSelector as Json | undefined)?.[PARKED] === 'true' &&
        status(target).desiredNumberScheduled === 0
        ? target
        : undefined;
    });
    expect(selectorOf(await get(Resources.service, 'agent'))).toEqual({ app: 'agent-primary' });
    expect(selectorOf(await get(Resources.service, 'agent-canary'))).toEqual({ app: 'agent' });
  });

  it('promotes: the canary runs on every node during the analysis, the primary gets the template, the target is parked again', async () => {
    await setDaemonSetImage('agent', 'example/agent:2');
    await waitFor('canary weight 50', async () => (await weights('agent'))['agent-canary'] === 50);
    const running = await get(Resources.daemonSet, 'agent');
    expect(podSpec(running).nodeSelector ?? {}).not.toHaveProperty(PARKED);
    expect(status(running).desiredNumberScheduled).toBe(3);
    await waitForPhase(suite.client, suite.ns, 'agent', 'Succeeded', 90_000);
    const primary = await get(Resources.daemonSet, 'agent-primary');
    expect(JSON.stringify(podSpec(primary))).toContain('example/agent:2');
    expect(podSpec(primary).nodeSelector).toBeUndefined();
    await waitFor('the target parked after promotion', async () => {
      const target = await get(Resources.daemonSet, 'agent');
      return (podSpec(target).nodeSelector as Json | undefined)?.[PARKED] === 'true';
    });
    expect(await weights('agent')).toEqual({ 'agent-primary': 100, 'agent-canary': 0 });
  });

  it('rolls back: the primary keeps its template, all traffic to it, the target parked', async () => {
    await failAnalysis('agent');
    await setDaemonSetImage('agent', 'example/agent:3');
    await waitForPhase(suite.client, suite.ns, 'agent', 'Failed', 90_000);
    const primary = await get(Resources.daemonSet, 'agent-primary');
    expect(JSON.stringify(podSpec(primary))).toContain('example/agent:2');
    expect(await weights('agent')).toEqual({ 'agent-primary': 100, 'agent-canary': 0 });
    await waitFor('the target parked after rollback', async () => {
      const target = await get(Resources.daemonSet, 'agent');
      return (podSpec(target).nodeSelector as Json | undefined)?.[PARKED] === 'true';
    });
  });
});

function userService(name: string, version: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: suite.ns, labels: { app: name }, annotations: { team: 'shop' } },
    spec: { selector: { app: version }, ports: [{ name: 'http', port: 9898, targetPort: 9898 }] },
  };
}

async function setSelector(name: string, version: string): Promise<void> {
  await suite.client.patch(Resources.service, suite.ns, name, { spec: { selector: { app: version } } });
}

describe('Service target (routing only)', { timeout: 180_000 }, () => {
  let targetVersion: string | undefined;

  it('initializes: -primary and -canary copies of the target Service, the target itself untouched', async () => {
    for (const version of ['web-v1', 'web-v2', 'web-v3'])
      await suite.client.create(Resources.deployment, deployment(suite.ns, version, { replicas: 1 }));
    await suite.client.create(Resources.service, userService('web', 'web-v1'));
    targetVersion = (await get(Resources.service, 'web'))?.metadata.resourceVersion;
    await suite.client.create(
      Resources.serinCanary,
      canary(suite.ns, 'web', { targetRef: { apiVersion: 'v1', kind: 'Service', name: 'web' } }),
    );
    await waitForPhase(suite.client, suite.ns, 'web', 'Initialized', 60_000);
    for (const name of ['web-primary', 'web-canary']) {
      const copy = await get(Resources.service, name);
      expect(selectorOf(copy)).toEqual({ app: 'web-v1' });
      expect(copy?.metadata.annotations).toMatchObject({ team: 'shop' });
      expect(copy?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Canary', name: 'web' });
      expect(spec(copy).clusterIP).not.toBe(spec(await get(Resources.service, 'web')).clusterIP);
    }
    const target = await get(Resources.service, 'web');
    expect(target?.metadata.resourceVersion).toBe(targetVersion);
    expect(target?.metadata.ownerReferences).toBeUndefined();
    expect(await weights('web')).toEqual({ 'web-primary': 100, 'web-canary': 0 });
    // No workload of Serin's: no primary Deployment next to the user's.
    expect(await get(Resources.deployment, 'web-primary')).toBeUndefined();
  });

  it('promotes a new selector: the canary copy follows it at once, the primary copy on promotion', async () => {
    await setSelector('web', 'web-v2');
    await waitFor('canary weight 50', async () => (await weights('web'))['web-canary'] === 50);
    expect(selectorOf(await get(Resources.service, 'web-canary'))).toEqual({ app: 'web-v2' });
    expect(selectorOf(await get(Resources.service, 'web-primary'))).toEqual({ app: 'web-v1' });
    await waitForPhase(suite.client, suite.ns, 'web', 'Succeeded', 90_000);
    expect(selectorOf(await get(Resources.service, 'web-primary'))).toEqual({ app: 'web-v2' });
    expect(await weights('web')).toEqual({ 'web-primary': 100, 'web-canary': 0 });
    // Only the user wrote the target: its selector is the one they set.
    expect(selectorOf(await get(Resources.service, 'web'))).toEqual({ app: 'web-v2' });
  });

  it('rolls back: the primary copy keeps the promoted selector, all traffic to it', async () => {
    await failAnalysis('web');
    await setSelector('web', 'web-v3');
    await waitForPhase(suite.client, suite.ns, 'web', 'Failed', 90_000);
    expect(selectorOf(await get(Resources.service, 'web-primary'))).toEqual({ app: 'web-v2' });
    expect(selectorOf(await get(Resources.service, 'web-canary'))).toEqual({ app: 'web-v3' });
    expect(await weights('web')).toEqual({ 'web-primary': 100, 'web-canary': 0 });
  });
});

const PAUSED = 'autoscaling.keda.sh/paused-replicas';

function scaledObject(name: string, target: string): KubeObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: suite.ns },
    spec: {
      scaleTargetRef: { name: target },
      minReplicaCount: 2,
      maxReplicaCount: 6,
      triggers: [
        {
          type: 'prometheus',
          name: 'rps',
          metadata: {
            serverAddress: 'http://prometheus:9090',
            query: `sum(rate(http_requests_total{deployment="${target}"}[1m])) + sum(rate(http_requests_total{deployment="${target}-canary"}[1m]))`,
            threshold: '100',
          },
        },
      ],
    },
  };
}

async function setImage(name: string, image: string): Promise<void> {
  await suite.client.patch(
    Resources.deployment,
    suite.ns,
    name,
    { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
    'strategic',
  );
}

describe('KEDA ScaledObject autoscaler', { timeout: 180_000 }, () => {
  it("initializes: a primary ScaledObject for the primary, the target's paused at zero", async () => {
    await suite.client.create(Resources.deployment, deployment(suite.ns, 'api', { replicas: 2 }));
    await suite.client.create(Resources.scaledObject, scaledObject('api-so', 'api'));
    await suite.client.create(
      Resources.serinCanary,
      canary(suite.ns, 'api', {
        autoscalerRef: {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          name: 'api-so',
          primaryScalerReplicas: { maxReplicas: 8 },
        },
      }),
    );
    await waitForPhase(suite.client, suite.ns, 'api', 'Initialized', 60_000);
    const primary = await get(Resources.scaledObject, 'api-so-primary');
    expect(spec(primary).scaleTargetRef).toEqual({ name: 'api-primary' });
    expect(spec(primary)).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 8 });
    const trigger = (spec(primary).triggers as { metadata: { query: string } }[])[0];
    expect(trigger?.metadata.query).toBe(
      'sum(rate(http_requests_total{deployment="api-primary"}[1m])) + sum(rate(http_requests_total{deployment="api-primary"}[1m]))',
    );
    expect(primary?.metadata.annotations?.[PAUSED]).toBeUndefined();
    expect(primary?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Canary', name: 'api' });
    const user = await get(Resources.scaledObject, 'api-so');
    expect(user?.metadata.annotations?.[PAUSED]).toBe('0');
    expect(spec(await get(Resources.deployment, 'api')).replicas).toBe(0);
  });

  it("promotes: the target's ScaledObject is resumed for the analysis and paused again after", async () => {
    await setImage('api', 'example/api:2');
    await waitFor('canary weight 50', async () => (await weights('api'))['api-canary'] === 50);
    const during = await get(Resources.scaledObject, 'api-so');
    expect(during?.metadata.annotations?.[PAUSED]).toBeUndefined();
    // Flagger's ScaleFromZero: the target's own replicas are 0, so KEDA's minReplicaCount.
    expect(spec(await get(Resources.deployment, 'api')).replicas).toBe(2);
    await waitForPhase(suite.client, suite.ns, 'api', 'Succeeded', 90_000);
    expect(JSON.stringify(spec(await get(Resources.deployment, 'api-primary')))).toContain('example/api:2');
    await waitFor('the target paused again', async () => {
      const user = await get(Resources.scaledObject, 'api-so');
      return user?.metadata.annotations?.[PAUSED] === '0';
    });
    expect(spec(await get(Resources.deployment, 'api')).replicas).toBe(0);
    expect(
      (await get(Resources.scaledObject, 'api-so-primary'))?.metadata.annotations?.[PAUSED],
    ).toBeUndefined();
  });

  it('rolls back: the primary keeps its template, the target is paused and at zero', async () => {
    await failAnalysis('api');
    await setImage('api', 'example/api:3');
    await waitForPhase(suite.client, suite.ns, 'api', 'Failed', 90_000);
    expect(JSON.stringify(spec(await get(Resources.deployment, 'api-primary')))).toContain('example/api:2');
    expect(await weights('api')).toEqual({ 'api-primary': 100, 'api-canary': 0 });
    await waitFor('the target paused after rollback', async () => {
      const user = await get(Resources.scaledObject, 'api-so');
      return user?.metadata.annotations?.[PAUSED] === '0';
    });
    expect(spec(await get(Resources.deployment, 'api')).replicas).toBe(0);
  });
});

describe('RBAC', () => {
  it.skipIf(process.env.KUBECONFIG)(
    'the shipped ClusterRole and namespaced Role allow every request the controller made',
    () => {
      const server = suite.cluster.server;
      if (!server) throw new Error('no test API server');
      const made = requestsMade(server.requests, suite.controller.client.userAgent);
      for (const needed of ['apps/daemonsets:patch', 'apps/daemonsets:create', 'keda.sh/scaledobjects:patch'])
        expect(made).toContain(needed);
      expect(deniedByShippedRoles(made)).toEqual({ cluster: [], namespaced: [] });
    },
  );
});
