/**
 * Deletion always finishes (issue 17): deleting the whole namespace, or `kubectl delete -f` of a
 * file holding the target Deployment and its Canary, used to leave the Canary Terminating forever
 * (the controller retried "spec.targetRef not found" once a second). Both Canary groups, with the
 * real kubectl against the real API (test API server, or the cluster KUBECONFIG names).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources, type ResourceType } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { kubectl } from '../apiserver/testing.js';
import {
  canary,
  createNamespace,
  deployment,
  startController,
  useCluster,
  waitFor,
  type Cluster,
} from './support.js';

type Group = 'serin.dev' | 'flagger.app';
const GROUPS: Group[] = ['serin.dev', 'flagger.app'];
const typeOf = (group: Group): ResourceType =>
  group === 'serin.dev' ? Resources.serinCanary : Resources.flaggerCanary;

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
const files = mkdtempSync(join(tmpdir(), 'serin-deletion-'));

beforeAll(async () => {
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  // Watching every namespace, as an installed controller does: a namespace comes and goes under it.
  controller = await startController(cluster, {});
}, 60_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
  rmSync(files, { recursive: true, force: true });
});

function canaryOf(group: Group, ns: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { ...canary(ns, name, spec), apiVersion: `${group}/v1beta1` };
}

async function initialized(group: Group, ns: string, name: string): Promise<void> {
  await waitFor(`canary ${name} Initialized`, async () => {
    const live = await client.get(typeOf(group), ns, name);
    return (live?.status as { phase?: string } | undefined)?.phase === 'Initialized';
  });
}

async function run(args: string[], stdin = ''): Promise<string> {
  const result = await kubectl(cluster.kubeconfigPath, args, stdin);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Names of what is left in a namespace, of every kind Serin creates for a Canary. */
async function leftovers(ns: string): Promise<string[]> {
  const kinds = [
    Resources.deployment,
    Resources.service,
    Resources.virtualService,
    Resources.destinationRule,
    Resources.configMap,
    Resources.serinCanary,
    Resources.flaggerCanary,
  ];
  const names: string[] = [];
  for (const type of kinds) {
    const list = await client.list(type, ns);
    for (const item of list.items) names.push(`${type.kind}/${item.metadata.name}`);
  }
  return names;
}

describe.each(GROUPS)('deleting a %s Canary with its target', { timeout: 150_000 }, (group) => {
  it('namespace deletion finishes: the namespace goes, nothing is left behind', async () => {
    const ns = await createNamespace(client, `nsdel-${group === 'serin.dev' ? 's' : 'f'}`);
    await client.create(Resources.deployment, deployment(ns, 'web', { replicas: 2 }));
    await client.create(typeOf(group), canaryOf(group, ns, 'web'));
    await initialized(group, ns, 'web');
    expect(await client.get(Resources.deployment, ns, 'web-primary')).toBeDefined();

    await run(['delete', 'namespace', ns, '--wait=false']);
    await waitFor(
      `namespace ${ns} gone`,
      async () => (await client.get(Resources.namespace, '', ns)) === undefined,
      90_000,
    );
    expect(await leftovers(ns)).toEqual([]);
  });

  it('`kubectl delete -f` of the Deployment and its Canary finishes and leaves nothing behind', async () => {
    const ns = await createNamespace(client, `fdel-${group === 'serin.dev' ? 's' : 'f'}`);
    const file = join(files, `${ns}.yaml`);
    const documents = [deployment(ns, 'shop', { replicas: 2 }), canaryOf(group, ns, 'shop')];
    writeFileSync(file, documents.map((d) => stringify(d)).join('---\n'));
    await run(['apply', '-f', file]);
    await initialized(group, ns, 'shop');
    if (group === 'flagger.app') {
      expect(await client.get(Resources.configMap, ns, 'shop-serin-state')).toBeDefined();
    }

    // kubectl waits for the finalizers itself (--wait defaults to true): it returns once both are gone.
    await run(['delete', '-f', file, '--timeout=50s']);
    expect(await leftovers(ns)).toEqual([]);
    const events = await client.list(Resources.event, ns);
    const reasons = events.items.map((e) => (e as { reason?: string }).reason);
    expect(reasons).toContain('TargetGone');
  });
});

describe('retries', { timeout: 120_000 }, () => {
  it('a Canary whose target is missing is retried with exponential backoff, not once an interval', async () => {
    const ns = await createNamespace(client, 'backoff');
    const started = Date.now();
    await client.create(Resources.serinCanary, canaryOf('serin.dev', ns, 'orphan'));
    const failures = async () =>
      (await controller.metrics.tickErrors.get()).values.find((v) => v.labels.namespace === ns)?.value ?? 0;
    await waitFor('five failed reconciles', async () => (await failures()) >= 5, 90_000);
    // The interval is 1 s; backing off from 1 s doubling, the fifth failure comes after at least
    // 1 + 2 + 4 + 8 s (a loaded machine only makes it later). Once an interval it would be ~4 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(15_000);
    await client.delete(Resources.serinCanary, ns, 'orphan');
    await waitFor(
      'the orphan Canary deleted',
      async () => (await client.get(Resources.serinCanary, ns, 'orphan')) === undefined,
    );
  });
});
