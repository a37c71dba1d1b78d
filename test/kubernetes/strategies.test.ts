/**
 * End to end: the routing each strategy needs, as the controller writes it during real runs —
 * A/B (header match to the canary), blue/green (cut-over before promotion), mirroring, session
 * affinity — and gates answered by a real local webhook server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kubernetes/client.js';
import { Resources } from '../../src/kubernetes/resources.js';
import type { ControllerRuntime } from '../../src/kubernetes/runtime.js';
import {
  canary,
  createNamespace,
  deployment,
  recordObjects,
  setImage,
  startController,
  useCluster,
  waitFor,
  waitForPhase,
  type Cluster,
} from './support.js';

let cluster: Cluster;
let client: KubeClient;
let controller: ControllerRuntime;
let ns: string;
let hooks: http.Server;
let hookUrl: string;
let gateOpen = false;
const calls: { path: string; body: { name?: string; phase?: string } }[] = [];

beforeAll(async () => {
  hooks = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', body: JSON.parse(text || '{}') as { name?: string } });
      const closed = req.url === '/gate' && !gateOpen;
      res.writeHead(closed ? 403 : 200);
      res.end(closed ? 'gate closed' : 'ok');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  cluster = await useCluster();
  client = new KubeClient(cluster.kubeConfig);
  ns = await createNamespace(client, 'strategies');
  controller = await startController(cluster, { namespace: ns });
}, 60_000);

afterAll(async () => {
  await controller.stop();
  await cluster.stop();
  hooks.close();
});

async function runToSuccess(name: string, analysis: Record<string, unknown>): Promise<string[]> {
  await client.create(Resources.deployment, deployment(ns, name));
  await client.create(Resources.serinCanary, canary(ns, name, {}, analysis));
  await waitForPhase(client, ns, name, 'Initialized');
  const recorder = recordObjects(client, Resources.virtualService, ns);
  await setImage(client, ns, name, `example/${name}:2`);
  await waitForPhase(client, ns, name, 'Succeeded', 60_000);
  await recorder.stop();
  return recorder.specsOf(name);
}

describe('strategies on Istio', { timeout: 150_000 }, () => {
  it('A/B: requests matching the header go to the canary, the rest to the primary', async () => {
    const specs = await runToSuccess('ab', {
      iterations: 2,
      match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
    });
    const during = specs.map(
      (s) =>
        JSON.parse(s) as {
          http: { match?: unknown; route: { destination: { host: string }; weight: number }[] }[];
        },
    );
    const ab = during.find((s) =>
      s.http[0]?.route.some((r) => r.destination.host === 'ab-canary' && r.weight === 100),
    );
    expect(ab).toBeDefined();
    expect(JSON.stringify(ab?.http[0]?.match)).toContain('insider');
    expect(ab?.http[1]?.route).toEqual([{ destination: { host: 'ab-primary' }, weight: 100 }]);
    expect(JSON.parse(specs.at(-1)!)).toMatchObject({
      http: [{ route: [{ weight: 100 }, { weight: 0 }] }, {}],
    });
  });

  it('blue/green: traffic stays on the primary during the iterations, then cuts over before promotion', async () => {
    const specs = await runToSuccess('bg', { iterations: 2 });
    const canaryWeights = specs.map(
      (s) => (JSON.parse(s) as { http: { route: { weight: number }[] }[] }).http[0]?.route[1]?.weight,
    );
    expect(canaryWeights).toContain(100);
    expect(canaryWeights.filter((w) => w !== 0 && w !== 100)).toEqual([]);
    expect(canaryWeights.at(-1)).toBe(0);
  });

  it('mirroring: the canary first gets a copy of the traffic, then a share', async () => {
    const specs = await runToSuccess('mirror', {
      mirror: true,
      mirrorWeight: 50,
      stepWeight: 50,
      maxWeight: 50,
    });
    const mirrored = specs.find((s) => s.includes('"mirror":{"host":"mirror-canary"'));
    expect(mirrored).toBeDefined();
    expect(mirrored).toContain('"mirrorPercentage":{"value":50}');
    expect(specs.some((s) => s.includes('"weight":50') && !s.includes('"mirror":'))).toBe(true);
  });

  it('session affinity: a cookie keeps canary users on the canary', async () => {
    const specs = await runToSuccess('sticky', {
      sessionAffinity: { cookieName: 'serin-sticky', maxAge: 120 },
    });
    const sticky = specs.find((s) => s.includes('Set-Cookie'));
    expect(sticky).toBeDefined();
    // Flagger's sticky rule: the cookie name, then its random value, anywhere in the Cookie header.
    expect(sticky).toMatch(/"regex":"\.\*serin-sticky\.\*[A-Za-z]{10}\.\*"/);
    expect(sticky).toContain('Max-Age=120');
  });
});

describe('gates', { timeout: 150_000 }, () => {
  it('holds in WaitingPromotion until the confirm-promotion gate opens; hooks get Flagger payloads', async () => {
    await client.create(Resources.deployment, deployment(ns, 'gated'));
    await client.create(
      Resources.serinCanary,
      canary(
        ns,
        'gated',
        {},
        {
          webhooks: [
            { name: 'pre', type: 'pre-rollout', url: `${hookUrl}/pre` },
            { name: 'gate', type: 'confirm-promotion', url: `${hookUrl}/gate` },
            { name: 'post', type: 'post-rollout', url: `${hookUrl}/post` },
          ],
        },
      ),
    );
    await waitForPhase(client, ns, 'gated', 'Initialized');
    await setImage(client, ns, 'gated', 'example/gated:2');
    await waitForPhase(client, ns, 'gated', 'WaitingPromotion', 60_000);
    expect(calls.some((c) => c.path === '/pre' && c.body.name === 'gated')).toBe(true);
    // Still held a few intervals later.
    await new Promise((r) => setTimeout(r, 2500));
    const held = await client.get(Resources.serinCanary, ns, 'gated');
    expect((held?.status as { phase?: string }).phase).toBe('WaitingPromotion');
    gateOpen = true;
    await waitForPhase(client, ns, 'gated', 'Succeeded', 60_000);
    // The status (with its intent) is written before the post-rollout hook is called.
    await waitFor('the post-rollout hook', () =>
      Promise.resolve(calls.some((c) => c.path === '/post' && c.body.phase === 'Succeeded')),
    );
  });
});
