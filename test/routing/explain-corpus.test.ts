/**
 * The explain corpus: VirtualServices and requests with the route Istio takes. Every case is
 * answered twice, by `serin route explain` and by a real local router forwarding to real
 * upstreams (the upstream that answered is the route it took), so the two cannot drift apart.
 * The cases include the six where explain and the router disagreed with Istio before the route
 * plan: sourceNamespace, delegate, gateway namespace, mirrors, withoutHeaders, fault with
 * timeout/retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SOURCE_HEADER } from '../../src/local/router/caller.js';
import { createRouter } from '../../src/local/router/router.js';
import { routerClient, startUpstream, type TestUpstream } from '../../src/local/router/testing/upstream.js';
import type { RouterConfig } from '../../src/local/router/types.js';
import { explainRequest, type Explanation } from '../../src/routing/explain.js';
import type { DestinationRuleSpec, VirtualServiceSpec } from '../../src/routing/istio/types.js';
import { readManifests } from '../../src/routing/manifests.js';

interface Resource<Spec> {
  name: string;
  namespace: string;
  spec: Spec;
}

interface CorpusRequest {
  host: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  /** `mesh` (default) or `namespace/name`: the gateway the router plays. */
  gateway?: string;
  /** The calling workload, `namespace/workload`; default: the router's own identity (namespace `bookinfo`). */
  caller?: string;
}

/** What Istio does with the request: the upstream workload that answers, or a local status. */
type Outcome = { workload: string; mirroredTo?: string[] } | { status: number; upstreamCalls: number };

interface CorpusCase {
  name: string;
  virtualServices: Resource<VirtualServiceSpec>[];
  requests: { request: CorpusRequest; expect: Outcome }[];
}

const reviewsRule: Resource<DestinationRuleSpec> = {
  name: 'reviews',
  namespace: 'bookinfo',
  spec: {
    host: 'reviews',
    subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
  },
};
const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const to = (subset: string) => [{ destination: { host: REVIEWS, subset } }];

const corpus: CorpusCase[] = [
  {
    name: 'Bookinfo: jason to v2, everyone else v1',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          http: [
            { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: to('v2') },
            { route: to('v1') },
          ],
        },
      },
    ],
    requests: [
      { request: { host: 'reviews', headers: { 'end-user': 'jason' } }, expect: { workload: 'reviews-v2' } },
      {
        request: { host: 'reviews:9080', headers: { 'end-user': 'Jason' } },
        expect: { workload: 'reviews-v1' },
      },
    ],
  },
  {
    name: 'sourceNamespace selects callers by namespace',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          http: [{ match: [{ sourceNamespace: 'web' }], route: to('v2') }, { route: to('v1') }],
        },
      },
    ],
    requests: [
      { request: { host: 'reviews', caller: 'web/frontend' }, expect: { workload: 'reviews-v2' } },
      { request: { host: 'reviews' }, expect: { workload: 'reviews-v1' } },
    ],
  },
  {
    name: 'one level of delegate, merged as pilot merges it',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          http: [
            { match: [{ uri: { prefix: '/api' } }], delegate: { name: 'reviews-api', namespace: 'team' } },
            { route: to('v1') },
          ],
        },
      },
      {
        name: 'reviews-api',
        namespace: 'team',
        spec: {
          http: [{ match: [{ uri: { prefix: '/api/v3' } }], route: to('v3') }, { route: to('v2') }],
        },
      },
    ],
    requests: [
      { request: { host: 'reviews', path: '/api/v3/x' }, expect: { workload: 'reviews-v3' } },
      { request: { host: 'reviews', path: '/api/x' }, expect: { workload: 'reviews-v2' } },
      { request: { host: 'reviews', path: '/other' }, expect: { workload: 'reviews-v1' } },
    ],
  },
  {
    name: 'gateways are namespace/name: team-a/public does not handle team-b/public',
    virtualServices: ['a', 'b'].map((team, i) => ({
      name: 'shop',
      namespace: `team-${team}`,
      spec: { hosts: ['shop.example.com'], gateways: ['public'], http: [{ route: to(`v${i + 1}`) }] },
    })),
    requests: [
      { request: { host: 'shop.example.com', gateway: 'team-b/public' }, expect: { workload: 'reviews-v2' } },
      { request: { host: 'shop.example.com', gateway: 'team-a/public' }, expect: { workload: 'reviews-v1' } },
      {
        request: { host: 'shop.example.com', gateway: 'team-c/public' },
        expect: { status: 404, upstreamCalls: 0 },
      },
    ],
  },
  {
    name: 'mirror and mirrors[] both copy traffic',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          http: [
            {
              route: to('v1'),
              mirror: { host: 'shadow-a' },
              mirrors: [{ destination: { host: 'shadow-b' }, percentage: { value: 100 } }],
            },
          ],
        },
      },
    ],
    requests: [
      {
        request: { host: 'reviews' },
        expect: { workload: 'reviews-v1', mirroredTo: ['shadow-a', 'shadow-b'] },
      },
    ],
  },
  {
    name: 'withoutHeaders reads a missing header as empty (Istio >= 1.22)',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          http: [
            { match: [{ withoutHeaders: { 'x-tier': { regex: '(gold)?' } } }], route: to('v2') },
            { route: to('v1') },
          ],
        },
      },
    ],
    requests: [
      { request: { host: 'reviews' }, expect: { workload: 'reviews-v1' } },
      { request: { host: 'reviews', headers: { 'x-tier': 'gold' } }, expect: { workload: 'reviews-v1' } },
      { request: { host: 'reviews', headers: { 'x-tier': 'silver' } }, expect: { workload: 'reviews-v2' } },
    ],
  },
  {
    name: 'an aborted request is answered before routing: no retries',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          http: [
            {
              fault: { abort: { httpStatus: 503, percentage: { value: 100 } } },
              retries: { attempts: 3, retryOn: '5xx' },
              timeout: '1s',
              route: to('v1'),
            },
          ],
        },
      },
    ],
    requests: [{ request: { host: 'reviews' }, expect: { status: 503, upstreamCalls: 0 } }],
  },
  {
    name: 'a fault delay comes before the route timeout, which does not count it',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          // The delay exceeds the timeout: had the timeout counted it, Istio would answer 504.
          http: [
            {
              fault: { delay: { fixedDelay: '3s', percentage: { value: 100 } } },
              timeout: '2s',
              route: to('v1'),
            },
          ],
        },
      },
    ],
    requests: [{ request: { host: 'reviews' }, expect: { workload: 'reviews-v1' } }],
  },
  {
    name: 'exportTo: a VirtualService applies only to callers in the namespaces it is exported to',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: { hosts: ['reviews'], exportTo: ['.'], http: [{ route: to('v2') }] },
      },
      {
        name: 'reviews-for-web',
        namespace: 'web',
        spec: { hosts: [REVIEWS], exportTo: ['.'], http: [{ route: to('v3') }] },
      },
    ],
    requests: [
      { request: { host: 'reviews' }, expect: { workload: 'reviews-v2' } },
      { request: { host: 'reviews.bookinfo', caller: 'web/frontend' }, expect: { workload: 'reviews-v3' } },
    ],
  },
  {
    name: 'exportTo names namespaces: the VirtualService exported to web only is not seen from bookinfo',
    virtualServices: [
      {
        name: 'reviews-web',
        namespace: 'bookinfo',
        spec: { hosts: ['reviews'], exportTo: ['web'], http: [{ route: to('v3') }] },
      },
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: { hosts: ['reviews'], exportTo: ['.'], http: [{ route: to('v1') }] },
      },
    ],
    requests: [
      { request: { host: 'reviews' }, expect: { workload: 'reviews-v1' } },
      { request: { host: 'reviews.bookinfo', caller: 'web/frontend' }, expect: { workload: 'reviews-v3' } },
    ],
  },
  {
    name: 'method matches are exact',
    virtualServices: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        spec: {
          hosts: ['reviews'],
          http: [{ match: [{ method: { exact: 'POST' } }], route: to('v2') }, { route: to('v1') }],
        },
      },
    ],
    requests: [
      { request: { host: 'reviews', method: 'POST' }, expect: { workload: 'reviews-v2' } },
      { request: { host: 'reviews', method: 'PATCH' }, expect: { workload: 'reviews-v1' } },
    ],
  },
];

function manifestText(c: CorpusCase): string {
  const docs = [
    ...c.virtualServices.map((vs) => ({ kind: 'VirtualService', ...vs })),
    { kind: 'DestinationRule', ...reviewsRule },
  ].map(({ kind, name, namespace, spec }) =>
    stringify({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec }),
  );
  return docs.join('---\n');
}

/** The outcome explain predicts, read from its structured answer. */
function predicted(e: Explanation): Outcome {
  if (e.rule === undefined) return { status: 404, upstreamCalls: 0 };
  if (e.fault?.abort !== undefined && e.fault.abort.percent === 100) {
    return { status: e.fault.abort.httpStatus ?? 503, upstreamCalls: 0 };
  }
  const only = e.destinations.filter((d) => d.percent > 0);
  expect(only, 'corpus cases route each request to one destination').toHaveLength(1);
  const d = only[0];
  const workload = d?.subset === undefined ? (d?.host ?? '?') : `reviews-${d.subset}`;
  return e.mirrors.length === 0 ? { workload } : { workload, mirroredTo: e.mirrors.map((m) => m.host) };
}

const upstreams = new Map<string, TestUpstream>();
const WORKLOADS = ['reviews-v1', 'reviews-v2', 'reviews-v3', 'shadow-a', 'shadow-b', 'frontend'];

beforeAll(async () => {
  for (const w of WORKLOADS) upstreams.set(w, await startUpstream(w));
});
afterAll(async () => {
  await Promise.all([...upstreams.values()].map((u) => u.close()));
});

function upstream(name: string): TestUpstream {
  const u = upstreams.get(name);
  if (u === undefined) throw new Error(`no upstream ${name}`);
  return u;
}

function routerConfig(c: CorpusCase, gateway: string | undefined): RouterConfig {
  return {
    services: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        endpoints: ['v1', 'v2', 'v3'].map((v) =>
          upstream(`reviews-${v}`).endpoint({ app: 'reviews', version: v }),
        ),
      },
      { name: 'shadow-a', namespace: 'bookinfo', endpoints: [upstream('shadow-a').endpoint()] },
      { name: 'shadow-b', namespace: 'bookinfo', endpoints: [upstream('shadow-b').endpoint()] },
      {
        name: 'frontend',
        namespace: 'web',
        endpoints: [upstream('frontend').endpoint({ app: 'frontend', version: 'v7' })],
      },
    ],
    virtualServices: c.virtualServices,
    destinationRules: [reviewsRule],
    ...(gateway !== undefined ? { gateway } : {}),
  };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(condition(), what).toBe(true);
}

/** Sends the request through a real router; the upstream that answered is the route taken. */
async function routed(c: CorpusCase, r: CorpusRequest): Promise<Outcome> {
  const router = createRouter(routerConfig(c, r.gateway), { identity: { namespace: 'bookinfo' } });
  const address = await router.listen();
  const client = routerClient(address.port, r.host);
  const before = new Map(WORKLOADS.map((w) => [w, upstream(w).seen.length]));
  const calls = () => WORKLOADS.filter((w) => upstream(w).seen.length > (before.get(w) ?? 0));
  try {
    const res = await client.get(r.path ?? '/', {
      method: r.method ?? 'GET',
      headers: { ...r.headers, ...(r.caller !== undefined ? { [SOURCE_HEADER]: r.caller } : {}) },
    });
    const served = res.headers['x-served-by'];
    if (typeof served !== 'string') {
      return { status: res.status, upstreamCalls: calls().length };
    }
    expect(res.status).toBe(200);
    const mirrors = WORKLOADS.filter((w) => w.startsWith('shadow-'));
    const expectedMirrors = c.virtualServices.some((vs) => vs.spec.http?.some((h) => h.mirror ?? h.mirrors));
    if (expectedMirrors) await waitFor(() => mirrors.every((m) => calls().includes(m)), 'mirrors reached');
    const mirroredTo = mirrors.filter((m) => calls().includes(m));
    return mirroredTo.length === 0 ? { workload: served } : { workload: served, mirroredTo };
  } finally {
    await client.close();
    await router.close();
  }
}

describe('explain corpus: explain and the local router agree with Istio', () => {
  for (const c of corpus) {
    describe(c.name, () => {
      const set = readManifests([{ name: 'corpus.yaml', text: manifestText(c) }]);
      for (const { request, expect: want } of c.requests) {
        const label = `${request.method ?? 'GET'} ${request.host}${request.path ?? '/'} ${JSON.stringify({ ...request, host: undefined })}`;
        it(label, { timeout: 60_000 }, async () => {
          const e = explainRequest(set, {
            authority: request.host,
            path: request.path ?? '/',
            method: request.method ?? 'GET',
            scheme: 'http',
            headers: request.headers ?? {},
            gateway: request.gateway ?? 'mesh',
            defaultNamespace: 'bookinfo',
            ...(request.caller !== undefined ? { sourceNamespace: request.caller.split('/')[0] ?? '' } : {}),
          });
          expect(set.problems).toEqual([]);
          expect(predicted(e), `explain: ${e.summary}; ${e.notes.join('; ')}`).toEqual(want);
          expect(await routed(c, request), 'router').toEqual(want);
        });
      }
    });
  }

  it('explain words the fault interaction as Envoy runs it', () => {
    const faulted = corpus.filter((c) => c.name.includes('fault') || c.name.includes('abort'));
    const notes = faulted.flatMap((c) => {
      const set = readManifests([{ name: 'corpus.yaml', text: manifestText(c) }]);
      return explainRequest(set, {
        authority: 'reviews',
        path: '/',
        method: 'GET',
        scheme: 'http',
        headers: {},
        defaultNamespace: 'bookinfo',
      }).notes;
    });
    expect(notes.join('\n')).toContain('answered before routing: no retries, no timeout');
    expect(notes.join('\n')).toContain('does not count toward the route timeout');
    expect(notes.join('\n')).not.toContain('does not apply its timeout and retries');
  });
});

describe('router telemetry: the caller is the source', () => {
  it('source_* labels come from the calling workload named in x-serin-source', async () => {
    const c = corpus[1] as CorpusCase;
    const router = createRouter(routerConfig(c, undefined), { identity: { namespace: 'bookinfo' } });
    const address = await router.listen();
    const client = routerClient(address.port, 'reviews');
    try {
      const res = await client.get('/', { headers: { [SOURCE_HEADER]: 'web/frontend' } });
      expect(res.status).toBe(200);
      const text = await router.metrics();
      const line = text.split('\n').find((l) => l.startsWith('istio_requests_total{reporter="source"'));
      expect(line).toContain(
        'source_workload="frontend",source_workload_namespace="web",source_principal="unknown",' +
          'source_app="frontend",source_version="v7",source_canonical_service="frontend",' +
          'source_canonical_revision="v7",source_cluster="Kubernetes"',
      );
      expect(line).toContain('destination_workload="reviews-v2"');
      expect(line).toContain('destination_app="reviews",destination_version="v2"');
      // The identity claim stops at the router.
      expect(upstream('reviews-v2').seen.at(-1)?.headers[SOURCE_HEADER]).toBeUndefined();
    } finally {
      await client.close();
      await router.close();
    }
  });
});
