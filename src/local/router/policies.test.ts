import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HTTPRoute, VirtualServiceSpec } from '../../routing/istio/types.js';
import type { Router } from './router.js';
import { apply, testRouter } from './testing/router.js';
import {
  routerClient,
  runConcurrently,
  startUpstream,
  type RouterClient,
  type TestUpstream,
} from './testing/upstream.js';
import type { RouterConfig } from './types.js';

const NS = 'test';

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (chunk: Buffer) => (out += chunk.toString()));
    socket.on('end', () => {
      resolve(out);
    });
    socket.on('error', reject);
  });
}

/** Route semantics other than the split: headers, rewrite, redirect, CORS, affinity, errors. */
describe('router route policies', () => {
  let primary: TestUpstream;
  let canary: TestUpstream;
  let flaky: TestUpstream;
  let router: Router;
  let client: RouterClient;
  let flakyFailures = 0;

  const config = (http: HTTPRoute[], extra: Partial<RouterConfig> = {}): RouterConfig => ({
    services: [
      {
        name: 'podinfo-primary',
        namespace: NS,
        endpoints: [primary.endpoint({ app: 'podinfo', version: 'v1' })],
      },
      {
        name: 'podinfo-canary',
        namespace: NS,
        endpoints: [canary.endpoint({ app: 'podinfo', version: 'v2' })],
      },
      { name: 'flaky', namespace: NS, endpoints: [flaky.endpoint({ app: 'flaky' })] },
      { name: 'down', namespace: NS, endpoints: [{ address: '127.0.0.1', port: 1, workload: 'down' }] },
      { name: 'empty', namespace: NS, endpoints: [] },
    ],
    virtualServices: [
      { name: 'podinfo', namespace: NS, spec: { hosts: ['podinfo'], http } satisfies VirtualServiceSpec },
    ],
    ...extra,
  });

  const toPrimary = { destination: { host: 'podinfo-primary' } };

  beforeAll(async () => {
    primary = await startUpstream('podinfo-primary', (req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-served-by': 'podinfo-primary',
        'x-internal': 'secret',
      });
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    });
    canary = await startUpstream('podinfo-canary');
    flaky = await startUpstream('flaky', (_req, res) => {
      if (flakyFailures > 0) {
        flakyFailures--;
        res.writeHead(503);
        res.end('try again');
        return;
      }
      res.writeHead(200);
      res.end('flaky-ok');
    });
    router = testRouter(config([{ route: [toPrimary] }]), { identity: { namespace: NS } });
    const { port } = await router.listen();
    client = routerClient(port, 'podinfo');
  });

  afterAll(async () => {
    await client.close();
    await router.close();
    await Promise.all([primary, canary, flaky].map((u) => u.close()));
  });

  beforeEach(() => {
    flakyFailures = 0;
  });

  it('sets, adds and removes request and response headers at route and destination level', async () => {
    await apply(
      router,
      config([
        {
          headers: {
            request: { set: { 'x-route': 'r' }, add: { 'x-multi': 'b' }, remove: ['x-drop'] },
            response: { set: { 'x-resp': 'route' }, remove: ['x-internal'] },
          },
          route: [
            {
              ...toPrimary,
              headers: {
                request: { set: { 'x-dest': 'primary' } },
                response: { add: { 'x-version': 'v1' } },
              },
            },
          ],
        },
      ]),
    );
    const res = await client.get('/', { headers: { 'x-drop': 'gone', 'x-multi': 'a', 'x-route': 'old' } });
    const seen = JSON.parse(res.body) as { headers: Record<string, string> };
    expect(seen.headers['x-route']).toBe('r');
    expect(seen.headers['x-multi']).toBe('a,b');
    expect(seen.headers['x-drop']).toBeUndefined();
    expect(seen.headers['x-dest']).toBe('primary');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.headers['x-envoy-attempt-count']).toBe('1');
    expect(seen.headers.host).toBe('podinfo');
    expect(res.headers['x-resp']).toBe('route');
    expect(res.headers['x-version']).toBe('v1');
    expect(res.headers['x-internal']).toBeUndefined();
  });

  it('drops hop-by-hop headers, including those named in Connection', async () => {
    await apply(router, config([{ route: [toPrimary] }]));
    // A raw request: HTTP clients refuse to send a Connection header that lists other headers.
    const raw = await rawRequest(
      router.address?.port ?? 0,
      'GET / HTTP/1.1\r\nhost: podinfo\r\nx-hop: 1\r\nconnection: x-hop, close\r\nte: trailers\r\n\r\n',
    );
    // The upstream answers chunked; the JSON document is the only braces in the reply.
    const seen = JSON.parse(raw.slice(raw.indexOf('{'), raw.lastIndexOf('}') + 1)) as {
      headers: Record<string, string>;
    };
    expect(seen.headers['x-hop']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
  });

  it('rewrites a matched uri prefix and the authority', async () => {
    await apply(
      router,
      config([
        {
          match: [{ uri: { prefix: '/api/v1/' } }],
          rewrite: { uri: '/v2/', authority: 'backend.internal' },
          route: [toPrimary],
        },
        { match: [{ uri: { exact: '/old' } }], rewrite: { uri: '/new' }, route: [toPrimary] },
      ]),
    );
    const a = JSON.parse((await client.get('/api/v1/items?x=1')).body) as {
      url: string;
      headers: Record<string, string>;
    };
    expect(a.url).toBe('/v2/items?x=1');
    expect(a.headers.host).toBe('backend.internal');
    const b = JSON.parse((await client.get('/old?q')).body) as { url: string };
    expect(b.url).toBe('/new?q');
    expect((await client.get('/other')).status).toBe(404);
  });

  it('redirects with scheme, authority, port, uri and code', async () => {
    await apply(
      router,
      config([
        {
          match: [{ uri: { exact: '/moved' } }],
          redirect: { uri: '/here', authority: 'example.com', redirectCode: 308 },
        },
        { match: [{ uri: { exact: '/secure' } }], redirect: { scheme: 'https', port: 8443 } },
      ]),
    );
    const moved = await client.get('/moved?a=b');
    expect(moved.status).toBe(308);
    expect(moved.headers.location).toBe('http://example.com/here?a=b');
    const secure = await client.get('/secure');
    expect(secure.status).toBe(301);
    expect(secure.headers.location).toBe('https://podinfo:8443/secure');
  });

  it('answers CORS preflights for allowed origins and decorates responses', async () => {
    await apply(
      router,
      config([
        {
          corsPolicy: {
            allowOrigins: [{ exact: 'https://app.example' }, { regex: 'https://.*\\.dev\\.example' }],
            allowMethods: ['GET', 'POST'],
            allowHeaders: ['x-token'],
            exposeHeaders: ['x-served-by'],
            maxAge: '24h',
            allowCredentials: true,
          },
          route: [toPrimary],
        },
      ]),
    );
    const before = primary.seen.length;
    const preflight = await client.get('/', {
      method: 'OPTIONS',
      headers: { origin: 'https://a.dev.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://a.dev.example');
    expect(preflight.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(preflight.headers['access-control-allow-headers']).toBe('x-token');
    expect(preflight.headers['access-control-max-age']).toBe('86400');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(primary.seen.length).toBe(before);
    const simple = await client.get('/', { headers: { origin: 'https://app.example' } });
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(simple.headers['access-control-expose-headers']).toBe('x-served-by');
    const stranger = await client.get('/', { headers: { origin: 'https://evil.example' } });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps a session on the canary with a cookie set by the destination and matched by regex', async () => {
    // Flagger's session affinity: the canary destination sets a cookie; later requests carrying it match first.
    await apply(
      router,
      config([
        {
          match: [{ headers: { cookie: { regex: '.*canary-session=[a-z0-9]+.*' } } }],
          route: [{ destination: { host: 'podinfo-canary' } }],
        },
        {
          route: [
            { ...toPrimary, weight: 50 },
            {
              destination: { host: 'podinfo-canary' },
              weight: 50,
              headers: { response: { add: { 'set-cookie': 'canary-session=abc123; Max-Age=3600' } } },
            },
          ],
        },
      ]),
    );
    let cookie: string | undefined;
    for (let i = 0; i < 200 && cookie === undefined; i++) {
      const res = await client.get('/');
      const setCookie = res.headers['set-cookie'];
      if (setCookie !== undefined) {
        expect(res.body).toBe('podinfo-canary');
        cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0];
      }
    }
    expect(cookie).toBe('canary-session=abc123');
    const pinned = await runConcurrently(50, 8, () =>
      client.get('/', { headers: { cookie: `a=1; ${cookie ?? ''}; b=2` } }),
    );
    expect(pinned.every((r) => r.body === 'podinfo-canary')).toBe(true);
  });

  it('retries 5xx within attempts and reports URX when retries run out', async () => {
    const route = (attempts: number): HTTPRoute => ({
      retries: { attempts, retryOn: '5xx' },
      route: [{ destination: { host: 'flaky' } }],
    });
    await apply(router, config([route(3)]));
    flakyFailures = 2;
    const before = flaky.seen.length;
    const recovered = await client.get('/');
    expect(recovered.status).toBe(200);
    expect(recovered.body).toBe('flaky-ok');
    expect(flaky.seen.length - before).toBe(3);
    expect(flaky.seen.at(-1)?.headers['x-envoy-attempt-count']).toBe('3');

    await apply(router, config([route(1)]));
    flakyFailures = 5;
    const exhausted = await client.get('/');
    expect(exhausted.status).toBe(503);
    expect(exhausted.body).toBe('try again');
    expect(await router.metrics()).toMatch(
      /reporter="source"[^}]*destination_workload="flaky"[^}]*response_code="503",response_flags="URX"/,
    );
  });

  it('does not retry a request whose body cannot be replayed', async () => {
    await apply(
      router,
      config([{ retries: { attempts: 3, retryOn: '5xx' }, route: [{ destination: { host: 'flaky' } }] }]),
    );
    flakyFailures = 1;
    const before = flaky.seen.length;
    const res = await client.get('/', { method: 'POST', body: 'payload' });
    expect(res.status).toBe(503);
    expect(flaky.seen.length - before).toBe(1);
    expect(flaky.seen.at(-1)?.body).toBe('payload');
  });

  it('answers 503 UF when the upstream refuses connections, UF,URX after default retries', async () => {
    await apply(
      router,
      config([
        {
          match: [{ uri: { prefix: '/none' } }],
          retries: { attempts: 0 },
          route: [{ destination: { host: 'down' } }],
        },
        { route: [{ destination: { host: 'down' } }] },
      ]),
    );
    const once = await client.get('/none');
    expect(once.status).toBe(503);
    expect(once.headers['x-serin-response-flags']).toBe('UF');
    const retried = await client.get('/');
    expect(retried.status).toBe(503);
    expect(retried.headers['x-serin-response-flags']).toBe('UF,URX');
    expect(await router.metrics()).toMatch(
      /reporter="source"[^}]*destination_service="down\.test\.svc\.cluster\.local"[^}]*response_code="503",response_flags="UF"/,
    );
  });

  it('answers 503 UH without endpoints, 503 NC for an unknown subset and 404 NR without a route', async () => {
    await apply(
      router,
      config([
        { match: [{ uri: { prefix: '/empty' } }], route: [{ destination: { host: 'empty' } }] },
        {
          match: [{ uri: { prefix: '/nosubset' } }],
          route: [{ destination: { host: 'podinfo-primary', subset: 'v9' } }],
        },
      ]),
    );
    const uh = await client.get('/empty');
    expect([uh.status, uh.headers['x-serin-response-flags']]).toEqual([503, 'UH']);
    const nc = await client.get('/nosubset');
    expect([nc.status, nc.headers['x-serin-response-flags']]).toEqual([503, 'NC']);
    const nr = await client.get('/elsewhere');
    expect([nr.status, nr.headers['x-serin-response-flags']]).toEqual([404, 'NR']);
    const unknownHost = await client.get('/', { host: 'nowhere.example' });
    expect(unknownHost.status).toBe(404);
  });

  it('routes a Host naming a known service straight to it when no VirtualService claims it', async () => {
    await apply(router, config([{ route: [toPrimary] }]));
    for (const host of [
      'podinfo-canary',
      'podinfo-canary.test',
      'podinfo-canary.test.svc.cluster.local:9898',
    ]) {
      const res = await client.get('/', { host });
      expect(res.body).toBe('podinfo-canary');
    }
  });

  it('times out a slow upstream with 504 UT, and per-try timeouts are retried', async () => {
    let retriedCalls = 0;
    const slow = await startUpstream('slow', (req, res) => {
      // Only the second call to /fast-after-first answers at once; everything else is too slow.
      const wait = req.url === '/fast-after-first' && ++retriedCalls > 1 ? 0 : 2000;
      setTimeout(() => {
        res.writeHead(200);
        res.end('slow');
      }, wait).unref();
    });
    try {
      const services = [
        ...config([]).services,
        { name: 'slow', namespace: NS, endpoints: [slow.endpoint()] },
      ];
      await apply(router, {
        ...config([
          {
            match: [{ uri: { exact: '/fast-after-first' } }],
            retries: { attempts: 2, perTryTimeout: '200ms', retryOn: '5xx' },
            route: [{ destination: { host: 'slow' } }],
          },
          { timeout: '150ms', route: [{ destination: { host: 'slow' } }] },
        ]),
        services,
      });
      const timedOut = await client.get('/');
      expect(timedOut.status).toBe(504);
      expect(timedOut.headers['x-serin-response-flags']).toBe('UT');
      const retried = await client.get('/fast-after-first');
      expect(retried.status).toBe(200);
      expect(retried.body).toBe('slow');
      expect(retried.headers['x-serin-response-flags']).toBeUndefined();
      expect(retriedCalls).toBe(2);
    } finally {
      await slow.close();
    }
  });

  it('rejects an invalid configuration with the field path and keeps the old one', async () => {
    await apply(router, config([{ route: [toPrimary] }]));
    const version = router.configVersion;
    expect(() => {
      router.update(config([{ timeout: 'soon', route: [toPrimary] }]));
    }).toThrow(/virtualServices\[0\] \(test\/podinfo\)\.spec\.http\[0\]\.timeout/);
    expect(router.configVersion).toBe(version);
    expect((await client.get('/')).status).toBe(200);
  });
});
