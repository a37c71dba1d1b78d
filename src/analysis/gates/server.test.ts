import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LoadTasks } from '../loadgen/tasks.js';
import { createGateServer } from './server.js';
import { FileGateStore } from './store.js';

let dir: string;
const servers: Server[] = [];

async function start(
  options: { token?: string; loadTasks?: LoadTasks } = {},
): Promise<{ url: string; server: Server }> {
  const server = createServer(createGateServer({ store: new FileGateStore(dir), ...options }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

async function post(url: string, body: unknown, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-gates-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map(stop));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const podinfo = { name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: 'x', metadata: {} };

describe('gate server', () => {
  it('keeps gates closed by default, opens and closes them per canary', async () => {
    const { url } = await start();
    expect((await post(`${url}/gate/check`, podinfo)).status).toBe(403);
    expect((await post(`${url}/gate/open`, { name: 'podinfo', namespace: 'test' })).status).toBe(202);
    expect(await post(`${url}/gate/check`, podinfo)).toEqual({ status: 200, text: 'Approved\n' });
    expect((await post(`${url}/gate/check`, { ...podinfo, namespace: 'other' })).status).toBe(403);
    expect((await post(`${url}/rollback/check`, podinfo)).status).toBe(403);
    expect((await post(`${url}/gate/close`, { name: 'podinfo', namespace: 'test' })).status).toBe(202);
    expect((await post(`${url}/gate/check`, podinfo)).status).toBe(403);
  });

  it('answers approve and halt as the load tester does', async () => {
    const { url } = await start();
    expect((await post(`${url}/gate/approve`, podinfo)).status).toBe(200);
    expect((await post(`${url}/gate/halt`, podinfo)).status).toBe(403);
  });

  it('keeps gates across a restart (persisted, atomically written)', async () => {
    const first = await start();
    expect((await post(`${first.url}/rollback/open`, { name: 'web', namespace: 'shop' })).status).toBe(202);
    await stop(first.server);
    servers.splice(servers.indexOf(first.server), 1);
    const second = await start();
    expect((await post(`${second.url}/rollback/check`, { name: 'web', namespace: 'shop' })).status).toBe(200);
    const file = JSON.parse(await readFile(join(dir, 'gates.json'), 'utf8')) as { gates: unknown[] };
    expect(file.gates).toContainEqual(
      expect.objectContaining({ kind: 'rollback', name: 'web', namespace: 'shop', open: true }),
    );
  });

  it('loses no change when many requests arrive at once', async () => {
    const { url } = await start();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`${url}/gate/open`, { name: `c${i}`, namespace: 'load' })),
    );
    const listed = (await (await fetch(`${url}/gates`)).json()) as { gates: { namespace: string }[] };
    expect(listed.gates.filter((g) => g.namespace === 'load')).toHaveLength(20);
  });

  it('requires the bearer token to open or close, not to check', async () => {
    const { url } = await start({ token: 'sekret-token' });
    expect((await post(`${url}/gate/open`, { name: 'a', namespace: 'b' })).status).toBe(401);
    expect((await post(`${url}/gate/open`, { name: 'a', namespace: 'b' }, 'wrong-token!')).status).toBe(401);
    expect((await post(`${url}/gate/open`, { name: 'a', namespace: 'b' }, 'sekret-token')).status).toBe(202);
    expect((await post(`${url}/gate/check`, { name: 'a', namespace: 'b' })).status).toBe(200);
  });

  it('explains bad requests', async () => {
    const { url } = await start();
    expect(await post(`${url}/gate/open`, '{nope')).toMatchObject({
      status: 400,
      text: expect.stringMatching(/invalid JSON body/) as string,
    });
    expect(await post(`${url}/gate/open`, { name: 'x' })).toMatchObject({
      status: 400,
      text: expect.stringMatching(/namespace: expected "namespace"/) as string,
    });
    expect((await fetch(`${url}/gate/open`)).status).toBe(405);
    expect((await post(`${url}/nope`, {})).status).toBe(404);
    expect((await post(`${url}/`, podinfo)).status).toBe(404);
  });

  it('reports a corrupt state file instead of treating gates as closed silently', async () => {
    const other = await mkdtemp(join(tmpdir(), 'serin-gates-bad-'));
    await writeFile(join(other, 'gates.json'), '{"version":1,"gates":[{"kind":"door"}]}');
    const server = createServer(createGateServer({ store: new FileGateStore(other) }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const result = await post(`${url}/gate/check`, podinfo);
    expect(result.status).toBe(500);
    expect(result.text).toMatch(/gates\.json: at gates\.0\.kind/);
    await rm(other, { recursive: true, force: true });
  });
});

describe('load tasks on the gate server (POST /)', () => {
  let target: Server;
  let targetUrl: string;
  let hits = 0;
  beforeAll(async () => {
    target = createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await stop(target);
  });

  it('starts a hey command once per canary and command, and refuses other task types', async () => {
    const tasks = new LoadTasks();
    const { url } = await start({ loadTasks: tasks });
    const body = { ...podinfo, metadata: { type: 'cmd', cmd: `hey -z 30s -q 20 -c 1 ${targetUrl}` } };
    const first = await post(`${url}/`, body);
    expect(first.status).toBe(202);
    expect(first.text).toMatch(/"status":"started"/);
    expect((await post(`${url}/`, body)).text).toMatch(/already running/);
    // With one worker, request n+1 leaves only once request n is counted; stopping cuts the one in
    // flight, uncounted. So a sixth arrival is what guarantees five counted requests: waiting
    // for the fifth raced the stop against the fifth answer on a loaded machine.
    await vi.waitFor(
      () => {
        expect(hits).toBeGreaterThanOrEqual(6);
      },
      { timeout: 25_000, interval: 50 },
    );
    await tasks.stopAll();
    expect(tasks.list().finished[0]?.summary?.requests).toBeGreaterThanOrEqual(5);

    expect(await post(`${url}/`, { ...podinfo, metadata: { type: 'bash', cmd: 'curl x' } })).toMatchObject({
      status: 400,
      text: expect.stringMatching(/task type "bash" is not supported/) as string,
    });
    expect(
      await post(`${url}/`, { ...podinfo, metadata: { cmd: 'hey -z 1m http://x/; rm -rf /' } }),
    ).toMatchObject({
      status: 400,
      text: expect.stringMatching(/metadata.cmd: shell syntax ";"/) as string,
    });
    expect(await post(`${url}/`, { name: 'a', namespace: 'b' })).toMatchObject({
      status: 400,
      text: expect.stringMatching(/metadata not found in payload/) as string,
    });
  });
});
