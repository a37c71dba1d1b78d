/** The informer against the test API server: watch ends, abrupt drops, 410 Gone, outages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, kubeConfigFor, type TestApiServer } from '../../test/apiserver/index.js';
import { KubeClient, type KubeObject } from './client.js';
import { Informer } from './informer.js';
import { Resources } from './resources.js';

let server: TestApiServer;
let client: KubeClient;
let informer: Informer<KubeObject>;
const events: string[] = [];

const configMap = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { a: name },
});

async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${events.join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  server = await startTestApiServer();
  client = new KubeClient(kubeConfigFor({ url: server.url }));
  await client.create(Resources.configMap, configMap('before'));
  informer = new Informer<KubeObject>(client, Resources.configMap, {
    namespace: 'default',
    backoffInitialMs: 50,
    backoffMaxMs: 200,
  });
  informer.on((event, object) => events.push(`${event}:${object.metadata.name}`));
  informer.start();
  await informer.waitForSync();
});

afterAll(async () => {
  await informer.stop();
  await server.stop();
});

describe('Informer', () => {
  it('lists, then follows the watch', async () => {
    expect(informer.get('default', 'before')).toBeDefined();
    await client.create(Resources.configMap, configMap('one'));
    await until('add one', () => events.includes('add:one'));
    await client.delete(Resources.configMap, 'default', 'one');
    await until('delete one', () => events.includes('delete:one'));
    expect(informer.get('default', 'one')).toBeUndefined();
  });

  it('re-watches after the server ends the stream, and after an abrupt drop', async () => {
    server.dropWatches();
    await client.create(Resources.configMap, configMap('two'));
    await until('add two', () => events.includes('add:two'));
    server.dropWatches({ abrupt: true });
    await client.create(Resources.configMap, configMap('three'));
    await until('add three', () => events.includes('add:three'));
  });

  it('relists on 410 Gone and reports what changed meanwhile', async () => {
    server.dropWatches({ abrupt: true });
    await client.delete(Resources.configMap, 'default', 'two');
    server.expireHistory();
    await client.create(Resources.configMap, configMap('four'));
    await until(
      'add four and delete two',
      () => events.includes('add:four') && events.includes('delete:two'),
    );
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['before', 'four', 'three']);
  });

  it('relists when a cleanly ended watch resumes from a compacted resourceVersion', async () => {
    server.expireHistory();
    server.dropWatches();
    await client.create(Resources.configMap, configMap('six'));
    await until('add six', () => events.includes('add:six'));
  });

  it('relists on an in-stream 410 when the watch resumes from an expired resourceVersion', async () => {
    // Other kinds move the global resourceVersion past the informer's last ConfigMap event.
    await client.create(Resources.service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'moves-rv', namespace: 'default' },
      spec: { ports: [{ port: 80 }] },
    });
    server.expireHistory();
    server.dropWatches();
    await client.create(Resources.configMap, configMap('seven'));
    await until('add seven', () => events.includes('add:seven'));
  });

  it('comes back after the API server was down', async () => {
    await server.goDown();
    await new Promise((r) => setTimeout(r, 500));
    await server.comeUp();
    await client.create(Resources.configMap, configMap('five'));
    await until('add five', () => events.includes('add:five'));
  });
});
