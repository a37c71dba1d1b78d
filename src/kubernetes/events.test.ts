/** Kubernetes Events of engine decisions, against the test API server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, startTestApiServer, type TestApiServer } from '../../test/apiserver/index.js';
import type { Canary } from '../api/canary.js';
import { makeCanary } from '../engine/testing/fixtures.js';
import { KubeClient } from './client.js';
import { KubernetesEvents } from './events.js';
import { Resources } from './resources.js';

let api: TestApiServer;
let client: KubeClient;
let canary: Canary;

beforeAll(async () => {
  api = await startTestApiServer();
  client = new KubeClient(kubeConfigFor({ url: api.url }));
  await client.create(Resources.namespace, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'test' },
  });
  const base = makeCanary({ stepWeight: 10 });
  canary = { ...base, metadata: { ...base.metadata, uid: '0f6c1e62-5a7e-4c4e-9d0c-3d2b1a000001' } };
});
afterAll(async () => {
  await api.stop();
});

const listEvents = async () => (await client.list(Resources.event, 'test')).items;

describe('decision events', () => {
  it('are named after the decision id: delivering one again (a retry after a crash) records nothing new', async () => {
    const events = new KubernetesEvents(client);
    const decision = { type: 'Warning' as const, reason: 'Rollback', message: 'failed checks', id: 'abc-7' };
    await events.event(canary, decision);
    await events.event(canary, decision);
    const recorded = (await listEvents()).filter((e) => e.reason === 'Rollback');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ count: 1, type: 'Warning', message: 'failed checks' });
    // The same words in a later decision are another event.
    await events.event(canary, { ...decision, id: 'abc-9' });
    expect((await listEvents()).filter((e) => e.reason === 'Rollback')).toHaveLength(2);
  });

  it('without an id (the controller’s own) repeats bump the count', async () => {
    const events = new KubernetesEvents(client);
    const event = { type: 'Warning' as const, reason: 'InvalidCanary', message: 'spec.service: required' };
    await events.event(canary, event);
    await events.event(canary, event);
    const recorded = (await listEvents()).filter((e) => e.reason === 'InvalidCanary');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.count).toBe(2);
  });
});
