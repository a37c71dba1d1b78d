import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualService as IstioVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { DestinationRule as IstioDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { HTTPRoute as GatewayHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { renderCanaryObjects } from './index.js';
import { renderDestinationRules, renderVirtualService, mergeMatches } from './istio.js';
import { renderHttpRoute } from './gateway-api.js';
import { renderServices, renderPrimaryDeployment, type KubeObject } from './kubernetes.js';
import { makeCanary } from './test-support.js';
import { readRoutes } from '../read-routes.js';
import { serviceNames } from '../names.js';
import { compileVirtualService, destinationProbabilities, type RequestAttributes } from '../match.js';
import type { TrafficPlan } from './plan.js';
import type { Canary } from '../../api/canary.js';

const plan = (canaryWeight: number, mirrored = false): TrafficPlan => ({
  primaryWeight: 100 - canaryWeight,
  canaryWeight,
  mirrored,
});

/** Validates against the published schemas; throws with the failing path. */
function validate(obj: KubeObject): void {
  switch (obj.kind) {
    case 'VirtualService':
      new IstioVirtualService(obj as never).validate();
      return;
    case 'DestinationRule':
      new IstioDestinationRule(obj as never).validate();
      return;
    case 'HTTPRoute':
      new GatewayHTTPRoute(obj as never).validate();
      return;
    case 'Service':
      new Service(obj as never).validate();
      return;
    case 'Deployment':
      new Deployment(obj as never).validate();
      return;
    default:
      throw new Error(`no schema for ${obj.kind}`);
  }
}

const target = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'podinfo', namespace: 'test', labels: { app: 'podinfo' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'podinfo' } },
    template: {
      metadata: { labels: { app: 'podinfo' } },
      spec: {
        containers: [
          {
            name: 'podinfod',
            image: 'ghcr.io/stefanprodan/podinfo:6.0.0',
            ports: [
              { name: 'http', containerPort: 9898, protocol: 'TCP' },
              { name: 'http-metrics', containerPort: 9797, protocol: 'TCP' },
              { containerPort: 9999 },
            ],
          },
        ],
      },
    },
  },
};

const req = (over: Partial<RequestAttributes> = {}): RequestAttributes => ({
  authority: 'podinfo',
  path: '/',
  method: 'GET',
  scheme: 'http',
  headers: {},
  ...over,
});

function vsOf(canary: Canary, p: TrafficPlan) {
  const vs = renderVirtualService(canary, p);
  validate(vs as unknown as KubeObject);
  return vs;
}

describe('schema validation', () => {
  it('rejects what the published schemas reject (so the checks below can fail)', () => {
    const bad = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'x' },
      spec: { http: [{ route: [{ destination: { host: 'a' }, weight: '10' }] }] },
    };
    expect(() => {
      validate(bad);
    }).toThrow(/weight/);
    const badRoute = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'x' },
      spec: { rules: [{ backendRefs: [{ name: 'a', port: 'http' }] }] },
    };
    expect(() => {
      validate(badRoute);
    }).toThrow();
    const badService = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x' },
      spec: { ports: [{ port: 'eighty' }] },
    };
    expect(() => {
      validate(badService);
    }).toThrow();
  });
});

describe('Services and primary Deployment', () => {
  it('renders apex, primary and canary Services as Flagger does', () => {
    const canary = makeCanary({
      portDiscovery: true,
      targetPort: 9898,
      canary: { labels: { tier: 'canary' } },
    });
    const services = renderServices(canary, target);
    services.forEach(validate);
    expect(services.map((s) => [s.metadata.name, (s.spec as { selector: unknown }).selector])).toEqual([
      ['podinfo', { app: 'podinfo-primary' }],
      ['podinfo-primary', { app: 'podinfo-primary' }],
      ['podinfo-canary', { app: 'podinfo' }],
    ]);
    expect(services[2]?.metadata.labels).toEqual({ tier: 'canary', app: 'podinfo-canary' });
    expect((services[0]?.spec as { ports: unknown[] }).ports).toEqual([
      { name: 'http', protocol: 'TCP', port: 9898, targetPort: 9898 },
      { name: 'http-metrics', protocol: 'TCP', port: 9797, targetPort: 9797 },
      { name: 'tcp-podinfod-2', protocol: 'TCP', port: 9999, targetPort: 9999 },
    ]);
    expect(services[0]?.metadata.ownerReferences).toBeUndefined();
  });

  it('clones the target as <target>-primary selecting <value>-primary pods', () => {
    const primary = renderPrimaryDeployment(makeCanary(), target);
    validate(primary);
    expect(primary.metadata.name).toBe('podinfo-primary');
    const spec = primary.spec as typeof target.spec;
    expect(spec.selector.matchLabels).toEqual({ app: 'podinfo-primary' });
    expect(spec.template.metadata.labels).toEqual({ app: 'podinfo-primary' });
    expect(spec.replicas).toBe(2);
    // The target itself is not modified.
    expect(target.spec.selector.matchLabels.app).toBe('podinfo');
  });

  it('a target without app/name labels is an error naming the field', () => {
    const bad = { metadata: { name: 'x' }, spec: { selector: { matchLabels: { role: 'web' } } } };
    expect(() => renderServices(makeCanary(), bad)).toThrow(
      /x: spec\.selector\.matchLabels needs one of app/,
    );
  });

  it('adds owner references only for a live Canary (with a uid)', () => {
    const canary = makeCanary();
    canary.metadata.uid = '1234';
    const [svc] = renderServices(canary);
    expect(svc?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Canary',
      name: 'podinfo',
      uid: '1234',
      controller: true,
    });
    validate(svc!);
  });
});

describe('Istio objects (owned mode)', () => {
  it('DestinationRules carry service.trafficPolicy and no subsets', () => {
    const canary = makeCanary({ trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    const drs = renderDestinationRules(canary);
    for (const d of drs) validate(d as unknown as KubeObject);
    expect(drs.map((d) => d.spec)).toEqual([
      { host: 'podinfo-primary', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
      { host: 'podinfo-canary', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
    ]);
  });

  it('plain canary: hosts get the apex, gateways default to mesh, weights as planned', () => {
    const vs = vsOf(
      makeCanary({ timeout: '5s', retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx' } }),
      plan(10),
    );
    expect(vs.spec).toEqual({
      hosts: ['podinfo'],
      gateways: ['mesh'],
      http: [
        {
          timeout: '5s',
          retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx' },
          route: [
            { destination: { host: 'podinfo-primary' }, weight: 90 },
            { destination: { host: 'podinfo-canary' }, weight: 10 },
          ],
        },
      ],
    });
  });

  it('weight 0 routes validate and send nothing to the canary', () => {
    const vs = vsOf(makeCanary(), plan(0));
    const probs = destinationProbabilities(vs.spec.http![0]!);
    expect(probs.map((p) => [p.destination.host, p.probability])).toEqual([
      ['podinfo-primary', 1],
      ['podinfo-canary', 0],
    ]);
  });

  it('listed gateways replace mesh; hosts keep their order and get the apex appended', () => {
    const vs = vsOf(
      makeCanary({
        hosts: ['app.example.com'],
        gateways: ['public-gateway.istio-system.svc.cluster.local'],
        portDiscovery: true,
      }),
      plan(20),
    );
    expect(vs.spec.hosts).toEqual(['app.example.com', 'podinfo']);
    expect(vs.spec.gateways).toEqual(['public-gateway.istio-system.svc.cluster.local']);
    // Port discovery through a gateway pins the port.
    expect(vs.spec.http![0]!.route![0]!.destination).toEqual({
      host: 'podinfo-primary',
      port: { number: 9898 },
    });
    expect(vsOf(makeCanary({ hosts: ['*'] }), plan(0)).spec.hosts).toEqual(['*']);
  });

  it('A/B: one route per analysis.match × service.match, then the primary route', () => {
    const canary = makeCanary(
      { match: [{ uri: { prefix: '/api' } }, { uri: { prefix: '/v2' } }] },
      {
        interval: '1m',
        threshold: 5,
        iterations: 10,
        match: [
          { headers: { 'x-canary': { exact: 'insider' } } },
          { headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
        ],
      },
    );
    const vs = vsOf(canary, plan(100));
    const [ab, fallback] = vs.spec.http!;
    expect(ab!.match).toEqual([
      { uri: { prefix: '/api' }, headers: { 'x-canary': { exact: 'insider' } } },
      { uri: { prefix: '/v2' }, headers: { 'x-canary': { exact: 'insider' } } },
      { uri: { prefix: '/api' }, headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
      { uri: { prefix: '/v2' }, headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
    ]);
    expect(ab!.route!.map((d) => d.weight)).toEqual([0, 100]);
    expect(fallback!.match).toEqual([{ uri: { prefix: '/api' } }, { uri: { prefix: '/v2' } }]);
    expect(fallback!.route).toEqual([{ destination: { host: 'podinfo-primary' }, weight: 100 }]);
    // Where requests go, by the shared matcher:
    const compiled = compileVirtualService(vs.spec, { namespace: 'test' });
    const insider = compiled.select(req({ path: '/api/x', headers: { 'x-canary': 'insider' } }));
    expect(destinationProbabilities(insider!.route).find((d) => d.probability === 1)?.destination.host).toBe(
      'podinfo-canary',
    );
    expect(compiled.select(req({ path: '/api/x' }))?.index).toBe(1);
    expect(compiled.select(req({ path: '/other', headers: { 'x-canary': 'insider' } }))).toBeUndefined();
  });

  it('A/B without service.match uses the analysis matches as given', () => {
    expect(
      mergeMatches([{ headers: { a: { exact: '1' } }, queryParams: { q: { exact: 'x' } } }], undefined),
    ).toEqual([{ headers: { a: { exact: '1' } }, queryParams: { q: { exact: 'x' } } }]);
  });

  it.each([
    [undefined, undefined],
    [0, undefined],
    [10, { value: 10 }],
    [50, { value: 50 }],
  ])('mirror with mirrorWeight %s gives mirrorPercentage %j', (mirrorWeight, expected) => {
    const analysis = {
      interval: '1m',
      threshold: 5,
      iterations: 5,
      mirror: true,
      ...(mirrorWeight !== undefined ? { mirrorWeight } : {}),
    };
    const vs = vsOf(makeCanary({}, analysis), plan(0, true));
    const route = vs.spec.http![0]!;
    expect(route.mirror).toEqual({ host: 'podinfo-canary' });
    expect(route.mirrorPercentage).toEqual(expected);
    expect(vsOf(makeCanary({}, analysis), plan(0, false)).spec.http![0]!.mirror).toBeUndefined();
  });

  describe('session affinity', () => {
    const analysis = {
      interval: '1m',
      threshold: 5,
      stepWeight: 10,
      sessionAffinity: {
        cookieName: 'flagger-cookie',
        primaryCookieName: 'primary-cookie',
        maxAge: 21600,
        secure: true,
        path: '/',
      },
    };
    const status = {
      sessionAffinityCookie: 'flagger-cookie=AbCdEfGhIj',
      primarySessionAffinityCookie: 'primary-cookie=XyZaBcDeFg',
    };

    it('canary weight > 0: sticky canary rule, sticky primary rule, weighted rule with Set-Cookie', () => {
      const vs = vsOf(makeCanary({}, analysis, {}, status), plan(10));
      const [sticky, stickyPrimary, weightedRule] = vs.spec.http!;
      expect(sticky!.match).toEqual([{ headers: { cookie: { regex: '.*flagger-cookie.*AbCdEfGhIj.*' } } }]);
      expect(sticky!.route!.map((d) => d.weight)).toEqual([0, 100]);
      expect(stickyPrimary!.route!.map((d) => d.weight)).toEqual([100, 0]);
      expect(weightedRule!.match).toBeUndefined();
      expect(weightedRule!.route![1]!.headers).toEqual({
        response: { add: { 'Set-Cookie': 'flagger-cookie=AbCdEfGhIj; Max-Age=21600; Path=/; Secure' } },
      });
      expect(weightedRule!.route![0]!.headers?.response?.add?.['Set-Cookie']).toBe(
        'primary-cookie=XyZaBcDeFg; Max-Age=60; Path=/; Secure',
      );
      // A returning canary visitor stays on the canary:
      const compiled = compileVirtualService(vs.spec);
      const back = compiled.select(req({ headers: { cookie: 'a=b; flagger-cookie=AbCdEfGhIj' } }));
      expect(back?.index).toBe(0);
      expect(compiled.select(req({ headers: { cookie: 'flagger-cookie=Zzzz' } }))?.index).toBe(2);
      expect(readRoutes(vs.spec, serviceNames(makeCanary()))).toEqual(plan(10));
    });

    it('canary weight 0 after a run: the previous cookie is expired with Max-Age=-1', () => {
      const vs = vsOf(
        makeCanary({}, analysis, {}, { previousSessionAffinityCookie: 'flagger-cookie=AbCdEfGhIj' }),
        plan(0),
      );
      expect(vs.spec.http).toHaveLength(2);
      expect(vs.spec.http![0]!.headers).toEqual({
        response: { add: { 'Set-Cookie': 'flagger-cookie=AbCdEfGhIj; Max-Age=-1; Path=/; Secure' } },
      });
      // The expiry header is not leaked onto the catch-all route.
      expect(vs.spec.http![1]!.headers).toBeUndefined();
      expect(vsOf(makeCanary({}, analysis), plan(0)).spec.http).toHaveLength(1);
    });

    it('a missing canary cookie is a clear error', () => {
      expect(() => renderVirtualService(makeCanary({}, analysis), plan(10))).toThrow(/sessionAffinityCookie/);
    });
  });

  it('delegation: no hosts, no gateways; an error when gateways are set', () => {
    const canary = makeCanary({ delegation: true });
    expect(vsOf(canary, plan(0)).spec).toMatchObject({ hosts: [], gateways: [] });
    canary.spec.service.gateways = ['gw'];
    expect(() => renderVirtualService(canary, plan(0))).toThrow(/delegation/);
  });

  it('TCP services use spec.tcp with port matches', () => {
    const vs = vsOf(makeCanary({ appProtocol: 'TCP', match: [{ port: 9898 }] }), plan(30));
    expect(vs.spec.http).toBeUndefined();
    expect(vs.spec.tcp).toEqual([
      {
        match: [{ port: 9898 }],
        route: [
          { destination: { host: 'podinfo-primary' }, weight: 70 },
          { destination: { host: 'podinfo-canary' }, weight: 30 },
        ],
      },
    ]);
    expect(readRoutes(vs.spec, serviceNames(makeCanary()))).toEqual(plan(30));
  });

  it('rejects a plan whose weights do not add up', () => {
    expect(() =>
      renderVirtualService(makeCanary(), { primaryWeight: 90, canaryWeight: 20, mirrored: false }),
    ).toThrow(/= 100/);
    expect(() =>
      renderVirtualService(makeCanary(), { primaryWeight: 95.5, canaryWeight: 4.5, mirrored: false }),
    ).toThrow(/whole number/);
  });

  it('readRoutes(render(plan)) gives the plan back for every strategy and weight', () => {
    const shapes = [
      makeCanary(),
      makeCanary({ match: [{ uri: { prefix: '/' } }] }),
      makeCanary({}, { interval: '1m', iterations: 3, match: [{ headers: { x: { exact: 'y' } } }] }),
      makeCanary(
        {},
        { interval: '1m', stepWeight: 5, sessionAffinity: { cookieName: 'c' } },
        {},
        { sessionAffinityCookie: 'c=abc' },
      ),
      makeCanary({}, { interval: '1m', iterations: 3, mirror: true, mirrorWeight: 20 }),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: shapes.length - 1 }),
        fc.boolean(),
        (w, i, mirrored) => {
          const canary = shapes[i]!;
          const mirrorable = i === 4 || i === 0;
          const p = plan(w, mirrored && mirrorable);
          const vs = renderVirtualService(canary, p);
          validate(vs as unknown as KubeObject);
          expect(readRoutes(vs.spec, serviceNames(canary))).toEqual(p);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('readRoutes reports objects it does not manage', () => {
    expect(() =>
      readRoutes(
        { hosts: ['x'], http: [{ route: [{ destination: { host: 'x' } }] }] },
        serviceNames(makeCanary()),
      ),
    ).toThrow(/podinfo-canary/);
  });
});

describe('Gateway API HTTPRoute', () => {
  const gw = { gatewayRefs: [{ name: 'public', namespace: 'edge' }], hosts: ['app.example.com'] };

  it('weighted backendRefs, parentRefs, hostnames, header filters and timeouts', () => {
    const route = renderHttpRoute(
      makeCanary({
        ...gw,
        timeout: '10s',
        headers: { request: { set: { 'x-env': 'prod' } } },
        match: [{ uri: { prefix: '/api' } }],
      }),
      plan(25),
    );
    validate(route);
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'edge' }],
      hostnames: ['app.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }] },
            },
          ],
          timeouts: { request: '10s' },
          backendRefs: [
            { group: '', kind: 'Service', name: 'podinfo-primary', port: 9898, weight: 75 },
            { group: '', kind: 'Service', name: 'podinfo-canary', port: 9898, weight: 25 },
          ],
        },
      ],
    });
  });

  it('A/B header matches and a fallback that keeps a non-zero weight', () => {
    const route = renderHttpRoute(
      makeCanary(gw, {
        interval: '1m',
        iterations: 5,
        match: [
          { headers: { 'user-agent': { regex: '.*Firefox.*' } } },
          { headers: { 'x-canary': { prefix: 'in' } } },
        ],
      }),
      plan(100),
    );
    validate(route);
    const rules = (route.spec as { rules: { matches?: unknown; backendRefs: { weight: number }[] }[] }).rules;
    expect(rules[0]!.matches).toEqual([
      { headers: [{ type: 'RegularExpression', name: 'user-agent', value: '.*Firefox.*' }] },
      { headers: [{ type: 'RegularExpression', name: 'x-canary', value: 'in.*' }] },
    ]);
    expect(rules[1]!.backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'podinfo-primary', port: 9898, weight: 100 },
    ]);
  });

  it('mirror filter and weight 0 validate', () => {
    const route = renderHttpRoute(
      makeCanary(gw, { interval: '1m', iterations: 5, mirror: true }),
      plan(0, true),
    );
    validate(route);
    const rule = (route.spec as { rules: { filters: unknown[] }[] }).rules[0]!;
    expect(rule.filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: { backendRef: { group: '', kind: 'Service', name: 'podinfo-canary', port: 9898 } },
      },
    ]);
  });

  it('session affinity: cookie rule and Set-Cookie on the canary backend', () => {
    const route = renderHttpRoute(
      makeCanary(
        gw,
        { interval: '1m', stepWeight: 10, sessionAffinity: { cookieName: 'flagger-cookie' } },
        {},
        { sessionAffinityCookie: 'flagger-cookie=abc' },
      ),
      plan(10),
    );
    validate(route);
    const rules = (
      route.spec as { rules: { matches?: unknown[]; backendRefs: { name: string; filters?: unknown[] }[] }[] }
    ).rules;
    expect(rules).toHaveLength(2);
    expect(rules[0]!.matches).toEqual([
      { headers: [{ type: 'RegularExpression', name: 'cookie', value: '.*flagger-cookie.*abc.*' }] },
    ]);
    expect(rules[1]!.backendRefs[1]!.filters).toEqual([
      {
        type: 'ResponseHeaderModifier',
        responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: 'flagger-cookie=abc; Max-Age=86400' }] },
      },
    ]);
  });

  it('Istio-only match fields are reported, not dropped', () => {
    expect(() => renderHttpRoute(makeCanary({ match: [{ sourceLabels: { app: 'x' } }] }), plan(0))).toThrow(
      /spec\.service\.match\[0\]\.sourceLabels/,
    );
  });
});

describe('renderCanaryObjects', () => {
  it('renders every object in apply order, each valid', () => {
    const objects = renderCanaryObjects(makeCanary(), { plan: plan(0), target });
    objects.forEach(validate);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Service/podinfo',
      'Service/podinfo-primary',
      'Service/podinfo-canary',
      'Deployment/podinfo-primary',
      'DestinationRule/podinfo-primary',
      'DestinationRule/podinfo-canary',
      'VirtualService/podinfo',
    ]);
    const gatewayObjects = renderCanaryObjects(makeCanary(), { plan: plan(0), provider: 'gateway-api' });
    gatewayObjects.forEach(validate);
    expect(gatewayObjects.map((o) => o.kind)).toEqual(['Service', 'Service', 'Service', 'HTTPRoute']);
  });

  it('merge mode needs the user VirtualService', () => {
    expect(() => renderCanaryObjects(makeCanary({ routing: 'merge' }), { plan: plan(0) })).toThrow(/merge/);
  });
});
