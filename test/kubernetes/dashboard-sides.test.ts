/**
 * The cluster dashboard's sides for every target kind Serin runs: a DaemonSet's images, a Service
 * target's copies by what they select (and the pods they select), read from the API server (the
 * test API server, or KUBECONFIG's cluster) as the dashboard backend reads them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryDocument, type Canary } from '../../src/api/canary.js';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { kubernetesSides } from '../../src/kubernetes/dashboard-sides.js';
import { Resources } from '../../src/kubernetes/resources.js';
import { createNamespace, TEST_USER_AGENT, useCluster, type Cluster } from './support.js';

let cluster: Cluster;
let client: KubeClient;
let ns: string;

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  client.userAgent = TEST_USER_AGENT;
  ns = await createNamespace(client, 'dashboard-sides');
}, 60_000);
afterAll(async () => {
  await cluster.stop();
});

function canaryFor(kind: string, name: string): Canary {
  return CanaryDocument.parse({
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: ns },
    spec: {
      targetRef: { apiVersion: kind === 'Service' ? 'v1' : 'apps/v1', kind, name },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 2, stepWeight: 50, maxWeight: 50 },
    },
  });
}

function daemonSet(name: string, app: string, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app } },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app } },
        spec: { containers: [{ name: 'agent', image }] },
      },
    },
  };
}

function service(name: string, selector: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector, ports: [{ name: 'http', port: 9898 }] },
  };
}

describe('dashboard sides on a cluster', () => {
  it("shows each DaemonSet's images: the primary copy's and the target's", async () => {
    await client.create(Resources.daemonSet, daemonSet('agent-primary', 'agent-primary', 'example/agent:1'));
    await client.create(Resources.daemonSet, daemonSet('agent', 'agent', 'example/agent:2'));
    const sides = await kubernetesSides(client, canaryFor('DaemonSet', 'agent'));
    expect(sides.primary.version).toBe('example/agent:1');
    expect(sides.canary.version).toBe('example/agent:2');
  });

  it("shows a Service target's copies by what they select, and a pod they select", async () => {
    await client.create(Resources.service, service('web-primary', { app: 'web', track: 'stable' }));
    await client.create(Resources.service, service('web', { app: 'web', track: 'next' }));
    await client.create(Resources.pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-next-0', namespace: ns, labels: { app: 'web', track: 'next' } },
      spec: { containers: [{ name: 'app', image: 'example/web:2' }] },
    });
    const sides = await kubernetesSides(client, canaryFor('Service', 'web'));
    expect(sides.primary.version).toBe('Service web-primary selecting app=web,track=stable');
    expect(sides.canary.version).toBe('Service web selecting app=web,track=next');
    // The pod the canary copy selects is the one whose log is shown (or why it cannot be read).
    expect(sides.canary.logSource).toMatch(/^pod web-next-0, container app/);
    expect(sides.primary.logSource).toBeUndefined();
  });
});
