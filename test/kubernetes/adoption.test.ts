/**
 * End to end: taking over a Canary Flagger already promoted. The cluster is left as Flagger
 * leaves it (primary running the target's template in Flagger's shape, target at zero, routing
 * at 100/0, Flagger's hashes and finalizer); Serin must run nothing until a real new revision.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import { renderDestinationRules, renderVirtualService } from '../../src/routing/render/istio.js';
import { CanaryDocument } from '../../src/api/canary.js';
import {
  canary,
  createNamespace,
  deployment,
  replicasOf,
  setImage,
  startController,
  useCluster,
  waitFor,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime | undefined;
let ns: string;
let hooks: http.Server;
let hookUrl: string;
let ticks = 0;
const calls: { type?: string; phase?: string }[] = [];

beforeAll(async () => {
  hooks = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as { phase?: string };
      calls.push({ type: req.url?.slice(1), phase: body.phase });
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'adoption');
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await cluster.stop();
  hooks.close();
});

const FLAGGER_HASH = 'bd7c9f5d68';

function flaggerCanary(): KubeObject {
  const c = canary(
    ns,
    'shop',
    { revertOnDeletion: true },
    {
      webhooks: ['pre-rollout', 'rollout', 'event', 'post-rollout'].map((type) => ({
        name: type,
        type,
        url: `${hookUrl}/${type}`,
      })),
    },
  );
  return {
    ...c,
    apiVersion: 'flagger.app/v1beta1',
    metadata: { ...c.metadata, finalizers: ['finalizer.flagger.app'] },
  };
}

/** What Flagger leaves after promoting: the primary with the target's template in Flagger's shape. */
async function flaggerEndState(): Promise<void> {
  const target = deployment(ns, 'shop', { replicas: 0 });
  await client.create(Resources.deployment, target);
  const template = structuredClone((target.spec as { template: unknown }).template) as {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  };
  template.metadata.labels = { app: 'shop-primary' };
  template.metadata.annotations = { 'flagger-id': '0b6a7f9e-5b53-4f43-9d7c-1c4f2a8e9b10' };
  await client.create(Resources.deployment, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop-primary', namespace: ns, labels: { app: 'shop-primary' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'shop-primary' } }, template },
  });
  const created = await client.create(Resources.flaggerCanary, flaggerCanary());
  const parsed = CanaryDocument.parse({ ...created, status: undefined });
  const routes = { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  for (const dr of renderDestinationRules(parsed))
    await client.create(Resources.destinationRule, dr as never);
  await client.create(Resources.virtualService, renderVirtualService(parsed, routes) as never);
  await client.replace(
    Resources.flaggerCanary,
    {
      ...created,
      status: {
        phase: 'Succeeded',
        canaryWeight: 0,
        failedChecks: 0,
        iterations: 0,
        lastAppliedSpec: FLAGGER_HASH,
        lastPromotedSpec: FLAGGER_HASH,
        lastTransitionTime: '2026-11-30T10:00:00Z',
        conditions: [
          {
            type: 'Promoted',
            status: 'True',
            reason: 'Succeeded',
            message: 'Canary analysis completed successfully, promotion finished.',
            lastUpdateTime: '2026-11-30T10:00:00Z',
            lastTransitionTime: '2026-11-30T10:00:00Z',
          },
        ],
      },
    },
    'status',
  );
}

const status = async () =>
  (await client.get(Resources.flaggerCanary, ns, 'shop'))?.status as
    | { phase?: string; lastAppliedSpec?: string; lastPromotedSpec?: string; canaryWeight?: number }
    | undefined;

async function canaryWeight(): Promise<number | undefined> {
  const vs = await client.get(Resources.virtualService, ns, 'shop');
  const http = (vs?.spec as { http?: { route?: { destination: { host: string }; weight?: number }[] }[] })
    .http;
  return http?.[0]?.route?.find((r) => r.destination.host === 'shop-canary')?.weight;
}

describe('adopting a Canary Flagger promoted', { timeout: 150_000 }, () => {
  it('keeps it Succeeded with no webhook call, no traffic change, and rewrites the hashes', async () => {
    await flaggerEndState();
    controller = await startController(cluster, { namespace: ns, onTick: () => (ticks += 1) });
    const adopted = await waitFor('Serin hashes in the status', async () => {
      const s = await status();
      return s?.lastAppliedSpec !== FLAGGER_HASH ? s : undefined;
    });
    expect(adopted.phase).toBe('Succeeded');
    expect(adopted.lastAppliedSpec).toMatch(/^[0-9a-f]{32}$/);
    expect(adopted.lastPromotedSpec).toBe(adopted.lastAppliedSpec);
    const after = ticks;
    await waitFor('three more ticks', () => Promise.resolve(ticks >= after + 3));
    expect((await status())?.phase).toBe('Succeeded');
    expect(calls).toEqual([]);
    expect(await canaryWeight()).toBe(0);
    expect(await replicasOf(client, ns, 'shop')).toBe(0);
    const live = await client.get(Resources.flaggerCanary, ns, 'shop');
    expect(live?.metadata.finalizers).toContain('finalizer.flagger.app');
  });

  it('still runs a real new revision', async () => {
    await setImage(client, ns, 'shop', 'ghcr.io/stefanprodan/podinfo:6.0.1');
    await waitFor('the pre-rollout hook of the new revision', () =>
      Promise.resolve(calls.some((c) => c.type === 'pre-rollout')),
    );
    await waitFor(
      'the new revision promoted',
      async () => {
        const s = await status();
        return s?.phase === 'Succeeded' && calls.some((c) => c.type === 'post-rollout');
      },
      90_000,
    );
  });

  it("releases Flagger's finalizer on deletion after reverting", async () => {
    await client.delete(Resources.flaggerCanary, ns, 'shop');
    await waitFor(
      'the Canary gone',
      async () => (await client.get(Resources.flaggerCanary, ns, 'shop')) === undefined,
      60_000,
    );
    expect(await replicasOf(client, ns, 'shop')).toBeGreaterThan(0);
  });
});
