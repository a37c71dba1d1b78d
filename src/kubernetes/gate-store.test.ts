/** Gates kept in the cluster, served by the controller's gate API, against the test API server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, kubeConfigFor, type TestApiServer } from '../../test/apiserver/index.js';
import { createGateServer } from '../analysis/gates/server.js';
import { KubeClient } from './client.js';
import { ConfigMapGateStore, GATES_CONFIGMAP } from './gate-store.js';
import { Resources } from './resources.js';

let api: TestApiServer;
let client: KubeClient;
let http: Server;
let base: string;
const TOKEN = 'gate-token-for-tests';

beforeAll(async () => {
  api = await startTestApiServer();
  client = new KubeClient(kubeConfigFor({ url: api.url }));
  await client.create(Resources.namespace, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'shop' },
  });
  await client.create(Resources.serinCanary, {
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { targetRef: { name: 'web' }, service: { port: 80 }, analysis: { stepWeight: 10 } },
  });
  http = createServer(createGateServer({ store: new ConfigMapGateStore(client), token: TOKEN }));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => http.close(resolve));
  await api.stop();
});

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('ConfigMapGateStore', () => {
  it('starts closed, opens and closes per canary, and keeps other gates untouched', async () => {
    const store = new ConfigMapGateStore(client);
    expect(await store.isOpen('gate', 'shop', 'web')).toBe(false);
    await store.set('gate', 'shop', 'web', true, 'alice');
    await store.set('rollback', 'shop', 'web', false);
    await store.set('gate', 'shop', 'api', true);
    expect(await store.isOpen('gate', 'shop', 'web')).toBe(true);
    expect(await store.isOpen('rollback', 'shop', 'web')).toBe(false);
    await store.set('gate', 'shop', 'web', false, 'bob');
    expect(await store.isOpen('gate', 'shop', 'web')).toBe(false);
    expect(await store.isOpen('gate', 'shop', 'api')).toBe(true);
    const listed = await store.list();
    expect(listed.map((g) => `${g.kind}/${g.namespace}/${g.name}=${g.open}`).sort()).toEqual([
      'gate/shop/api=true',
      'gate/shop/web=false',
      'rollback/shop/web=false',
    ]);
    expect(listed.find((g) => g.name === 'web' && g.kind === 'gate')?.by).toBe('bob');
  });

  it('survives a new store (a restarted or another controller replica) and ignores foreign keys', async () => {
    await client.patch(Resources.configMap, 'shop', GATES_CONFIGMAP, {
      data: { 'note.txt': 'hello', 'gate.x': '{' },
    });
    const fresh = new ConfigMapGateStore(client, 'shop');
    expect(await fresh.isOpen('gate', 'shop', 'api')).toBe(true);
    expect(await fresh.isOpen('gate', 'shop', 'x')).toBe(false);
    expect((await fresh.list()).map((g) => g.name).sort()).toEqual(['api', 'web', 'web']);
  });
});

describe('the gate API on a cluster', () => {
  it('answers Flagger load-tester gate checks from the ConfigMap, and needs the token to open', async () => {
    const target = { name: 'checkout', namespace: 'shop' };
    expect((await post('/gate/check', target)).status).toBe(403);
    expect((await post('/gate/open', target)).status).toBe(401);
    expect((await post('/gate/open', target, TOKEN)).status).toBe(202);
    expect((await post('/gate/check', target)).status).toBe(200);
    const map = await client.get<{ metadata: { name: string }; data?: Record<string, string> }>(
      Resources.configMap,
      'shop',
      GATES_CONFIGMAP,
    );
    expect(JSON.parse(map?.data?.['gate.checkout'] ?? '{}')).toMatchObject({ open: true });
  });
});
