/**
 * Initialisation is as quick as Flagger's (issue 17): the tick that adds Serin's finalizer goes on
 * to initialise the Canary, instead of waiting a whole analysis interval for the next tick.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resources } from '../../src/kubernetes/resources.js';
import { canary, deployment, startControllerSuite, waitForPhase, type ControllerSuite } from './support.js';

let suite: ControllerSuite;

beforeAll(async () => {
  suite = await startControllerSuite('init');
}, 60_000);

afterAll(async () => {
  await suite.stop();
});

describe('initialisation', { timeout: 120_000 }, () => {
  it('the first tick adds the finalizer and creates the primary, well within the first interval', async () => {
    const { client, ns } = suite;
    await client.create(Resources.deployment, deployment(ns, 'quick'));
    // An interval of 10 minutes: a second tick would come only after it, far past this bound.
    await client.create(Resources.serinCanary, canary(ns, 'quick', {}, { interval: '10m' }));
    // Flagger's first run creates the primary (Initializing); it is Initialized on the run that
    // finds the primary ready, one interval later, as in Flagger.
    const initializing = await waitForPhase(client, ns, 'quick', 'Initializing', 90_000);
    expect(initializing.metadata.finalizers).toContain('serin.dev/finalizer');
    expect(await client.get(Resources.deployment, ns, 'quick-primary')).toBeDefined();
  });

  it("with portDiscovery, the Services carry the target's other container ports, as Flagger writes them", async () => {
    const { client, ns } = suite;
    const extraPorts = {
      containers: [
        {
          name: 'app',
          image: 'ghcr.io/stefanprodan/podinfo:6.0.0',
          ports: [{ containerPort: 9898 }, { name: 'grpc', containerPort: 9999 }, { containerPort: 9797 }],
        },
      ],
    };
    await client.create(Resources.deployment, deployment(ns, 'ports', { podSpec: extraPorts }));
    await client.create(
      Resources.serinCanary,
      canary(ns, 'ports', { service: { port: 9898, portDiscovery: true } }, { interval: '10m' }),
    );
    await waitForPhase(client, ns, 'ports', 'Initializing', 90_000);
    for (const name of ['ports-canary', 'ports-primary']) {
      const svc = await client.get(Resources.service, ns, name);
      const ports = (svc?.spec as { ports?: { name?: string; port?: number }[] } | undefined)?.ports ?? [];
      expect(ports.map((p) => [p.name, p.port])).toEqual([
        ['http', 9898],
        ['grpc', 9999],
        ['tcp-app-2', 9797],
      ]);
    }
  });
});
