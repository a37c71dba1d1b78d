import { describe, expect, it } from 'vitest';
import { expectAcceptedByCrd } from '../../../test/support/crd-schema.js';
import { providerCanary } from '../../../test/support/provider-fixture.js';
import { describeProviderContract, lookupOf } from '../../../test/support/routing-provider-contract.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import type { KubeObject } from './types.js';
import { glooProvider } from './gloo.js';

const service = (name: string, app: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'test' },
  spec: { selector: { app }, ports: [{ port: 9898 }] },
});
const configUpstream: KubeObject = {
  apiVersion: 'gloo.solo.io/v1',
  kind: 'Upstream',
  metadata: { name: 'podinfo', namespace: 'gloo-system' },
  spec: {
    loadBalancerConfig: { roundRobin: {} },
    connectionConfig: { connectTimeout: '2s' },
    kube: { serviceName: 'elsewhere', serviceNamespace: 'x', servicePort: 1 },
  },
};
const inputs = [
  service('podinfo-primary', 'podinfo-primary'),
  service('podinfo-canary', 'podinfo'),
  configUpstream,
];
const upstreamRef = {
  apiVersion: 'gloo.solo.io/v1',
  kind: 'Upstream',
  name: 'podinfo',
  namespace: 'gloo-system',
};

describeProviderContract(glooProvider, () => ({ ...providerCanary('gloo', { upstreamRef }), inputs }));

const at = (canaryWeight: number) => ({ primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });
const ab = (match: unknown[]) => ({ interval: '1m', threshold: 5, iterations: 10, match });
const render = (spec: Record<string, unknown> = {}, analysis?: Record<string, unknown>, weight = 10) => {
  const objects = glooProvider.render(
    providerCanary('gloo', spec, analysis).canary,
    at(weight),
    lookupOf(inputs),
  );
  for (const object of objects) expectAcceptedByCrd(object);
  return objects;
};
const dest = (name: string, weight?: number) => ({
  destination: { upstream: { name, namespace: 'test' } },
  ...(weight !== undefined ? { weight } : {}),
});

describe("Gloo RouteTable and Upstreams, as Flagger's gloo router writes them", () => {
  it('two kube upstreams on the -primary and -canary Services with their selectors', () => {
    const [primary, canary] = render();
    expect(primary).toMatchObject({
      apiVersion: 'gloo.solo.io/v1',
      kind: 'Upstream',
      metadata: { name: 'test-podinfo-primaryupstream-9898', namespace: 'test' },
      spec: {
        kube: {
          serviceName: 'podinfo-primary',
          serviceNamespace: 'test',
          servicePort: 9898,
          selector: { app: 'podinfo-primary' },
        },
      },
    });
    expect(canary?.metadata.name).toBe('test-podinfo-canaryupstream-9898');
    expect((canary?.spec as { kube: unknown }).kube).toMatchObject({
      serviceName: 'podinfo-canary',
      selector: { app: 'podinfo' },
    });
  });

  it("copies the upstreamRef's settings, never its kube target", () => {
    const [primary] = render({ upstreamRef });
    expect(primary?.spec).toMatchObject({
      loadBalancerConfig: { roundRobin: {} },
      connectionConfig: { connectTimeout: '2s' },
      kube: { serviceName: 'podinfo-primary' },
    });
    const missing = providerCanary('gloo', { upstreamRef: { ...upstreamRef, name: 'absent' } }).canary;
    expect(() => glooProvider.render(missing, at(0), lookupOf(inputs))).toThrow(
      /spec\.upstreamRef: Upstream gloo-system\/absent not found/,
    );
  });

  it('a weighted route inheriting the path matcher, a zero weight left out', () => {
    const table = render({ service: { apex: { annotations: { team: 'shop' } } } }, undefined, 0)[2]!;
    expect(table.metadata).toMatchObject({ name: 'podinfo', annotations: { team: 'shop' } });
    expect(table.spec).toEqual({
      routes: [
        {
          inheritablePathMatchers: true,
          routeAction: {
            multi: {
              destinations: [
                dest('test-podinfo-primaryupstream-9898', 100),
                dest('test-podinfo-canaryupstream-9898'),
              ],
            },
          },
        },
      ],
    });
  });

  it('A/B: one matcher per match entry, and everyone else on the primary', () => {
    const table = render(
      {},
      ab([
        { headers: { 'x-canary': { exact: 'insider' } } },
        {
          headers: {
            'user-agent': { prefix: 'Mobile (x)' },
            cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' },
          },
          method: { exact: 'GET' },
        },
      ]),
      100,
    )[2]!;
    const routes = (table.spec as { routes: Record<string, unknown>[] }).routes;
    expect(routes[0]?.matchers).toEqual([
      { headers: [{ name: 'x-canary', value: 'insider' }] },
      {
        headers: [
          { name: 'user-agent', value: 'Mobile \\(x\\).*', regex: true },
          { name: 'cookie', value: '^(.*?;)?(canary=always)(;.*)?$', regex: true },
        ],
        methods: ['GET'],
      },
    ]);
    expect(routes[0]?.routeAction).toEqual({
      multi: {
        destinations: [
          dest('test-podinfo-primaryupstream-9898'),
          dest('test-podinfo-canaryupstream-9898', 100),
        ],
      },
    });
    expect(routes[1]).toEqual({
      inheritablePathMatchers: true,
      routeAction: {
        multi: {
          destinations: [
            dest('test-podinfo-primaryupstream-9898', 100),
            dest('test-podinfo-canaryupstream-9898'),
          ],
        },
      },
    });
  });

  it('finalize deletes the RouteTable and both upstreams', () => {
    const { canary } = providerCanary('gloo');
    expect(
      glooProvider.finalize(canary, () => undefined).delete.map((r) => `${r.resource.kind}/${r.name}`),
    ).toEqual([
      'RouteTable/podinfo',
      'Upstream/test-podinfo-primaryupstream-9898',
      'Upstream/test-podinfo-canaryupstream-9898',
    ]);
  });
});

describe('what a RouteTable cannot carry is refused, naming the field', () => {
  const refused = (spec: Record<string, unknown>, analysis?: Record<string, unknown>) =>
    canaryCapabilities(providerCanary('gloo', spec, analysis).raw)
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.path}: ${i.message}`);

  it('matches on anything but headers and method, mirroring, session affinity, service routing fields', () => {
    expect(refused({}, ab([{ uri: { prefix: '/a' }, headers: { x: { exact: 'y' } } }]))).toEqual([
      'spec.analysis.match[0].uri: matching a canary route on anything but headers and method: the gloo provider cannot express it',
    ]);
    expect(refused({}, { interval: '1m', threshold: 5, iterations: 10, mirror: true })).toEqual([
      'spec.analysis.mirror: mirroring traffic to the canary: the gloo provider cannot express it',
    ]);
    expect(refused({ service: { timeout: '10s', retries: { attempts: 2 } } })).toEqual([
      'spec.service.timeout: a request timeout: the gloo provider cannot express it',
      'spec.service.retries: retries: the gloo provider cannot express it',
    ]);
    expect(() => render({}, ab([{ uri: { prefix: '/a' } }]))).toThrow(/spec\.analysis\.match\[0\]\.uri/);
  });

  it('the corpus Canary with a cross-namespace upstreamRef runs', () => {
    expect(refused({ upstreamRef })).toEqual([]);
  });
});
