/**
 * The explain corpus for Gateway API HTTPRoutes: routes and requests with the answer the Gateway
 * API specification (v1.6, standard channel) gives: HTTPRouteRule match precedence across all
 * rules of all routes (hostname specificity; exact path, longest prefix, method, most headers,
 * most query parameters; oldest route, then namespace/name; then list order), PathPrefix by whole
 * path elements, Gateway API weights (default 1; 0 sends nothing, even alone), RequestMirror
 * percent and fraction, and parents (a Gateway by namespace/name, a Service on the mesh).
 *
 * The local router does not execute HTTPRoutes (local mode renders VirtualServices), so these
 * cases hold explain, and through it the compiled plan, to the specification alone.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { explainRequest, type Explanation } from '../../src/routing/explain.js';
import { readManifests } from '../../src/routing/manifests.js';

interface Route {
  name: string;
  namespace?: string;
  created?: string;
  spec: Record<string, unknown>;
}

interface Request {
  host: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  gateway?: string;
  sourceNamespace?: string;
}

/** The route and rule taken and each backend's share (by Service name), or the status answered. */
type Outcome =
  | { route: string; rule: number; backends: Record<string, number>; mirrors?: Record<string, number> }
  | { status: 404 | 500 }
  | { none: true };

interface Case {
  name: string;
  routes: Route[];
  requests: [Request, Outcome][];
}

const GATEWAY = { parentRefs: [{ name: 'public', namespace: 'infra' }] };
const backend = (name: string, extra: Record<string, unknown> = {}) => ({ name, port: 80, ...extra });
const rule = (matches: unknown[] | undefined, ...backends: string[]) => ({
  ...(matches === undefined ? {} : { matches }),
  backendRefs: backends.map((b) => backend(b)),
});
const at = (host: string, path = '/', extra: Partial<Request> = {}): Request => ({
  host,
  path,
  gateway: 'infra/public',
  ...extra,
});
const to = (route: string, ruleIndex: number, b: string): Outcome => ({
  route,
  rule: ruleIndex,
  backends: { [b]: 100 },
});

const corpus: Case[] = [
  {
    name: 'an exact path beats a prefix that also matches, written first',
    routes: [
      {
        name: 'shop',
        spec: {
          ...GATEWAY,
          rules: [
            rule([{ path: { type: 'PathPrefix', value: '/api' } }], 'api'),
            rule([{ path: { type: 'Exact', value: '/api/v1/users' } }], 'users'),
          ],
        },
      },
    ],
    requests: [
      [at('shop.example.com', '/api/v1/users'), to('shop/shop', 1, 'users')],
      [at('shop.example.com', '/api/v1/users/7'), to('shop/shop', 0, 'api')],
      [at('shop.example.com', '/'), { status: 404 }],
    ],
  },
  {
    name: 'the longest prefix wins whatever the order, and prefixes match whole path elements',
    routes: [
      {
        name: 'shop',
        spec: {
          ...GATEWAY,
          rules: [
            rule([{ path: { type: 'PathPrefix', value: '/api' } }], 'api'),
            rule([{ path: { type: 'PathPrefix', value: '/api/v2/' } }], 'api-v2'),
          ],
        },
      },
    ],
    requests: [
      [at('shop.example.com', '/api/v2/orders'), to('shop/shop', 1, 'api-v2')],
      [at('shop.example.com', '/api/v2'), to('shop/shop', 1, 'api-v2')],
      [at('shop.example.com', '/api/v2x'), to('shop/shop', 0, 'api')],
      [at('shop.example.com', '/apix'), { status: 404 }],
    ],
  },
  {
    name: 'a method match beats header matches; more headers beat fewer; more query parameters beat fewer',
    routes: [
      {
        name: 'shop',
        spec: {
          ...GATEWAY,
          rules: [
            rule([{ headers: [{ name: 'x-a', value: '1' }] }], 'one-header'),
            rule(
              [
                {
                  headers: [
                    { name: 'x-a', value: '1' },
                    { name: 'X-B', value: '2' },
                  ],
                },
              ],
              'two-headers',
            ),
            rule([{ method: 'POST' }], 'post'),
            rule([{ queryParams: [{ name: 'q', value: 'x' }] }], 'query'),
            rule(
              [{ headers: [{ name: 'x-a', value: '1' }], queryParams: [{ name: 'q', value: 'x' }] }],
              'header-query',
            ),
          ],
        },
      },
    ],
    requests: [
      [
        at('shop.example.com', '/', { method: 'POST', headers: { 'x-a': '1', 'x-b': '2' } }),
        to('shop/shop', 2, 'post'),
      ],
      [
        at('shop.example.com', '/', { headers: { 'x-a': '1', 'x-b': '2' } }),
        to('shop/shop', 1, 'two-headers'),
      ],
      [at('shop.example.com', '/', { headers: { 'x-a': '1' } }), to('shop/shop', 0, 'one-header')],
      [at('shop.example.com', '/?q=x', { headers: { 'x-a': '1' } }), to('shop/shop', 4, 'header-query')],
      [at('shop.example.com', '/?Q=x'), { status: 404 }],
      [at('shop.example.com', '/?q=x'), to('shop/shop', 3, 'query')],
      [at('shop.example.com', '/', { method: 'post' }), { status: 404 }],
    ],
  },
  {
    name: 'between routes with equal matches: the oldest, then namespace/name',
    routes: [
      {
        name: 'b-newer',
        created: '2026-01-02T00:00:00Z',
        spec: { ...GATEWAY, rules: [rule(undefined, 'newer')] },
      },
      {
        name: 'c-older',
        created: '2026-01-01T00:00:00Z',
        spec: { ...GATEWAY, rules: [rule(undefined, 'older')] },
      },
      {
        name: 'a-same',
        namespace: 'zeta',
        created: '2026-01-01T00:00:00Z',
        spec: { ...GATEWAY, rules: [rule(undefined, 'zeta')] },
      },
    ],
    requests: [[at('shop.example.com', '/x'), to('shop/c-older', 0, 'older')]],
  },
  {
    name: 'the most specific hostname comes before any match precedence',
    routes: [
      {
        name: 'wild',
        spec: {
          ...GATEWAY,
          hostnames: ['*.example.com'],
          rules: [rule([{ path: { type: 'Exact', value: '/api' } }], 'wild')],
        },
      },
      {
        name: 'foo',
        spec: {
          ...GATEWAY,
          hostnames: ['foo.example.com'],
          rules: [rule([{ path: { type: 'PathPrefix', value: '/web' } }], 'foo')],
        },
      },
    ],
    requests: [
      [at('foo.example.com', '/api'), to('shop/wild', 0, 'wild')],
      [at('foo.example.com:8080', '/web/x'), to('shop/foo', 0, 'foo')],
      [at('bar.example.com', '/api'), to('shop/wild', 0, 'wild')],
      // A wildcard matches subdomains only.
      [at('example.com', '/api'), { none: true }],
    ],
  },
  {
    name: 'weights: 1 by default, 0 sends nothing even alone (500), mirrors by percent and fraction',
    routes: [
      {
        name: 'shop',
        spec: {
          ...GATEWAY,
          rules: [
            { matches: [{ path: { value: '/even' } }], backendRefs: [backend('a'), backend('b')] },
            {
              matches: [{ path: { value: '/split' } }],
              backendRefs: [backend('a', { weight: 3 }), backend('b', { weight: 1 })],
            },
            { matches: [{ path: { value: '/zero' } }], backendRefs: [backend('a', { weight: 0 })] },
            {
              matches: [{ path: { value: '/mirror' } }],
              backendRefs: [backend('a')],
              filters: [
                {
                  type: 'RequestMirror',
                  requestMirror: {
                    backendRef: backend('shadow'),
                    fraction: { numerator: 1, denominator: 4 },
                  },
                },
                { type: 'RequestMirror', requestMirror: { backendRef: backend('shadow-2'), percent: 10 } },
              ],
            },
          ],
        },
      },
    ],
    requests: [
      [at('shop.example.com', '/even'), { route: 'shop/shop', rule: 0, backends: { a: 50, b: 50 } }],
      [at('shop.example.com', '/split'), { route: 'shop/shop', rule: 1, backends: { a: 75, b: 25 } }],
      [at('shop.example.com', '/zero'), { status: 500 }],
      [
        at('shop.example.com', '/mirror'),
        { route: 'shop/shop', rule: 3, backends: { a: 100 }, mirrors: { shadow: 25, 'shadow-2': 10 } },
      ],
    ],
  },
  {
    name: 'parents: a Gateway is namespace/name; on the mesh a route attaches to its Service (GAMMA)',
    routes: [
      { name: 'edge', spec: { ...GATEWAY, rules: [rule(undefined, 'edge')] } },
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
          // Service parents ignore hostnames.
          hostnames: ['ignored.example.com'],
          rules: [
            rule([{ headers: [{ name: 'end-user', value: 'jason' }] }], 'reviews-v2'),
            rule(undefined, 'reviews-v1'),
          ],
        },
      },
    ],
    requests: [
      [at('anything', '/', { gateway: 'other/public' }), { none: true }],
      [
        { host: 'reviews', sourceNamespace: 'bookinfo', headers: { 'end-user': 'jason' } },
        to('bookinfo/reviews', 0, 'reviews-v2'),
      ],
      [{ host: 'reviews.bookinfo', sourceNamespace: 'web' }, to('bookinfo/reviews', 1, 'reviews-v1')],
      // From another namespace, the short name is another Service.
      [{ host: 'reviews', sourceNamespace: 'web' }, { none: true }],
    ],
  },
  {
    name: 'RegularExpression paths are RE2 over the whole path, after prefixes',
    routes: [
      {
        name: 'shop',
        spec: {
          ...GATEWAY,
          rules: [
            rule([{ path: { type: 'RegularExpression', value: '/items/[0-9a-z]+' } }], 'item'),
            rule([{ path: { type: 'PathPrefix', value: '/items/special' } }], 'special'),
          ],
        },
      },
    ],
    requests: [
      [at('shop.example.com', '/items/42'), to('shop/shop', 0, 'item')],
      [at('shop.example.com', '/items/42/x'), { status: 404 }],
      [at('shop.example.com', '/items/special'), to('shop/shop', 1, 'special')],
    ],
  },
];

function manifestText(c: Case): string {
  return c.routes
    .map((r) =>
      stringify({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: {
          name: r.name,
          namespace: r.namespace ?? 'shop',
          ...(r.created !== undefined ? { creationTimestamp: r.created } : {}),
        },
        spec: r.spec,
      }),
    )
    .join('---\n');
}

const serviceName = (host: string) => host.split('.')[0] ?? host;

function outcome(e: Explanation): Outcome {
  if (e.httpRoute === undefined) return { none: true };
  if (e.rule === undefined) return { status: 404 };
  const live = e.destinations.filter((d) => d.percent > 0);
  if (live.length === 0) return { status: 500 };
  const out: Outcome = {
    route: `${e.httpRoute.namespace}/${e.httpRoute.name}`,
    rule: e.rule.index,
    backends: Object.fromEntries(live.map((d) => [serviceName(d.host), d.percent])),
  };
  return e.mirrors.length === 0
    ? out
    : { ...out, mirrors: Object.fromEntries(e.mirrors.map((m) => [serviceName(m.host), m.percent])) };
}

describe('explain corpus for HTTPRoutes: the Gateway API specification', () => {
  for (const c of corpus) {
    describe(c.name, () => {
      const set = readManifests([{ name: 'routes.yaml', text: manifestText(c) }]);
      for (const [request, want] of c.requests) {
        it(`${request.method ?? 'GET'} ${request.host}${request.path ?? '/'} ${JSON.stringify({ ...request, host: undefined, path: undefined })}`, () => {
          expect(set.problems).toEqual([]);
          const e = explainRequest(set, {
            authority: request.host,
            path: request.path ?? '/',
            method: request.method ?? 'GET',
            scheme: 'http',
            headers: request.headers ?? {},
            gateway: request.gateway ?? 'mesh',
            defaultNamespace: 'shop',
            ...(request.sourceNamespace !== undefined ? { sourceNamespace: request.sourceNamespace } : {}),
          });
          expect(outcome(e), `${e.summary}; ${e.notes.join('; ')}`).toEqual(want);
        });
      }
    });
  }
});
