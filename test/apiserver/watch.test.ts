// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import { CoreV1Api, makeInformer, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { kubeConfigFor, startTestApiServer, type TestApiServer } from './index.js';
import { waitFor } from './testing.js';

interface SeenEvent {
  type: string;
  name: string;
  resourceVersion: string;
  code?: number;
  reason?: string;
}

let server: TestApiServer;
let core: CoreV1Api;
const stoppers: (() => void)[] = [];

/** Opens a raw watch and records what arrives; `ended` resolves when the stream is done. */
async function openWatch(path: string, query: Record<string, string | number | boolean | undefined>) {
  const events: SeenEvent[] = [];
  let finished: (error: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (finished = resolve));
  const controller = await new Watch(kubeConfigFor(server)).watch(
    path,
    query,
    (
      type,
      object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string },
    ) => {
      events.push({
        type,
        name: object.metadata?.name ?? '',
        resourceVersion: object.metadata?.resourceVersion ?? '',
        ...(object.code === undefined ? {} : { code: object.code }),
        ...(object.reason === undefined ? {} : { reason: object.reason }),
      });
    },
    (error: unknown) => {
      finished(error ?? null);
    },
  );
  stoppers.push(() => {
    controller.abort();
  });
  return { events, ended };
}

async function configMap(
  namespace: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<V1ConfigMap> {
  return core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name, labels }, data: { v: '0' } },
  });
}

beforeAll(async () => {
  server = await startTestApiServer({ bookmarkIntervalMs: 0 });
  core = kubeConfigFor(server).makeApiClient(CoreV1Api);
  for (const name of ['w1', 'w2', 'w3', 'w4', 'w5'])
    await core.createNamespace({ body: { metadata: { name } } });
});

afterEach(() => {
  for (const stop of stoppers.splice(0)) stop();
  server.setHistoryLimit(1000);
});

afterAll(async () => {
  await server.stop();
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED after the given resourceVersion', async () => {
    const before = await configMap('w1', 'old');
    const watch = await openWatch('/api/v1/namespaces/w1/configmaps', {
      resourceVersion: before.metadata?.resourceVersion,
    });
    await configMap('w1', 'a');
    await core.patchNamespacedConfigMap({
      name: 'a',
      namespace: 'w1',
      body: [{ op: 'add', path: '/data/v', value: '1' }],
    });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'w1' });
    await waitFor('three events', () => watch.events.length >= 3);
    expect(watch.events.map((event) => `${event.type} ${event.name}`)).toEqual([
      'ADDED a',
      'MODIFIED a',
      'DELETED a',
    ]);
    const versions = watch.events.map((event) => Number(event.resourceVersion));
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
  });

  it('replays history from an older resourceVersion, and lists current objects when none is given', async () => {
    const first = await configMap('w2', 'one');
    await configMap('w2', 'two');
    const replay = await openWatch('/api/v1/namespaces/w2/configmaps', {
      resourceVersion: first.metadata?.resourceVersion,
    });
    await waitFor('replayed event', () => replay.events.length >= 1);
    expect(replay.events.map((event) => event.name)).toEqual(['two']);
    const fresh = await openWatch('/api/v1/namespaces/w2/configmaps', {});
    await waitFor('initial events', () => fresh.events.length >= 2);
    expect(fresh.events.map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED one', 'ADDED two']);
  });

  it('sends BOOKMARK events when allowed, carrying the current resourceVersion', async () => {
    const start = await configMap('w3', 'b');
    const withBookmarks = await openWatch('/api/v1/namespaces/w3/configmaps', {
      resourceVersion: start.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    });
    const without = await openWatch('/api/v1/namespaces/w3/configmaps', {
      resourceVersion: start.metadata?.resourceVersion,
    });
    await configMap('w1', 'elsewhere');
    await waitFor('both watches open', () => server.openWatchCount >= 2);
    server.sendBookmarks();
    await waitFor('a bookmark', () => withBookmarks.events.find((event) => event.type === 'BOOKMARK'));
    const bookmark = withBookmarks.events.find((event) => event.type === 'BOOKMARK')!;
    expect(Number(bookmark.resourceVersion)).toBe(server.store.currentRevision);
    expect(without.events.filter((event) => event.type === 'BOOKMARK')).toHaveLength(0);
  });

  it('answers 410 Expired for a resourceVersion older than the retained history', async () => {
    server.setHistoryLimit(3);
    const old = await configMap('w4', 'first');
    for (let i = 0; i < 5; i += 1) await configMap('w4', `filler-${i}`);
    const watch = await openWatch('/api/v1/namespaces/w4/configmaps', {
      resourceVersion: old.metadata?.resourceVersion,
    });
    await watch.ended;
    expect(watch.events).toHaveLength(1);
    expect(watch.events[0]).toMatchObject({ type: 'ERROR', code: 410, reason: 'Expired' });
  });

  it('can answer a too-old resourceVersion with HTTP 410 instead, which client-node reports to done()', async () => {
    const strict = await startTestApiServer({ watchExpiry: 'http', historyLimit: 1, standardCrds: false });
    try {
      const client = kubeConfigFor(strict).makeApiClient(CoreV1Api);
      const old = await client.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'a' } },
      });
      await client.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
      await client.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' } } });
      const error = await new Promise<unknown>((resolve) => {
        void new Watch(kubeConfigFor(strict)).watch(
          '/api/v1/namespaces/default/configmaps',
          { resourceVersion: old.metadata?.resourceVersion },
          () => undefined,
          resolve,
        );
      });
      expect(error).toMatchObject({ statusCode: 410 });
      expect(strict.openWatchCount).toBe(0);
    } finally {
      await strict.stop();
    }
  });

  it('sends DELETED when an object stops matching the label selector, ADDED when it starts', async () => {
    const start = await configMap('w4', 'selected', { role: 'primary' });
    const watch = await openWatch('/api/v1/namespaces/w4/configmaps', {
      resourceVersion: start.metadata?.resourceVersion,
      labelSelector: 'role=primary',
    });
    const relabel = (role: string) =>
      core.patchNamespacedConfigMap({
        name: 'selected',
        namespace: 'w4',
        body: [{ op: 'replace', path: '/metadata/labels/role', value: role }],
      });
    await relabel('canary');
    await relabel('primary');
    await waitFor('two events', () => watch.events.length >= 2);
    expect(watch.events.map((event) => event.type)).toEqual(['DELETED', 'ADDED']);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const watch = await openWatch('/api/v1/namespaces/w4/configmaps', {
      resourceVersion: String(server.store.currentRevision),
      timeoutSeconds: 1,
    });
    expect(await watch.ended).toBeNull();
  });

  it('ends every open watch when told to drop them', async () => {
    const watch = await openWatch('/api/v1/namespaces/w4/configmaps', {
      resourceVersion: String(server.store.currentRevision),
    });
    await waitFor('watch open', () => server.openWatchCount >= 1);
    expect(server.dropWatches()).toBeGreaterThanOrEqual(1);
    expect(await watch.ended).toBeNull();
  });
});

describe('informer', () => {
  const listCount = (): number =>
    server.requests.filter(
      (entry) => entry.method === 'GET' && entry.path.endsWith('/w5/configmaps') && !entry.watch,
    ).length;

  it('keeps its cache in sync, re-watches after a dropped stream and relists after 410', async () => {
    const config = kubeConfigFor(server);
    const client = config.makeApiClient(CoreV1Api);
    await configMap('w5', 'c1');
    const informer = makeInformer(config, '/api/v1/namespaces/w5/configmaps', () =>
      client.listNamespacedConfigMap({ namespace: 'w5' }),
    );
    const added: string[] = [];
    informer.on('add', (object) => added.push(object.metadata?.name ?? ''));
    await informer.start();
    stoppers.push(() => void informer.stop());
    expect(informer.list('w5').map((object) => object.metadata?.name)).toEqual(['c1']);
    await configMap('w5', 'c2');
    await waitFor('c2 in cache', () => informer.get('c2', 'w5'));

    // A cleanly ended stream: the informer re-watches from its last resourceVersion without listing.
    const listsBefore = listCount();
    server.dropWatches();
    await configMap('w5', 'c3');
    await waitFor('c3 in cache', () => informer.get('c3', 'w5'));
    const listsAfterDrop = listCount();
    expect(listsAfterDrop).toBe(listsBefore);

    // History gone while the watch is down: the re-watch gets 410, the informer relists and catches up.
    // All of this happens in one tick, so the informer cannot re-watch before the history is gone.
    const configMaps = { type: server.registry.byKey('/configmaps')!, version: 'v1', namespace: 'w5' };
    server.dropWatches();
    server.service.delete(configMaps, 'c1', { dryRun: false });
    server.service.create(configMaps, { metadata: { name: 'c4' } }, { manager: 'test', dryRun: false });
    server.expireHistory();
    await waitFor('c4 in cache after relist', () => informer.get('c4', 'w5'));
    await waitFor('c1 gone from cache', () => informer.get('c1', 'w5') === undefined);
    const listsAfterExpiry = listCount();
    expect(listsAfterExpiry).toBeGreaterThan(listsAfterDrop);
    expect(added).toEqual(expect.arrayContaining(['c1', 'c2', 'c3', 'c4']));
  });

  it('reports an error when the connection is cut abruptly', async () => {
    const config = kubeConfigFor(server);
    const client = config.makeApiClient(CoreV1Api);
    const informer = makeInformer(config, '/api/v1/namespaces/w5/configmaps', () =>
      client.listNamespacedConfigMap({ namespace: 'w5' }),
    );
    const errors: unknown[] = [];
    informer.on('error', (error) => errors.push(error));
    await informer.start();
    stoppers.push(() => void informer.stop());
    await waitFor('watch open', () => server.openWatchCount >= 1);
    server.dropWatches({ abrupt: true });
    await waitFor('informer error', () => errors.length > 0);
  });
});
