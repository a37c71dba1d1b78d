/**
 * How much compiling a VirtualService once saves per request: `select` on a compiled
 * VirtualService against compiling it again for every request (what a naive router would do).
 * Prints requests per second for both and their ratio, measured in the same run.
 *
 *   npx tsx bench/routing-match/main.ts
 */
import { compileVirtualService, pickDestination, type RequestAttributes } from '../../src/routing/match.js';
import type { VirtualServiceSpec } from '../../src/routing/istio/types.js';
import { compileRe2 } from '../../src/routing/re2.js';

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

/**
 * A pathological pattern in a header match must not stall the router: RE2 matches in time linear
 * in the value. Printed as time per character at growing lengths (flat means linear), beside
 * JavaScript's own backtracking engine on the same pattern at lengths where it still finishes.
 */
function timePerMatch(test: (value: string) => boolean, value: string, repeat: number): number {
  const start = performance.now();
  for (let i = 0; i < repeat; i++) test(value);
  return (performance.now() - start) / repeat;
}

const evil = '(a+)+b';
const re2 = compileRe2(evil);
const backtracking = new RegExp(`^(?:${evil})$`);
console.log(`\npathological regex ${evil} against "aaa…a" (no match):`);
let first: number | undefined;
for (const length of [1_000, 10_000, 100_000]) {
  const value = 'a'.repeat(length);
  const ms = timePerMatch((v) => re2.test(v), value, Math.max(3, 300_000 / length));
  const perChar = (ms * 1e6) / length;
  first ??= perChar;
  console.log(
    `  RE2        ${String(length).padStart(7)} chars: ${ms.toFixed(3)} ms, ${perChar.toFixed(1)} ns/char (${(perChar / first).toFixed(2)}x the 1,000-char cost per char)`,
  );
}
for (const length of [16, 20, 22]) {
  const value = 'a'.repeat(length);
  const js = timePerMatch((v) => backtracking.test(v), value, 3);
  const ours = timePerMatch((v) => re2.test(v), value, 10_000);
  console.log(
    `  JS RegExp  ${String(length).padStart(7)} chars: ${js.toFixed(3)} ms (${(js / Math.max(ours, 1e-6)).toFixed(0)}x RE2 on the same value)`,
  );
}
