import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RequestAttributes } from './match.js';
import {
  compileVirtualService,
  destinationProbabilities,
  hostMatcher,
  mirrorPercent,
  pickDestination,
} from './match.js';
import { parseVirtualServiceSpec } from './istio/types.js';

const req = (over: Partial<RequestAttributes> = {}): RequestAttributes => ({
  authority: 'reviews',
  path: '/',
  method: 'GET',
  scheme: 'http',
  headers: {},
  ...over,
});

// Istio's Bookinfo sample `virtual-service-reviews-test-v2.yaml`, re-typed from its documentation.
const reviewsTestV2 = parseVirtualServiceSpec(
  parse(`
hosts: [reviews]
http:
- match:
  - headers:
      end-user:
        exact: jason
  route:
  - destination: {host: reviews, subset: v2}
- route:
  - destination: {host: reviews, subset: v1}
`),
);

describe('compileVirtualService: Bookinfo examples', () => {
  const vs = compileVirtualService(reviewsTestV2, { namespace: 'default' });

  it('sends jason to v2 and everyone else to v1', () => {
    const jason = vs.select(req({ headers: { 'end-user': 'jason' } }));
    expect(jason?.index).toBe(0);
    expect(jason?.matchIndex).toBe(0);
    expect(jason?.route.route?.[0]?.destination.subset).toBe('v2');
    const other = vs.select(req({ headers: { 'end-user': 'alice' } }));
    expect(other?.index).toBe(1);
    expect(other?.matchIndex).toBeUndefined();
    expect(vs.select(req())?.route.route?.[0]?.destination.subset).toBe('v1');
  });

  it('header values are case-sensitive, header names are not', () => {
    expect(vs.select(req({ headers: { 'end-user': 'Jason' } }))?.index).toBe(1);
    const upper = compileVirtualService(
      parseVirtualServiceSpec({
        hosts: ['r'],
        http: [{ match: [{ headers: { 'End-User': { exact: 'jason' } } }], route: [] }],
      }),
    );
    expect(upper.select(req({ headers: { 'end-user': 'jason' } }))?.index).toBe(0);
  });

  it('short host names resolve in the VirtualService namespace', () => {
    expect(vs.appliesTo('reviews')).toBe(true);
    expect(vs.appliesTo('reviews:9080')).toBe(true);
    expect(vs.appliesTo('reviews.default.svc.cluster.local')).toBe(true);
    expect(vs.appliesTo('reviews.other.svc.cluster.local')).toBe(false);
    expect(vs.appliesTo('ratings')).toBe(false);
    expect(vs.appliesTo('reviews', 'my-gateway')).toBe(false);
  });

  it('Bookinfo gateway: OR-ed uri matches', () => {
    const bookinfo = compileVirtualService(
      parseVirtualServiceSpec(
        parse(`
hosts: ["*"]
gateways: [bookinfo-gateway]
http:
- match:
  - uri: {exact: /productpage}
  - uri: {prefix: /static}
  - uri: {exact: /login}
  - uri: {exact: /logout}
  - uri: {prefix: /api/v1/products}
  route:
  - destination: {host: productpage, port: {number: 9080}}
`),
      ),
    );
    const via = (path: string) => bookinfo.select(req({ path, gateway: 'bookinfo-gateway' }));
    expect(via('/productpage')?.matchIndex).toBe(0);
    expect(via('/productpage?u=normal')?.matchIndex).toBe(0);
    expect(via('/static/css/x.css')?.matchIndex).toBe(1);
    expect(via('/logout')?.matchIndex).toBe(3);
    expect(via('/api/v1/products/1/reviews')?.matchIndex).toBe(4);
    expect(via('/productpage/x')).toBeUndefined();
    expect(via('/')).toBeUndefined();
    // The VirtualService is bound to its gateway only: sidecar traffic does not use it.
    expect(bookinfo.select(req({ path: '/productpage' }))).toBeUndefined();
    // `bookinfo-gateway` is read in the VirtualService's namespace, as pilot resolves it.
    expect(bookinfo.appliesTo('anything.example.com', 'default/bookinfo-gateway')).toBe(true);
    expect(bookinfo.appliesTo('anything.example.com', 'istio-system/bookinfo-gateway')).toBe(false);
  });

  it('fault injection for jason (ratings-test-abort)', () => {
    const ratings = compileVirtualService(
      parseVirtualServiceSpec(
        parse(`
hosts: [ratings]
http:
- match:
  - headers: {end-user: {exact: jason}}
  fault:
    abort:
      percentage: {value: 100.0}
      httpStatus: 500
  route:
  - destination: {host: ratings, subset: v1}
- route:
  - destination: {host: ratings, subset: v1}
`),
      ),
    );
    expect(
      ratings.select(req({ authority: 'ratings', headers: { 'end-user': 'jason' } }))?.route.fault?.abort
        ?.httpStatus,
    ).toBe(500);
    expect(ratings.select(req({ authority: 'ratings' }))?.route.fault).toBeUndefined();
  });
});

describe('match fields', () => {
  const one = (match: unknown) =>
    compileVirtualService(
      parseVirtualServiceSpec({ hosts: ['a'], http: [{ match, route: [{ destination: { host: 'a' } }] }] }),
    );

  it('fields inside one block are AND-ed', () => {
    const vs = one([{ uri: { prefix: '/api' }, method: { exact: 'POST' } }]);
    expect(vs.select(req({ path: '/api/x', method: 'POST' }))).toBeDefined();
    expect(vs.select(req({ path: '/api/x', method: 'GET' }))).toBeUndefined();
    expect(vs.select(req({ path: '/web', method: 'POST' }))).toBeUndefined();
  });

  it('ignoreUriCase applies to exact and prefix, not to regex', () => {
    expect(
      one([{ uri: { prefix: '/API' }, ignoreUriCase: true }]).select(req({ path: '/api/v1' })),
    ).toBeDefined();
    expect(
      one([{ uri: { exact: '/Login' }, ignoreUriCase: true }]).select(req({ path: '/LOGIN' })),
    ).toBeDefined();
    expect(one([{ uri: { prefix: '/API' } }]).select(req({ path: '/api/v1' }))).toBeUndefined();
    expect(
      one([{ uri: { regex: '/API.*' }, ignoreUriCase: true }]).select(req({ path: '/api/v1' })),
    ).toBeUndefined();
  });

  it('uri matches the path without the query string', () => {
    expect(one([{ uri: { exact: '/a' } }]).select(req({ path: '/a?x=1' }))).toBeDefined();
  });

  it('regex is a full match (RE2)', () => {
    const vs = one([{ headers: { 'user-agent': { regex: '.*Chrome.*' } } }]);
    expect(vs.select(req({ headers: { 'user-agent': 'Mozilla/5.0 Chrome/120 Safari' } }))).toBeDefined();
    expect(vs.select(req({ headers: { 'user-agent': 'Firefox' } }))).toBeUndefined();
    const digits = one([{ queryParams: { id: { regex: '\\d+$' } } }]);
    expect(digits.select(req({ path: '/?id=123' }))).toBeDefined();
    expect(digits.select(req({ path: '/?id=a123' }))).toBeUndefined();
    expect(digits.select(req({ path: '/?id=123a' }))).toBeUndefined();
  });

  it('queryParams: exact, presence with exact "" for a bare key', () => {
    const vs = one([{ queryParams: { debug: { exact: '' } } }]);
    expect(vs.select(req({ path: '/?debug' }))).toBeDefined();
    expect(vs.select(req({ path: '/?debug=1' }))).toBeUndefined();
    expect(vs.select(req({ path: '/' }))).toBeUndefined();
    const enc = one([{ queryParams: { q: { exact: 'a b' } } }]);
    expect(enc.select(req({ path: '/?q=a%20b' }))).toBeDefined();
  });

  it('an empty header match only checks presence', () => {
    const vs = one([{ headers: { 'x-canary': {} } }]);
    expect(vs.select(req({ headers: { 'x-canary': '' } }))).toBeDefined();
    expect(vs.select(req())).toBeUndefined();
  });

  it('withoutHeaders negates, and an absent header satisfies it', () => {
    const vs = one([{ withoutHeaders: { 'end-user': { exact: 'jason' } } }]);
    expect(vs.select(req({ headers: { 'end-user': 'jason' } }))).toBeUndefined();
    expect(vs.select(req({ headers: { 'end-user': 'bob' } }))).toBeDefined();
    expect(vs.select(req())).toBeDefined();
    const present = one([{ withoutHeaders: { 'x-debug': { regex: '*' } } }]);
    expect(present.select(req({ headers: { 'x-debug': '1' } }))).toBeUndefined();
    expect(present.select(req())).toBeDefined();
  });

  it('repeated header values are joined with a comma', () => {
    const vs = one([{ headers: { 'x-a': { exact: '1,2' } } }]);
    expect(vs.select(req({ headers: { 'x-a': ['1', '2'] } }))).toBeDefined();
  });

  it('the keys uri, scheme, method and authority are ignored under headers', () => {
    const vs = one([{ headers: { method: { exact: 'POST' } } }]);
    expect(vs.select(req({ method: 'GET' }))).toBeDefined();
  });

  it('method, scheme, authority and port', () => {
    expect(one([{ scheme: { exact: 'https' } }]).select(req({ scheme: 'http' }))).toBeUndefined();
    expect(one([{ scheme: { exact: 'https' } }]).select(req({ scheme: 'https' }))).toBeDefined();
    expect(
      one([{ authority: { prefix: 'api.' } }]).select(req({ authority: 'api.example.com' })),
    ).toBeDefined();
    expect(one([{ port: 8080 }]).select(req({ authority: 'a:8080' }))).toBeDefined();
    expect(one([{ port: 8080 }]).select(req({ authority: 'a' }))).toBeUndefined();
    expect(one([{ port: 8080 }]).select(req({ authority: 'a', port: 8080 }))).toBeDefined();
  });

  it('sourceLabels match mesh callers with those labels only', () => {
    const vs = one([{ sourceLabels: { app: 'productpage' } }]);
    expect(vs.select(req({ sourceLabels: { app: 'productpage', version: 'v1' } }))).toBeDefined();
    expect(vs.select(req({ sourceLabels: { app: 'other' } }))).toBeUndefined();
    expect(vs.select(req())).toBeUndefined();
  });

  it('match-level gateways override the VirtualService gateways', () => {
    const vs = compileVirtualService(
      parseVirtualServiceSpec({
        hosts: ['a'],
        gateways: ['mesh', 'gw'],
        http: [
          { match: [{ gateways: ['gw'] }], route: [{ destination: { host: 'a', subset: 'edge' } }] },
          { route: [{ destination: { host: 'a', subset: 'inner' } }] },
        ],
      }),
    );
    expect(vs.select(req({ gateway: 'gw' }))?.index).toBe(0);
    expect(vs.select(req())?.index).toBe(1);
    expect(vs.select(req({ gateway: 'other' }))).toBeUndefined();
  });

  it('an invalid regex fails at compile time naming the field', () => {
    expect(() => one([{ headers: { cookie: { regex: '(?=x)' } } }])).toThrow(
      /http\[0\]\.match\[0\]\.headers\.cookie\.regex/,
    );
  });
});

describe('hostMatcher', () => {
  it('wildcards and FQDNs', () => {
    const m = hostMatcher(['*.example.com', 'podinfo.test.svc.cluster.local']);
    expect(m('a.example.com')).toBe(true);
    expect(m('a.b.example.com:443')).toBe(true);
    expect(m('example.com')).toBe(false);
    expect(m('podinfo')).toBe(true);
    expect(m('podinfo.test')).toBe(true);
    expect(m('PODINFO.test.svc.cluster.local.')).toBe(true);
    expect(hostMatcher(['*'])('anything')).toBe(true);
  });
});

describe('destinationProbabilities', () => {
  const d = (host: string, weight?: number) =>
    weight === undefined ? { destination: { host } } : { destination: { host }, weight };

  it('90/10 (virtual-service-reviews-90-10)', () => {
    const p = destinationProbabilities({ route: [d('v1', 90), d('v2', 10)] });
    expect(p.map((x) => x.probability)).toEqual([0.9, 0.1]);
  });

  it('a single destination gets everything, whatever its weight', () => {
    expect(destinationProbabilities({ route: [d('a', 0)] })[0]?.probability).toBe(1);
    expect(destinationProbabilities({ route: [d('a', 30)] })[0]?.probability).toBe(1);
  });

  it('weights are relative; 0 or missing gets nothing', () => {
    expect(destinationProbabilities({ route: [d('a', 1), d('b', 3)] }).map((x) => x.probability)).toEqual([
      0.25, 0.75,
    ]);
    expect(destinationProbabilities({ route: [d('a', 100), d('b', 0)] }).map((x) => x.probability)).toEqual([
      1, 0,
    ]);
    expect(destinationProbabilities({ route: [d('a', 100), d('b')] }).map((x) => x.probability)).toEqual([
      1, 0,
    ]);
    expect(destinationProbabilities({ route: [d('a', 0), d('b', 0)] }).map((x) => x.probability)).toEqual([
      0, 0,
    ]);
  });

  it('pickDestination follows the cumulative intervals', () => {
    const route = { route: [d('a', 90), d('b', 10)] };
    expect(pickDestination(route, () => 0.0)?.destination.host).toBe('a');
    expect(pickDestination(route, () => 0.8999)?.destination.host).toBe('a');
    expect(pickDestination(route, () => 0.9)?.destination.host).toBe('b');
    expect(pickDestination({ route: [d('a', 100), d('b', 0)] }, () => 0.99999)?.destination.host).toBe('a');
  });

  it('mirror percentage: absent means 100', () => {
    expect(mirrorPercent({ mirror: { host: 'x' } })).toBe(100);
    expect(mirrorPercent({ mirror: { host: 'x' }, mirrorPercentage: { value: 10 } })).toBe(10);
    expect(mirrorPercent({})).toBe(0);
  });
});
