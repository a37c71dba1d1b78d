// client-node's models are classes, but its API takes and returns plain JSON; the tests build bodies as literals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { kubeConfigFor, startTestApiServer, type TestApiServer } from './index.js';
import { apiFailure } from './testing.js';

let server: TestApiServer;
let core: CoreV1Api;

beforeAll(async () => {
  server = await startTestApiServer();
  core = kubeConfigFor(server).makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'target' }, data: { a: '1' } },
  });
});

afterEach(() => {
  server.faults.clear();
});

afterAll(async () => {
  await server.stop();
});

describe('fault injection', () => {
  it('fails the next N matching requests with 500, then recovers', async () => {
    server.faults.failNext(2, { path: '/configmaps/target' });
    const first = await apiFailure(core.readNamespacedConfigMap({ name: 'target', namespace: 'default' }));
    expect(first).toMatchObject({ code: 500, reason: 'InternalError' });
    const other = await core.listNamespace();
    expect(other.items.length).toBeGreaterThan(0);
    expect(
      (await apiFailure(core.readNamespacedConfigMap({ name: 'target', namespace: 'default' }))).code,
    ).toBe(500);
    const read = await core.readNamespacedConfigMap({ name: 'target', namespace: 'default' });
    expect(read.data).toEqual({ a: '1' });
  });

  it('can answer 429 for a given method only', async () => {
    server.faults.failNext(1, { status: 429, method: 'PATCH' });
    await core.readNamespacedConfigMap({ name: 'target', namespace: 'default' });
    const throttled = await apiFailure(
      core.patchNamespacedConfigMap(
        { name: 'target', namespace: 'default', body: { data: { b: '2' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(throttled).toMatchObject({ code: 429, reason: 'TooManyRequests' });
  });

  it('forces 409 Conflict on the next N writes, leaving reads alone and the object unchanged', async () => {
    server.faults.conflictNext(1);
    await core.readNamespacedConfigMap({ name: 'target', namespace: 'default' });
    const write = () =>
      core.patchNamespacedConfigMap(
        { name: 'target', namespace: 'default', body: { data: { c: '3' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    expect(await apiFailure(write())).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(
      (await core.readNamespacedConfigMap({ name: 'target', namespace: 'default' })).data?.c,
    ).toBeUndefined();
    expect((await write()).data?.c).toBe('3');
  });

  it('delays matching requests while others are answered', async () => {
    server.faults.setLatency(60_000, { path: '/configmaps/target' });
    const abort = new AbortController();
    let delayedSettled = false;
    const delayed = fetch(`${server.url}/api/v1/namespaces/default/configmaps/target`, {
      signal: abort.signal,
    }).then(
      () => (delayedSettled = true),
      () => (delayedSettled = true),
    );
    const other = await core.readNamespace({ name: 'default' });
    expect(other.metadata?.name).toBe('default');
    expect(delayedSettled).toBe(false);
    abort.abort();
    await delayed;
  });

  it('goes down (connections refused) and comes back up on the same URL with its data', async () => {
    const url = server.url;
    await server.goDown();
    expect(server.isUp).toBe(false);
    await expect(core.readNamespacedConfigMap({ name: 'target', namespace: 'default' })).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await server.comeUp();
    expect(server.url).toBe(url);
    const read = await core.readNamespacedConfigMap({ name: 'target', namespace: 'default' });
    expect(read.data?.a).toBe('1');
  });

  it('logs every request with method, path and content type, so tests can count writes', async () => {
    server.clearRequests();
    await core.readNamespacedConfigMap({ name: 'target', namespace: 'default' });
    await core.patchNamespacedConfigMap(
      { name: 'target', namespace: 'default', body: { data: { d: '4' } }, fieldManager: 'serin' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'second' } } });
    expect(server.requests.map((entry) => [entry.method, entry.path, entry.status])).toEqual([
      ['GET', '/api/v1/namespaces/default/configmaps/target', 200],
      ['PATCH', '/api/v1/namespaces/default/configmaps/target', 200],
      ['POST', '/api/v1/namespaces/default/configmaps', 201],
    ]);
    expect(server.requests[1]).toMatchObject({
      contentType: 'application/merge-patch+json',
      fieldManager: 'serin',
    });
    expect(server.writes()).toHaveLength(2);
    expect(server.writes('/configmaps/target')).toHaveLength(1);
  });
});

describe('authentication', () => {
  it('requires the bearer token when one is configured', async () => {
    const secured = await startTestApiServer({ token: 'sekret', standardCrds: false });
    try {
      const allowed = kubeConfigFor({ url: secured.url, token: 'sekret' }).makeApiClient(CoreV1Api);
      expect((await allowed.listNamespace()).items.length).toBeGreaterThan(0);
      const denied = kubeConfigFor({ url: secured.url }).makeApiClient(CoreV1Api);
      expect((await apiFailure(denied.listNamespace())).code).toBe(401);
    } finally {
      await secured.stop();
    }
  });
});

describe('controls over HTTP for a server in another process', () => {
  it('reports and clears request counts, drops watches and expires history, without logging itself', async () => {
    const remote = await startTestApiServer({ exposeControls: true, standardCrds: false });
    try {
      const client = kubeConfigFor(remote).makeApiClient(CoreV1Api);
      await client.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } });
      await client.readNamespacedConfigMap({ name: 'x', namespace: 'default' });
      const counts = (await (await fetch(`${remote.url}/_serin-test/requests`)).json()) as Record<
        string,
        unknown
      >;
      expect(counts).toEqual({ total: 2, writes: 1, byMethod: { POST: 1, GET: 1 } });
      expect(await (await fetch(`${remote.url}/_serin-test/requests`, { method: 'DELETE' })).json()).toEqual({
        cleared: 2,
      });
      expect(remote.requests).toHaveLength(0);
      expect(
        await (await fetch(`${remote.url}/_serin-test/watches/drop`, { method: 'POST' })).json(),
      ).toEqual({ dropped: 0 });
      const before = remote.store.oldestWatchableRevision;
      await fetch(`${remote.url}/_serin-test/history/expire`, { method: 'POST' });
      expect(remote.store.oldestWatchableRevision).toBeGreaterThan(before);
      const unknown = await fetch(`${remote.url}/_serin-test/nothing`);
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { message: string }).message).toContain(
        'unknown control GET nothing',
      );
    } finally {
      await remote.stop();
    }
  });

  it('does not serve the controls unless asked to', async () => {
    const answer = await fetch(`${server.url}/_serin-test/requests`);
    expect(answer.status).toBe(404);
  });
});
