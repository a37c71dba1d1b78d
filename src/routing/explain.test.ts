import { describe, expect, it } from 'vitest';
import { explainRequest, type ExplainRequest } from './explain.js';
import { readManifests } from './manifests.js';

const manifests = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
  namespace: default
spec:
  hosts: [ratings]
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    fault:
      delay:
        percentage: {value: 100.0}
        fixedDelay: 7s
    route:
    - destination: {host: ratings, subset: v1}
  - route:
    - destination: {host: ratings, subset: v1}
    mirror: {host: ratings, subset: v2}
    mirrorPercentage: {value: 5}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: default}
spec:
  host: ratings.default.svc.cluster.local
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge}
spec:
  hosts: ["*.example.com"]
  gateways: [istio-system/public]
  http:
  - match: [{uri: {prefix: /api}, method: {exact: POST}}]
    route:
    - destination: {host: api, port: {number: 8080}}
      weight: 0
    - destination: {host: api-next, port: {number: 8080}}
      weight: 3
    - destination: {host: api-old, port: {number: 8080}}
      weight: 1
  - match: [{uri: {exact: /old}}]
    redirect: {uri: /new}
`;

const set = readManifests([{ name: 'mesh.yaml', text: manifests }]);
const ask = (over: Partial<ExplainRequest>) =>
  explainRequest(set, {
    authority: 'ratings',
    path: '/',
    method: 'GET',
    scheme: 'http',
    headers: {},
    ...over,
  });

describe('explainRequest', () => {
  it('Bookinfo ratings-test-delay: jason gets a 7s delay on v1, with the rule line', () => {
    const e = ask({ headers: { 'end-user': 'jason' } });
    expect(e.virtualService).toEqual({ name: 'ratings', namespace: 'default', source: 'mesh.yaml:1' });
    expect(e.rule).toEqual({ index: 0, matchIndex: 0, source: 'mesh.yaml:10' });
    expect(e.fault).toEqual({ delay: { fixedDelay: '7s', percent: 100 } });
    expect(e.destinations).toEqual([
      {
        host: 'ratings',
        subset: 'v1',
        percent: 100,
        subsetLabels: { version: 'v1' },
        subsetSource: 'mesh.yaml:24',
      },
    ]);
  });

  it('everyone else: catch-all with a 5% mirror to v2', () => {
    const e = ask({ authority: 'ratings.default.svc.cluster.local:9080' });
    expect(e.rule?.index).toBe(1);
    expect(e.rule?.matchIndex).toBeUndefined();
    expect(e.mirrors).toEqual([{ host: 'ratings', subset: 'v2', percent: 5 }]);
    expect(e.fault).toBeUndefined();
    expect(e.summary).toBe('rule 1 of ratings: ratings/v1 100%');
  });

  it('gateway traffic: wildcard hosts, weights relative, weight 0 gets nothing', () => {
    const e = ask({
      authority: 'shop.example.com',
      path: '/api/cart',
      method: 'POST',
      gateway: 'istio-system/public',
    });
    expect(e.virtualService?.name).toBe('edge');
    expect(e.destinations.map((d) => [d.host, d.port, d.percent])).toEqual([
      ['api', 8080, 0],
      ['api-next', 8080, 75],
      ['api-old', 8080, 25],
    ]);
    expect(
      ask({ authority: 'shop.example.com', path: '/api/cart', method: 'GET', gateway: 'istio-system/public' })
        .summary,
    ).toBe('VirtualService edge applies but no rule matches: Istio answers 404');
    expect(
      ask({ authority: 'shop.example.com', path: '/old', gateway: 'istio-system/public' }).redirect,
    ).toEqual({
      uri: '/new',
    });
    // Gateways are compared as namespace/name: another team's `public` gateway is not this one.
    expect(
      ask({ authority: 'shop.example.com', path: '/old', gateway: 'team-b/public' }).virtualService,
    ).toBeUndefined();
    expect(
      ask({
        authority: 'shop.example.com',
        path: '/old',
        gateway: 'public',
        defaultNamespace: 'istio-system',
      }).redirect,
    ).toEqual({ uri: '/new' });
    // The same host from inside the mesh is not covered by a gateway-only VirtualService.
    expect(
      ask({ authority: 'shop.example.com', path: '/api/cart', method: 'POST' }).virtualService,
    ).toBeUndefined();
  });

  it('reports subsets no DestinationRule defines', () => {
    const only = readManifests([{ name: 'vs.yaml', text: manifests.split('---')[0] ?? '' }]);
    const e = explainRequest(only, {
      authority: 'ratings',
      path: '/',
      method: 'GET',
      scheme: 'http',
      headers: {},
    });
    expect(e.notes.join('\n')).toContain('subset v1 of ratings is not defined by any DestinationRule');
  });

  it('compares methods as sent (Istio is case-sensitive) and cites SRN1160 for duplicate mesh hosts', () => {
    const post = (method: string) =>
      ask({ authority: 'shop.example.com', path: '/api/cart', method, gateway: 'istio-system/public' });
    expect(post('POST').rule?.index).toBe(0);
    expect(post('post').rule).toBeUndefined();
    const twice = readManifests([
      { name: 'a.yaml', text: manifests.split('---')[0] ?? '' },
      { name: 'b.yaml', text: (manifests.split('---')[0] ?? '').replace('name: ratings', 'name: ratings-2') },
    ]);
    const notes = explainRequest(twice, {
      authority: 'ratings',
      path: '/',
      method: 'GET',
      scheme: 'http',
      headers: {},
    }).notes.join('\n');
    expect(notes).toContain('SRN1160');
    expect(notes).not.toContain('SRN1401');
  });
});
