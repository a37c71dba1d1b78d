/**
 * One promotion and one rollback of a Canary on a routing provider, through the real controller on
 * the test API server (or KUBECONFIG's cluster), with the provider's objects recorded through a
 * real watch at every step. Each provider's suite gives the kind that carries the split and reads
 * the canary's weight from it the way that provider's controller would (its documented shape, not
 * Serin's reader): the suite is the oracle, not the code under test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { KubeObject } from '../../src/kubernetes/client.js';
import { Resources, type ResourceType } from '../../src/kubernetes/resources.js';
import { deployment, recordObjects, setImage, waitFor, type ControllerSuite } from './support.js';

export interface ProviderRollout {
  suite: ControllerSuite;
  /**
   * The Canary's `spec.provider` (Flagger's spelling). The Canary is a `serin.dev` one, whose 1s
   * interval floor keeps the suite short (flagger.app keeps Flagger's 10s); both groups share
   * the code under test (flagger-scenarios.test.ts runs each scenario on both).
   */
  provider: string;
  name: string;
  /** Spec fields the provider needs (`ingressRef`, `service.gatewayRefs`, …), merged into the Canary. */
  spec?: Record<string, unknown>;
  /** Analysis fields over the defaults (stepWeight 25 to 50; `iterations` for blue/green). */
  analysis?: Record<string, unknown>;
  /** Creates the user's objects the provider reads, before the Canary. */
  setup?: () => Promise<void>;
  /** The kind that carries the split; omit for providers without one (kubernetes: blue/green). */
  split?: {
    resource: ResourceType;
    /** The object's name. */
    name: string;
    /** The canary's weight (0–100) this version of the object sends, as the provider reads it. */
    canaryWeight: (object: KubeObject) => number | undefined;
  };
}

export interface RolloutTrace {
  /** Canary weights in the order the split object showed them, consecutive repeats folded. */
  promotion: number[];
  rollback: number[];
}

/** A webhook server whose answer each test flips: 200 while `failing` is false, 500 after. */
export async function startGate(): Promise<{ url: string; fail(on: boolean): void; close(): void }> {
  let failing = false;
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(failing ? 500 : 200).end(failing ? 'failing on purpose' : 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`,
    fail: (on) => (failing = on),
    close: () => server.close(),
  };
}

const fold = (values: (number | undefined)[]): number[] =>
  values.filter((v): v is number => v !== undefined).filter((v, i, all) => i === 0 || all[i - 1] !== v);

async function phaseOf(suite: ControllerSuite, name: string): Promise<string | undefined> {
  const c = await suite.client.get(Resources.serinCanary, suite.ns, name);
  return (c?.status as { phase?: string } | undefined)?.phase;
}

const waitPhase = (suite: ControllerSuite, name: string, phase: string) =>
  waitFor(`${name} in phase ${phase}`, async () => (await phaseOf(suite, name)) === phase, 120_000);

async function traced(r: ProviderRollout, image: string, phase: string): Promise<number[]> {
  const recorder = r.split ? recordObjects(r.suite.client, r.split.resource, r.suite.ns) : undefined;
  await setImage(r.suite.client, r.suite.ns, r.name, image);
  await waitPhase(r.suite, r.name, phase);
  if (!recorder || !r.split) return [];
  const { name, canaryWeight } = r.split;
  // The last version is what the cluster serves once the phase is reached.
  await waitFor(`${name} back on the primary`, async () => {
    const live = await r.suite.client.get(r.split!.resource, r.suite.ns, name);
    return live !== undefined && canaryWeight(live) === 0;
  });
  await recorder.stop();
  return fold(recorder.seen.filter((o) => o.metadata.name === name).map(canaryWeight));
}

/**
 * Creates the target and the Canary, waits for initialisation, then promotes a second revision
 * (every check passes) and rolls back a third (the rollout webhook fails). Checks the primary
 * runs the promoted image and never the rolled-back one; returns the weights the split showed.
 */
export async function promoteAndRollBack(r: ProviderRollout): Promise<RolloutTrace> {
  const { client, ns } = r.suite;
  const gate = await startGate();
  try {
    await r.setup?.();
    await client.create(Resources.deployment, deployment(ns, r.name));
    const { service, ...spec } = r.spec ?? {};
    await client.create(Resources.serinCanary, {
      apiVersion: 'serin.dev/v1beta1',
      kind: 'Canary',
      metadata: { name: r.name, namespace: ns },
      spec: {
        provider: r.provider,
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: r.name },
        service: { port: 9898, ...(service as Record<string, unknown> | undefined) },
        analysis: {
          interval: '1s',
          threshold: 2,
          ...(r.analysis && 'iterations' in r.analysis ? {} : { stepWeight: 25, maxWeight: 50 }),
          webhooks: [{ name: 'gate', type: 'rollout', url: gate.url }],
          ...r.analysis,
        },
        ...spec,
      },
    });
    await waitPhase(r.suite, r.name, 'Initialized');
    const promotion = await traced(r, `example/${r.name}:2`, 'Succeeded');
    const primaryImage = async () =>
      JSON.stringify((await client.get(Resources.deployment, ns, `${r.name}-primary`))?.spec);
    expect(await primaryImage()).toContain(`example/${r.name}:2`);
    gate.fail(true);
    const rollback = await traced(r, `example/${r.name}:3`, 'Failed');
    expect(await primaryImage()).toContain(`example/${r.name}:2`);
    expect(await primaryImage()).not.toContain(`example/${r.name}:3`);
    return { promotion, rollback };
  } finally {
    gate.close();
  }
}
