import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HTTPRoute } from '../../routing/istio/types.js';
import type { Router } from './router.js';
import { apply, testRouter } from './testing/router.js';
import {
  binomialBounds,
  routerClient,
  runConcurrently,
  startUpstream,
  type RouterClient,
  type TestUpstream,
} from './testing/upstream.js';
import type { RouterConfig } from './types.js';

const NS = 'test';

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Mirrors are fire-and-forget: wait until the count stops moving (no fixed sleep). */
async function settled(count: () => number): Promise<void> {
  let last = -1;
  while (count() !== last) {
    last = count();
    await new Promise((r) => setTimeout(r, 250));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    socket.on('close', () => {
      resolve(out);
    });
    socket.on('error', reject);
  });
}

/** Data-plane behaviour: mirroring, streaming, configuration swaps under load, client and protocol errors. */
describe('router data plane', () => {
  let v1: TestUpstream;
  let v2: TestUpstream;
  let shadow: TestUpstream;
  let streamer: TestUpstream;
  let slow: TestUpstream;
  let router: Router;
  let client: RouterClient;
  const releaseShadow = deferred();
  let shadowAnswered = 0;
  const streamGate = deferred();
  const slowClosed: boolean[] = [];

  const config = (http: HTTPRoute[]): RouterConfig => ({
    services: [
      { name: 'app-primary', namespace: NS, endpoints: [v1.endpoint({ version: 'v1' })] },
      { name: 'app-canary', namespace: NS, endpoints: [v2.endpoint({ version: 'v2' })] },
      { name: 'app-shadow', namespace: NS, endpoints: [shadow.endpoint()] },
      { name: 'streamer', namespace: NS, endpoints: [streamer.endpoint()] },
      { name: 'slow', namespace: NS, endpoints: [slow.endpoint()] },
    ],
    virtualServices: [{ name: 'app', namespace: NS, spec: { hosts: ['app'], http } }],
  });

  const split = (primary: number, canary: number): HTTPRoute[] => [
    {
      route: [
        { destination: { host: 'app-primary' }, weight: primary },
        { destination: { host: 'app-canary' }, weight: canary },
      ],
    },
  ];

  beforeAll(async () => {
    v1 = await startUpstream('app-primary');
    v2 = await startUpstream('app-canary');
    shadow = await startUpstream('app-shadow', (_req: IncomingMessage, res: ServerResponse) => {
      // Holds every mirrored request until the test releases it.
      void releaseShadow.promise.then(() => {
        shadowAnswered++;
        res.end('shadow');
      });
    });
    streamer = await startUpstream('streamer', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(64 * 1024, 'a'));
      // The rest comes only after the client has seen the first chunk: a buffering proxy deadlocks here.
      void streamGate.promise.then(() => {
        for (let i = 0; i < 32; i++) res.write(Buffer.alloc(64 * 1024, 'b'));
        res.end();
      });
    });
    slow = await startUpstream('slow', (_req, res) => {
      const index = slowClosed.length;
      slowClosed.push(false);
      res.on('close', () => {
        slowClosed[index] = true;
      });
    });
    router = testRouter(config(split(100, 0)), { identity: { namespace: NS } });
    const { port } = await router.listen();
    client = routerClient(port, 'app');
  });

  afterAll(async () => {
    releaseShadow.resolve();
    streamGate.resolve();
    await client.close();
    await router.close();
    await Promise.all([v1, v2, shadow, streamer, slow].map((u) => u.close()));
  });

  it('mirrors to the shadow host without waiting for it, with -shadow on the Host', async () => {
    await apply(
      router,
      config([
        {
          route: [{ destination: { host: 'app-primary' } }],
          mirror: { host: 'app-shadow' },
          mirrorPercentage: { value: 100 },
        },
      ]),
    );
    const res = await client.get('/orders', {
      method: 'POST',
      body: 'order-1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('app-primary');
    await until(() => shadow.seen.length === 1, 'the mirror to receive its copy');
    // The main response is complete while the mirror still holds its request.
    expect(shadowAnswered).toBe(0);
    const copy = shadow.seen[0];
    expect(copy?.headers.host).toBe('app-shadow');
    expect(copy?.url).toBe('/orders');
    expect(copy?.body).toBe('order-1');
    expect(v1.seen.at(-1)?.body).toBe('order-1');
    expect(v1.seen.at(-1)?.headers.host).toBe('app');
    releaseShadow.resolve();
    await until(() => shadowAnswered === 1, 'the mirror to answer');
  });

  it('mirrors only mirrorPercentage of requests', async () => {
    await apply(
      router,
      config([
        {
          route: [{ destination: { host: 'app-primary' } }],
          mirror: { host: 'app-shadow' },
          mirrorPercentage: { value: 25 },
        },
      ]),
    );
    releaseShadow.resolve();
    await settled(() => shadow.seen.length);
    const before = shadow.seen.length;
    const n = 800;
    const results = await runConcurrently(n, 16, () => client.get('/'));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await settled(() => shadow.seen.length);
    const bounds = binomialBounds(n, 0.25);
    const mirrored = shadow.seen.length - before;
    expect(mirrored).toBeGreaterThanOrEqual(bounds.min);
    expect(mirrored).toBeLessThanOrEqual(bounds.max);
  });

  it('streams a response: the client reads the first chunk before the upstream has finished', async () => {
    await apply(router, config([{ route: [{ destination: { host: 'streamer' } }] }]));
    const pool = new Pool(`http://127.0.0.1:${router.address?.port ?? 0}`);
    try {
      const res = await pool.request({ path: '/big', method: 'GET', headers: { host: 'streamer' } });
      let received = 0;
      for await (const chunk of res.body) {
        if (received === 0) streamGate.resolve();
        received += (chunk as Buffer).length;
      }
      expect(received).toBe(33 * 64 * 1024);
    } finally {
      await pool.close();
    }
  });

  it('streams a request body: the upstream reads the first chunk before the client has sent the rest', async () => {
    await apply(router, config(split(100, 0)));
    let firstSeenByUpstream = false;
    // A dedicated upstream that reports the first body chunk as soon as it arrives.
    const { createServer } = await import('node:http');
    let total = 0;
    const server = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => {
        firstSeenByUpstream = true;
        total += chunk.length;
      });
      req.on('end', () => {
        res.end(String(total));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await apply(router, {
      ...config(split(100, 0)),
      services: [
        { name: 'upload', namespace: NS, endpoints: [{ address: '127.0.0.1', port, workload: 'upload' }] },
      ],
    });
    const body = new PassThrough();
    const pool = new Pool(`http://127.0.0.1:${router.address?.port ?? 0}`);
    try {
      const pending = pool.request({ path: '/upload', method: 'PUT', headers: { host: 'upload' }, body });
      body.write(Buffer.alloc(16 * 1024, 'x'));
      await until(() => firstSeenByUpstream, 'the upstream to see the first request chunk');
      for (let i = 0; i < 16; i++) body.write(Buffer.alloc(16 * 1024, 'y'));
      body.end();
      const res = await pending;
      expect(await res.body.text()).toBe(String(17 * 16 * 1024));
    } finally {
      await pool.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('drops no request across 100 weight changes under load', async () => {
    await apply(router, config(split(90, 10)));
    const total = 4000;
    let done = 0;
    const load = runConcurrently(total, 16, async () => {
      const r = await client.get('/');
      done++;
      return r;
    });
    for (let i = 0; i < 100; i++) {
      const canary = (i * 7) % 101;
      await apply(router, config(split(100 - canary, canary)));
      const target = Math.min(total, Math.floor(((i + 1) * total) / 110));
      await until(() => done >= target, 'load to progress');
    }
    const results = await load;
    expect(results).toHaveLength(total);
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
    const served = results.filter((r) => r.body === 'app-primary' || r.body === 'app-canary').length;
    expect(served).toBe(total);
    expect(router.configVersion).toBeGreaterThanOrEqual(101);
  });

  it('aborts the upstream request when the client goes away, and records it as DC', async () => {
    await apply(router, { ...config([]), virtualServices: [] });
    const before = slowClosed.length;
    const socket = connect(router.address?.port ?? 0, '127.0.0.1', () => {
      socket.write('GET /hang HTTP/1.1\r\nhost: slow\r\n\r\n');
    });
    await until(() => slowClosed.length === before + 1, 'the request to reach the upstream');
    socket.destroy();
    await until(() => slowClosed[before] === true, 'the upstream request to be aborted');
    const metrics = await router.metrics();
    expect(metrics).toMatch(
      /reporter="source"[^}]*destination_workload="slow"[^}]*response_code="0",response_flags="DC"/,
    );
  });

  it('overflows with 503 UO beyond the DestinationRule connection pool limits', async () => {
    await apply(router, {
      ...config([{ route: [{ destination: { host: 'slow' } }] }]),
      destinationRules: [
        {
          name: 'slow',
          namespace: NS,
          spec: {
            host: 'slow',
            trafficPolicy: {
              connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 0 } },
            },
          },
        },
      ],
    });
    const before = slowClosed.length;
    const holder = connect(router.address?.port ?? 0, '127.0.0.1', () => {
      holder.write('GET /hold HTTP/1.1\r\nhost: app\r\n\r\n');
    });
    try {
      await until(() => slowClosed.length === before + 1, 'the first request to occupy the pool');
      const overflow = await client.get('/');
      expect(overflow.status).toBe(503);
      expect(overflow.headers['x-serin-response-flags']).toBe('UO');
      expect(slowClosed.length).toBe(before + 1);
    } finally {
      holder.destroy();
    }
  });

  it('cuts the client response when the upstream dies mid-body, recorded as UC', async () => {
    const dying = await startUpstream('dying', (_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 50).unref();
    });
    try {
      await apply(router, {
        ...config([]),
        virtualServices: [],
        services: [{ name: 'dying', namespace: NS, endpoints: [dying.endpoint()] }],
      });
      await expect(client.get('/', { host: 'dying' })).rejects.toThrow();
      await until(
        () => router.snapshot().workloads.some((w) => w.reporter === 'source' && w.workload === 'dying'),
        'the source record',
      );
      const metrics = await router.metrics();
      expect(metrics).toMatch(
        /reporter="source"[^}]*destination_workload="dying"[^}]*response_code="200",response_flags="UC"/,
      );
      expect(metrics).not.toMatch(/destination_workload="dying"[^}]*response_flags="DC"/);
    } finally {
      await dying.close();
    }
  });

  it('answers malformed and oversized requests with 4xx and keeps serving', async () => {
    const port = router.address?.port ?? 0;
    await apply(router, config(split(100, 0)));
    const garbage = await rawExchange(port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    const huge = await rawExchange(
      port,
      `GET / HTTP/1.1\r\nhost: app\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
    const noHost = await rawExchange(port, 'GET / HTTP/1.0\r\n\r\n');
    expect(noHost).toMatch(/^HTTP\/1\.1 400/);
    expect((await client.get('/')).status).toBe(200);
  });
});
