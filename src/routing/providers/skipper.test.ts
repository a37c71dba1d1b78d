import { describe, expect, it } from 'vitest';
import { describeProviderContract, lookupOf } from '../../../test/support/routing-provider-contract.js';
import { CanaryDocument } from '../../api/canary.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { insertPredicate, skipperProvider } from './skipper.js';
import type { KubeObject } from './types.js';

/** The Canary of Flagger's Skipper tutorial (docs/gitbook/tutorials/skipper-progressive-delivery.md). */
const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000004' },
  spec: {
    provider: 'skipper',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo-ingress' },
    service: { port: 80, targetPort: 9898 },
    analysis: { interval: '10s', threshold: 10, maxWeight: 50, stepWeight: 5 },
  },
};

const ingress: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'podinfo-ingress',
    namespace: 'test',
    labels: { app: 'podinfo' },
    annotations: {
      'kubernetes.io/ingress.class': 'skipper',
      'zalando.org/skipper-predicate': 'Method("GET") && Weight(100)',
      'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Ingress"}',
    },
  },
  spec: {
    rules: [
      {
        host: 'app.example.com',
        http: {
          paths: [
            {
              pathType: 'Prefix',
              path: '/',
              backend: { service: { name: 'podinfo', port: { number: 80 } } },
            },
            { pathType: 'Exact', path: '/x', backend: { service: { name: 'other', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
};

describeProviderContract(skipperProvider, () => ({
  canary: CanaryDocument.parse(raw),
  raw,
  inputs: [ingress],
}));

const render = (canaryWeight: number) =>
  skipperProvider.render(
    CanaryDocument.parse(raw),
    { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false },
    lookupOf([ingress]),
  );

type Paths = { rules: { http: { paths: { backend: { service: { name: string; port: unknown } } }[] } }[] };

describe('skipper provider', () => {
  it("renders <ingress>-canary as Flagger's SkipperRouter: primary in place, canary appended, weights as Go writes them", () => {
    const [object, ...rest] = render(30);
    expect(rest).toEqual([]);
    expect(object?.metadata.name).toBe('podinfo-ingress-canary');
    expect(object?.metadata.labels).toEqual({ app: 'podinfo' });
    expect(object?.metadata.annotations).toEqual({
      'kubernetes.io/ingress.class': 'skipper',
      'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
      'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
      'zalando.org/backend-weights': '{"podinfo-canary":30,"podinfo-primary":70}',
      'zalando.org/skipper-predicate': 'Weight(100) && Method("GET")',
    });
    const paths = (object?.spec as Paths).rules[0]!.http.paths;
    expect(paths.map((p) => p.backend.service.name)).toEqual(['podinfo-primary', 'other', 'podinfo-canary']);
    expect(paths[2]?.backend.service.port).toEqual(paths[0]?.backend.service.port);
  });

  it('switches the canary route off with False() at weight 0, so the user’s Ingress serves', () => {
    expect(render(0)[0]?.metadata.annotations).toMatchObject({
      'zalando.org/backend-weights': '{"podinfo-canary":0,"podinfo-primary":100}',
      'zalando.org/skipper-predicate': 'False() && Method("GET")',
    });
  });

  it("inserts predicates as Flagger's insertPredicate", () => {
    expect(
      insertPredicate(
        'Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")',
        'Weight(100)',
      ),
    ).toBe('Weight(100) && Host(/^my-host-header\\.example\\.org$/) && Method("GET") && Path("/hello")');
    expect(insertPredicate('', 'Weight(100)')).toBe('Weight(100)');
    expect(insertPredicate('Weight(100) && False() && Path("/")', 'False()')).toBe('False() && Path("/")');
  });

  it('refuses A/B, mirroring and a missing ingressRef, naming the field', () => {
    const errors = (doc: unknown) =>
      canaryCapabilities(doc)
        .filter((i) => i.severity === 'error')
        .map((i) => i.path);
    const ab = {
      ...raw,
      spec: {
        ...raw.spec,
        analysis: {
          interval: '1m',
          threshold: 5,
          iterations: 5,
          match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
        },
      },
    };
    expect(errors(ab)).toEqual(['spec.analysis.match']);
    expect(
      errors({ ...raw, spec: { ...raw.spec, analysis: { ...raw.spec.analysis, mirror: true } } }),
    ).toEqual(['spec.analysis.mirror']);
    const { ingressRef: _gone, ...spec } = raw.spec;
    expect(errors({ ...raw, spec })).toEqual(['spec.ingressRef']);
  });

  it('reads malformed backend weights as an error naming the annotation', () => {
    const [object] = render(10);
    object!.metadata.annotations!['zalando.org/backend-weights'] = '{"podinfo-primary":90}';
    expect(() => skipperProvider.read(CanaryDocument.parse(raw), lookupOf([object!]))).toThrow(
      /zalando\.org\/backend-weights has no integer weights/,
    );
  });
});
