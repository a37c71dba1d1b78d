import { describe, expect, it } from 'vitest';
import { expectAcceptedByCrd } from '../../../test/support/crd-schema.js';
import { providerCanary } from '../../../test/support/provider-fixture.js';
import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { contourProvider } from './contour.js';

describeProviderContract(contourProvider, () => providerCanary('contour'));

const at = (canaryWeight: number) => ({ primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });
const l5d = (name: string) => ({
  set: [{ name: 'l5d-dst-override', value: `${name}.test.svc.cluster.local:9898` }],
});
const render = (spec: Record<string, unknown>, analysis?: Record<string, unknown>, weight = 10) => {
  const proxy = contourProvider.render(
    providerCanary('contour', spec, analysis).canary,
    at(weight),
    () => undefined,
  )[0]!;
  expectAcceptedByCrd(proxy);
  return proxy;
};
const ab = (match: unknown[]) => ({ interval: '1m', threshold: 5, iterations: 10, match });

describe("Contour HTTPProxy, as Flagger's contour router writes it", () => {
  it('one route on the prefix, weights on the services, l5d-dst-override per service', () => {
    const proxy = render({ service: { apex: { labels: { team: 'shop' } } } }, undefined, 10);
    expect(proxy.metadata).toMatchObject({ name: 'podinfo', namespace: 'test', labels: { team: 'shop' } });
    expect(proxy.spec).toEqual({
      routes: [
        {
          conditions: [{ prefix: '/' }],
          services: [
            { name: 'podinfo-primary', port: 9898, weight: 90, requestHeadersPolicy: l5d('podinfo-primary') },
            { name: 'podinfo-canary', port: 9898, weight: 10, requestHeadersPolicy: l5d('podinfo-canary') },
          ],
        },
      ],
    });
  });

  it('a zero weight is left out, as Go omits it', () => {
    const services = (render({}, undefined, 0).spec as { routes: { services: Record<string, unknown>[] }[] })
      .routes[0]!.services;
    expect(services[0]).toMatchObject({ name: 'podinfo-primary', weight: 100 });
    expect(services[1]).not.toHaveProperty('weight');
  });

  it('prefix from spec.service.match, timeout with idle 5m, retries with Contour retry conditions', () => {
    const proxy = render({
      service: {
        match: [{ uri: { prefix: '/api' } }],
        timeout: '30s',
        retries: { attempts: 3, perTryTimeout: '5s', retryOn: 'gateway-error,connect-failure' },
      },
    });
    const [route] = (proxy.spec as { routes: Record<string, unknown>[] }).routes;
    expect(route).toMatchObject({
      conditions: [{ prefix: '/api' }],
      timeoutPolicy: { response: '30s', idle: '5m' },
      retryPolicy: { count: 3, perTryTimeout: '5s', retryOn: ['gateway-error', 'connect-failure'] },
    });
  });

  it('A/B: a header route carries the split, the prefix route stays on the primary', () => {
    const proxy = render({}, ab([{ headers: { 'x-canary': { exact: 'insider' } } }]), 100);
    const routes = (
      proxy.spec as { routes: { conditions: unknown[]; services: Record<string, unknown>[] }[] }
    ).routes;
    expect(routes.map((r) => r.conditions)).toEqual([
      [{ prefix: '/' }, { header: { name: 'x-canary', exact: 'insider' } }],
      [{ prefix: '/' }],
    ]);
    expect(routes.map((r) => r.services.map((s) => s.weight))).toEqual([
      [undefined, 100],
      [100, undefined],
    ]);
    expect(
      contourProvider.read(providerCanary('contour', {}, ab([])).canary, (_r, name) =>
        name === 'podinfo' ? proxy : undefined,
      ),
    ).toEqual(at(100));
  });

  it("A/B: prefix and suffix become contains (Flagger's tutorial), each match entry its own route", () => {
    const proxy = render(
      {},
      ab([
        { headers: { 'user-agent': { prefix: 'Mobile' } } },
        { headers: { cookie: { suffix: 'insider' } } },
      ]),
    );
    const routes = (proxy.spec as { routes: { conditions: unknown[] }[] }).routes;
    expect(routes.map((r) => r.conditions)).toEqual([
      [{ prefix: '/' }, { header: { name: 'user-agent', contains: 'Mobile' } }],
      [{ prefix: '/' }, { header: { name: 'cookie', contains: 'insider' } }],
      [{ prefix: '/' }],
    ]);
  });
});

describe('what an HTTPProxy cannot carry is refused, naming the field', () => {
  const findings = (spec: Record<string, unknown>, analysis?: Record<string, unknown>) =>
    canaryCapabilities(providerCanary('contour', spec, analysis).raw).map(
      (i) => `${i.severity} ${i.path}: ${i.message}`,
    );

  it('regex header matches and non-header matches', () => {
    expect(
      findings({}, ab([{ headers: { 'x-canary': { regex: '^in.*' } }, uri: { prefix: '/a' } }])),
    ).toEqual([
      'error spec.analysis.match[0].uri: matching a canary route on anything but headers: the contour provider cannot express it',
      'error spec.analysis.match[0].headers.x-canary: a regex header match: the contour provider cannot express it',
    ]);
    expect(() => render({}, ab([{ headers: { 'x-canary': { regex: '^in.*' } } }]))).toThrow(
      /spec\.analysis\.match\[0\]\.headers\.x-canary/,
    );
  });

  it('prefix and suffix are warned about, not refused', () => {
    expect(findings({}, ab([{ headers: { 'user-agent': { suffix: 'Firefox/71.0' } } }]))).toEqual([
      'warning spec.analysis.match[0].headers.user-agent: Contour has no suffix header match: rendered as contains, as Flagger does (matches more)',
    ]);
  });

  it('mirroring, session affinity, retry conditions Contour lacks, service fields without a place', () => {
    const refused = (spec: Record<string, unknown>, analysis?: Record<string, unknown>) =>
      findings(spec, analysis).filter((f) => f.startsWith('error'));
    expect(refused({}, { interval: '1m', threshold: 5, iterations: 10, mirror: true })).toEqual([
      'error spec.analysis.mirror: mirroring traffic to the canary: the contour provider cannot express it',
    ]);
    expect(
      refused(
        {},
        { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50, sessionAffinity: { cookieName: 'c' } },
      ),
    ).toEqual([
      'error spec.analysis.sessionAffinity: session affinity: the contour provider cannot express it',
    ]);
    expect(refused({ service: { retries: { attempts: 2, retryOn: '5xx,503' } } })).toEqual([
      'error spec.service.retries.retryOn: retrying on "503": the contour provider cannot express it',
    ]);
    expect(
      refused({
        service: {
          corsPolicy: { allowOrigins: [{ exact: 'https://a' }] },
          match: [{ uri: { exact: '/x' } }],
        },
      }),
    ).toEqual([
      'error spec.service.corsPolicy: a CORS policy: the contour provider cannot express it',
      'error spec.service.match: a service match other than one uri.prefix: the contour provider cannot express it',
    ]);
  });
});
