/**
 * A controller installed with the namespaced Role (`serin install --scope namespace` runs it with
 * `--namespaced-rbac`) cannot write Kuma's cluster-scoped TrafficRoute: such a Canary is refused
 * naming spec.provider before anything is applied, and every request the controller does make is
 * one the shipped Role grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { KUMA_TRAFFIC_ROUTE } from '../../src/routing/providers/kuma.js';
import { allows, attributesOf, rulesOf } from './rbac-coverage.js';
import {
  canary,
  createNamespace,
  deployment,
  startController,
  TEST_USER_AGENT,
  useCluster,
  waitFor,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let ns: string;

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  client.userAgent = TEST_USER_AGENT;
  ns = await createNamespace(client, 'namespaced-rbac');
  controller = await startController(cluster, { namespace: ns, namespacedRbac: true });
});

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
});

interface Conditions {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}
const supported = (c: KubeObject | undefined) =>
  (c?.status as Conditions | undefined)?.conditions?.find((x) => x.type === 'Supported');
const phase = (c: KubeObject | undefined) => (c?.status as { phase?: string } | undefined)?.phase;

describe('a controller with the namespaced Role', { timeout: 150_000 }, () => {
  it('refuses a kuma Canary naming spec.provider, and runs it once it names a namespaced provider', async () => {
    await client.create(Resources.deployment, deployment(ns, 'km'));
    await client.create(Resources.serinCanary, canary(ns, 'km', { provider: 'kuma' }));
    const condition = await waitFor('a Supported=False condition', async () => {
      const c = supported(await client.get(Resources.serinCanary, ns, 'km'));
      return c?.status === 'False' ? c : undefined;
    });
    expect(condition.reason).toBe('Invalid');
    expect(condition.message).toContain('spec.provider: the kuma provider writes TrafficRoute');
    expect(condition.message).toContain('--namespaced-rbac');
    const event = await waitFor('an InvalidCanary event', async () => {
      const events = await client.list(Resources.event, ns);
      return events.items.find((e) => e.reason === 'InvalidCanary');
    });
    expect(String(event.message)).toContain('spec.provider');
    // Nothing was applied, not even the parts a Role could grant.
    expect(await client.get(Resources.deployment, ns, 'km-primary')).toBeUndefined();
    expect(await client.get(Resources.service, ns, 'km')).toBeUndefined();
    expect(await client.get(KUMA_TRAFFIC_ROUTE, '', 'km')).toBeUndefined();

    await client.patch(Resources.serinCanary, ns, 'km', { spec: { provider: 'istio' } });
    const running = await waitFor('the Canary initialized', async () => {
      const c = await client.get(Resources.serinCanary, ns, 'km');
      return phase(c) === 'Initialized' ? c : undefined;
    });
    expect(supported(running)).toMatchObject({ status: 'True' });
  });

  it.skipIf(process.env.KUBECONFIG)('made only requests the namespaced Role grants', () => {
    const server = cluster.server;
    if (!server) throw new Error('no test API server');
    const deploy = new URL('../../deploy/', import.meta.url);
    const rules = [
      ...rulesOf(new URL('namespaced/role.yaml', deploy).pathname),
      ...rulesOf(new URL('rbac/leader-election.yaml', deploy).pathname),
    ];
    const made = server.requests
      .filter((r) => r.userAgent === controller.client.userAgent)
      .map((r) => attributesOf(r))
      .filter((a) => a !== undefined);
    expect(made.length).toBeGreaterThan(0);
    expect(made.filter((a) => !allows(rules, a))).toEqual([]);
  });
});
