import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEndpointGuard,
  createGuardedServer,
  hostName,
  pathProblem,
  type EndpointPolicyOptions,
} from './guard.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

interface Answer {
  status: number;
  body: string;
}

/** One request with any Host, Origin or method (fetch would not let a test set Host). */
export function send(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function start(policy: EndpointPolicyOptions, streamPath = '/events') {
  const guard = createEndpointGuard(policy);
  const server = createGuardedServer(guard, (req, res) => {
    if (req.url === streamPath) {
      const release = guard.openStream(res);
      if (release === undefined) return;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      req.on('close', release);
      return;
    }
    res.end('ok');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { guard, server, port: (server.address() as AddressInfo).port };
}

describe('endpoint policy: Host', () => {
  it('answers loopback names only when bound to loopback (a DNS-rebinding name is 403)', async () => {
    const { port } = await start({ bindHost: '127.0.0.1' });
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST'])
      expect((await send(port, { headers: { host } })).status).toBe(200);
    const refused = await send(port, { headers: { host: `evil.example:${port}` } });
    expect(refused).toEqual({ status: 403, body: '{"error":"unexpected Host header \\"evil.example\\""}' });
    expect((await send(port, { headers: { host: '10.0.0.7' } })).status).toBe(403);
  });

  it('adds configured names, and * answers any', async () => {
    const named = await start({ bindHost: '127.0.0.1', allowedHosts: ['serin.internal'] });
    expect((await send(named.port, { headers: { host: 'serin.internal:80' } })).status).toBe(200);
    expect((await send(named.port, { headers: { host: 'evil.example' } })).status).toBe(403);
    const any = await start({ bindHost: '127.0.0.1', allowedHosts: ['*'] });
    expect((await send(any.port, { headers: { host: 'evil.example' } })).status).toBe(200);
  });

  it('off loopback answers addresses and cluster names, never a public-looking name', async () => {
    const { port } = await start({ bindHost: '0.0.0.0', namespace: 'serin-system' });
    const answered = [
      '10.1.2.3:8081',
      '[fd00::1]:8081',
      'serin-controller',
      'serin-controller.serin-system',
      'serin-controller.serin-system.svc',
      'serin-controller.serin-system.svc.cluster.local:8081',
    ];
    for (const host of answered)
      expect([host, (await send(port, { headers: { host } })).status]).toEqual([host, 200]);
    for (const host of ['evil.example', 'serin-controller.other', 'a.b.example.com'])
      expect([host, (await send(port, { headers: { host } })).status]).toEqual([host, 403]);
  });

  it('reads the name without its port, IPv6 brackets kept', () => {
    expect(hostName('Example.COM:8080')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('[::1]');
    expect(hostName(undefined)).toBe('');
  });
});

describe('endpoint policy: Origin, paths, streams and connections', () => {
  it("refuses mutating and streaming calls from another site's page, not reads", async () => {
    const { port } = await start({ bindHost: '127.0.0.1' });
    const host = `127.0.0.1:${port}`;
    const evil = { host, origin: 'http://evil.example' };
    expect((await send(port, { method: 'POST', headers: evil })).status).toBe(403);
    expect((await send(port, { method: 'DELETE', headers: { host, origin: 'null' } })).status).toBe(403);
    expect((await send(port, { path: '/events', headers: evil })).status).toBe(403);
    expect((await send(port, { headers: evil })).status).toBe(200);
    expect((await send(port, { method: 'POST', headers: { host, origin: `http://${host}` } })).status).toBe(
      200,
    );
    expect((await send(port, { method: 'POST', headers: { host } })).status).toBe(200);
  });

  it('answers a malformed percent-escape with 400', async () => {
    const { port } = await start({ bindHost: '127.0.0.1' });
    const answer = await send(port, { path: '/api/canaries/%E0%A4%A/x' });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('malformed percent-escape');
    expect(pathProblem('/ok%20path')).toBeUndefined();
  });

  it('caps event streams and still answers the next ordinary request', async () => {
    const { port, guard } = await start({ bindHost: '127.0.0.1', maxStreams: 3 });
    const open = await Promise.all(Array.from({ length: 3 }, () => openStream(port)));
    expect(guard.streams).toBe(3);
    const refused = await send(port, { path: '/events' });
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('the limit is 3');
    expect((await send(port)).status).toBe(200);
    open[0]?.destroy();
    await until(() => guard.streams === 2);
    const again = await openStream(port);
    expect(guard.streams).toBe(3);
    for (const s of [...open, again]) s.destroy();
  });

  it('answers a connection over the cap with 503 and serves again once one closes', async () => {
    const { port } = await start({ bindHost: '127.0.0.1', maxConnections: 2 });
    const held = await Promise.all([openStream(port), openStream(port)]);
    const refused = await send(port, { headers: { connection: 'close' } });
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('too many connections');
    for (const s of held) s.destroy();
    await until(async () => (await send(port, { headers: { connection: 'close' } })).status === 200);
  });
});

/** Opens a stream and resolves once its first bytes arrive; destroy() ends it. */
function openStream(port: number): Promise<{ destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/events' }, (res) => {
      res.once('data', () => {
        resolve({ destroy: () => req.destroy() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
