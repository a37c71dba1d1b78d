/**
 * How much compiling a VirtualService once saves per request: `select` on a compiled
 * VirtualService against compiling it again for every request (what a naive router would do).
 * Prints requests per second for both and their ratio, measured in the same run.
 *
 *   npx tsx bench/routing-match/main.ts
 */
import { compileVirtualService, pickDestination, type RequestAttributes } from '../../src/routing/match.js';
import type { VirtualServiceSpec } from '../../src/routing/istio/types.js';

const spec: VirtualServiceSpec = {
  hosts: ['reviews'],
  http: [
    {
      match: [{ headers: { 'end-user': { exact: 'jason' } } }],
      route: [{ destination: { host: 'reviews', subset: 'v2' } }],
    },
    {
      match: [{ headers: { 'user-agent': { regex: '.*(Chrome|Firefox)/1[0-9]{2}.*' } } }],
      route: [{ destination: { host: 'reviews', subset: 'v3' } }],
    },
    {
      match: [
        { uri: { prefix: '/api/v2' }, method: { exact: 'POST' } },
        { queryParams: { beta: { exact: '1' } } },
      ],
      route: [{ destination: { host: 'reviews', subset: 'v3' } }],
    },
    {
      match: [{ headers: { cookie: { regex: '.*flagger-cookie.*AbCdEfGhIj.*' } } }],
      route: [{ destination: { host: 'reviews', subset: 'v2' } }],
    },
    {
      route: [
        { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
        { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
      ],
    },
  ],
};

const requests: RequestAttributes[] = [
  {
    authority: 'reviews:9080',
    path: '/reviews/1',
    method: 'GET',
    scheme: 'http',
    headers: { 'user-agent': 'curl/8.5', cookie: 'session=1; theme=dark' },
  },
  {
    authority: 'reviews',
    path: '/api/v2/x',
    method: 'POST',
    scheme: 'http',
    headers: { 'user-agent': 'Mozilla/5.0 Chrome/126.0' },
  },
  {
    authority: 'reviews',
    path: '/reviews/2?beta=1',
    method: 'GET',
    scheme: 'http',
    headers: { 'end-user': 'jason' },
  },
];

function measure(label: string, perRequest: (r: RequestAttributes) => unknown, ms = 1500): number {
  let n = 0;
  const start = performance.now();
  let sink = 0;
  while (performance.now() - start < ms) {
    for (const r of requests) {
      if (perRequest(r) !== undefined) sink++;
      n++;
    }
  }
  const rate = n / ((performance.now() - start) / 1000);
  console.log(
    `${label.padEnd(28)} ${Math.round(rate).toLocaleString('en')} req/s (${sink > 0 ? 'ok' : 'no match'})`,
  );
  return rate;
}

const compiled = compileVirtualService(spec, { namespace: 'default' });
const once = measure('compiled once', (r) => pickDestination(compiled.select(r)?.route ?? {}));
const every = measure('compiled per request', (r) =>
  pickDestination(compileVirtualService(spec, { namespace: 'default' }).select(r)?.route ?? {}),
);
console.log(`ratio: compiled once is ${(once / every).toFixed(1)}x the per-request compile`);
