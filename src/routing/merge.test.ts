import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VirtualService as IstioVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { mergeVirtualServiceSpec } from './merge.js';
import { parseVirtualServiceSpec, type VirtualServiceSpec } from './istio/types.js';
import { makeCanary } from './render/test-support.js';
import { readRoutes } from './read-routes.js';
import { serviceNames } from './names.js';
import { compileVirtualService } from './match.js';

const user = parseVirtualServiceSpec(
  parse(`
hosts: [podinfo.test.svc.cluster.local, app.example.com]
gateways: [mesh, edge/public]
http:
- name: admin
  match: [{uri: {prefix: /admin}}]
  route: [{destination: {host: admin-ui}}]
- name: chaos
  match: [{headers: {x-chaos: {exact: "1"}}}]
  fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
  route: [{destination: {host: podinfo.test.svc.cluster.local, port: {number: 9898}}}]
- name: main
  retries: {attempts: 2, perTryTimeout: 1s}
  timeout: 3s
  corsPolicy: {allowOrigins: [{exact: "https://app.example.com"}], allowMethods: [GET]}
  route:
  - destination: {host: podinfo.test.svc.cluster.local, port: {number: 9898}}
    headers: {response: {set: {x-served-by: podinfo}}}
`),
);

const plan = (c: number, mirrored = false) => ({ primaryWeight: 100 - c, canaryWeight: c, mirrored });
const names = serviceNames(makeCanary());

function valid(spec: VirtualServiceSpec): VirtualServiceSpec {
  new IstioVirtualService({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 'podinfo' },
    spec,
  } as never).validate();
  return spec;
}

describe('merge mode', () => {
  it('changes only the managed route, keeping the user spelling, port and destination headers', () => {
    const merged = valid(mergeVirtualServiceSpec(user, makeCanary({ routing: 'merge' }), plan(10)));
    expect(merged.hosts).toEqual(user.hosts);
    expect(merged.gateways).toEqual(user.gateways);
    expect(merged.http![0]).toEqual(user.http![0]);
    expect(merged.http![1]).toEqual(user.http![1]);
    const { route: _r, ...mainRest } = merged.http![2]!;
    const { route: _u, ...userRest } = user.http![2]!;
    expect(mainRest).toEqual(userRest);
    expect(merged.http![2]!.route).toEqual([
      {
        destination: { host: 'podinfo-primary.test.svc.cluster.local', port: { number: 9898 } },
        weight: 90,
        headers: { response: { set: { 'x-served-by': 'podinfo' } } },
      },
      {
        destination: { host: 'podinfo-canary.test.svc.cluster.local', port: { number: 9898 } },
        weight: 10,
        headers: { response: { set: { 'x-served-by': 'podinfo' } } },
      },
    ]);
    // The user's object is not mutated.
    expect(user.http![2]!.route).toHaveLength(1);
    expect(readRoutes(merged, names, 'test')).toEqual(plan(10));
  });

  it('is stable: merging again only moves the weights', () => {
    const canary = makeCanary({ routing: 'merge' });
    const once = mergeVirtualServiceSpec(user, canary, plan(10));
    const twice = mergeVirtualServiceSpec(once, canary, plan(40));
    expect(twice.http).toHaveLength(3);
    expect(readRoutes(twice, names, 'test')).toEqual(plan(40));
    expect(mergeVirtualServiceSpec(twice, canary, plan(10))).toEqual(once);
  });

  it('A/B inserts a named rule before the managed route and replaces it on the next merge', () => {
    const canary = makeCanary(
      { routing: 'merge' },
      { interval: '1m', iterations: 5, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] },
    );
    const merged = valid(mergeVirtualServiceSpec(user, canary, plan(100)));
    expect(merged.http!.map((r) => r.name)).toEqual(['admin', 'chaos', 'serin/podinfo/ab', 'main']);
    const ab = merged.http![2]!;
    expect(ab.match).toEqual([{ headers: { 'x-canary': { exact: 'insider' } } }]);
    expect(ab.retries).toEqual({ attempts: 2, perTryTimeout: '1s' });
    expect(ab.route!.map((d) => d.weight)).toEqual([0, 100]);
    expect(merged.http![3]!.route!.map((d) => d.destination.host)).toEqual([
      'podinfo-primary.test.svc.cluster.local',
    ]);
    const again = mergeVirtualServiceSpec(merged, canary, plan(0));
    expect(again.http!.map((r) => r.name)).toEqual(['admin', 'chaos', 'serin/podinfo/ab', 'main']);
    expect(readRoutes(again, names, 'test')).toEqual(plan(0));
    // The chaos rule still wins for its header, before Serin's rule.
    const compiled = compileVirtualService(again, { namespace: 'test' });
    expect(
      compiled.select({
        authority: 'podinfo',
        path: '/',
        method: 'GET',
        scheme: 'http',
        headers: { 'x-chaos': '1', 'x-canary': 'insider' },
      })?.route.name,
    ).toBe('chaos');
  });

  it('mirrors to the canary and removes only its own mirror', () => {
    const canary = makeCanary(
      { routing: 'merge' },
      { interval: '1m', iterations: 3, mirror: true, mirrorWeight: 25 },
    );
    const mirrored = valid(mergeVirtualServiceSpec(user, canary, plan(0, true)));
    expect(mirrored.http![2]!.mirror).toEqual({
      host: 'podinfo-canary.test.svc.cluster.local',
      port: { number: 9898 },
    });
    expect(mirrored.http![2]!.mirrorPercentage).toEqual({ value: 25 });
    const off = mergeVirtualServiceSpec(mirrored, canary, plan(0));
    expect(off.http![2]!.mirror).toBeUndefined();
    expect(off.http![2]!.mirrorPercentage).toBeUndefined();
    const userMirror = structuredClone(user);
    userMirror.http![2]!.mirror = { host: 'shadow' };
    expect(mergeVirtualServiceSpec(userMirror, canary, plan(0)).http![2]!.mirror).toEqual({ host: 'shadow' });
  });

  it('sticky sessions: rules before the managed route, Set-Cookie only on Serin destinations', () => {
    const canary = makeCanary(
      { routing: 'merge' },
      {
        interval: '30s',
        stepWeight: 10,
        sessionAffinity: { cookieName: 'serin-cookie', primaryCookieName: 'serin-primary' },
      },
      {},
      { sessionAffinityCookie: 'serin-cookie=abc', primarySessionAffinityCookie: 'serin-primary=xyz' },
    );
    const merged = valid(mergeVirtualServiceSpec(user, canary, plan(10)));
    expect(merged.http!.map((r) => r.name)).toEqual([
      'admin',
      'chaos',
      'serin/podinfo/sticky-canary',
      'serin/podinfo/sticky-primary',
      'main',
    ]);
    const main = merged.http![4]!;
    expect(main.route![1]!.headers).toEqual({
      response: {
        set: { 'x-served-by': 'podinfo' },
        add: { 'Set-Cookie': 'serin-cookie=abc; Max-Age=86400' },
      },
    });
    expect(main.route![0]!.headers?.response?.add?.['Set-Cookie']).toBe('serin-primary=xyz; Max-Age=30');
    // Promotion: cookies move to previous; the managed route loses Serin's Set-Cookie, keeps the user's header.
    canary.status = { previousSessionAffinityCookie: 'serin-cookie=abc' };
    const done = valid(mergeVirtualServiceSpec(merged, canary, plan(0)));
    expect(done.http!.map((r) => r.name)).toEqual(['admin', 'chaos', 'serin/podinfo/expire-cookie', 'main']);
    expect(done.http![3]!.route![0]!.headers).toEqual({ response: { set: { 'x-served-by': 'podinfo' } } });
    expect(done.http![2]!.headers?.response?.add?.['Set-Cookie']).toBe('serin-cookie=abc; Max-Age=-1');
  });

  it('TCP routes', () => {
    const tcpUser = parseVirtualServiceSpec({
      hosts: ['podinfo'],
      tcp: [
        { match: [{ port: 9898 }], route: [{ destination: { host: 'podinfo', port: { number: 9898 } } }] },
      ],
    });
    const merged = mergeVirtualServiceSpec(
      tcpUser,
      makeCanary({ routing: 'merge', appProtocol: 'tcp' }),
      plan(30),
    );
    expect(merged.tcp![0]).toEqual({
      match: [{ port: 9898 }],
      route: [
        { destination: { host: 'podinfo-primary', port: { number: 9898 } }, weight: 70 },
        { destination: { host: 'podinfo-canary', port: { number: 9898 } }, weight: 30 },
      ],
    });
  });

  it('explains what it cannot manage', () => {
    const canary = makeCanary({ routing: 'merge' });
    expect(() =>
      mergeVirtualServiceSpec(
        { hosts: ['x'], http: [{ route: [{ destination: { host: 'other' } }] }] },
        canary,
        plan(0),
      ),
    ).toThrow(/no http route sends traffic to podinfo, podinfo-primary or podinfo-canary/);
    const split = parseVirtualServiceSpec({
      hosts: ['podinfo'],
      http: [
        {
          route: [
            { destination: { host: 'podinfo' }, weight: 50 },
            { destination: { host: 'legacy' }, weight: 50 },
          ],
        },
      ],
    });
    expect(() => mergeVirtualServiceSpec(split, canary, plan(0))).toThrow(
      /spec\.http\[0\]: the managed route also sends traffic to legacy/,
    );
  });
});
