import { describe, expect, it } from 'vitest';
import { describeProviderContract, lookupOf } from '../../../test/support/routing-provider-contract.js';
import { CanaryDocument } from '../../api/canary.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { nginxProvider } from './nginx.js';
import type { KubeObject } from './types.js';

/** The Canary and Ingress of Flagger's NGINX tutorial (docs/gitbook/tutorials/nginx-progressive-delivery.md). */
const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000003' },
  spec: {
    provider: 'nginx',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' },
    service: { port: 80, targetPort: 9898 },
    analysis: { interval: '10s', threshold: 10, maxWeight: 50, stepWeight: 5 },
  },
};

const ingress: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'podinfo',
    namespace: 'test',
    labels: { app: 'podinfo' },
    annotations: {
      'kubernetes.io/ingress.class': 'nginx',
      'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Ingress"}',
      'nginx.ingress.kubernetes.io/canary-by-header': 'left-over',
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
            {
              pathType: 'Exact',
              path: '/other',
              backend: { service: { name: 'other', port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
};

describeProviderContract(nginxProvider, () => ({
  canary: CanaryDocument.parse(raw),
  raw,
  inputs: [ingress],
}));

function abRaw(match: unknown[]) {
  return {
    ...raw,
    spec: { ...raw.spec, analysis: { interval: '1m', threshold: 10, iterations: 10, match } },
  };
}

const render = (doc: unknown, canaryWeight: number) =>
  nginxProvider.render(
    CanaryDocument.parse(doc),
    { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false },
    lookupOf([ingress]),
  );

const errorsOf = (doc: unknown) =>
  canaryCapabilities(doc)
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.path}: ${i.message}`);

describe('nginx provider', () => {
  it("renders <ingress>-canary as Flagger's IngressRouter: the apex backend on <svc>-canary, canary annotations", () => {
    const [object, ...rest] = render(raw, 5);
    expect(rest).toEqual([]);
    expect(object?.metadata.name).toBe('podinfo-canary');
    expect(object?.metadata.labels).toEqual({ app: 'podinfo' });
    expect(object?.metadata.annotations).toEqual({
      'kubernetes.io/ingress.class': 'nginx',
      'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
      'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '5',
    });
    const paths = (
      object?.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] }
    ).rules[0]!.http.paths;
    expect(paths.map((p) => p.backend.service.name)).toEqual(['podinfo-canary', 'other']);
    expect(object?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Canary',
      name: 'podinfo',
      controller: true,
    });
  });

  it("leaves the user's Ingress alone, and deletes only its own on finalize", () => {
    const rendered = render(raw, 50);
    expect(rendered.map((o) => o.metadata.name)).not.toContain('podinfo');
    expect(nginxProvider.finalize(CanaryDocument.parse(raw), lookupOf([...rendered, ingress]))).toEqual({
      delete: [{ resource: nginxProvider.resources[0], name: 'podinfo-canary' }],
      apply: [],
    });
  });

  it("A/B as Flagger's tutorial: one header and one cookie, the weight left at 0", () => {
    const doc = abRaw([
      { headers: { 'x-canary': { exact: 'insider' } } },
      { headers: { cookie: { exact: 'canary' } } },
    ]);
    expect(errorsOf(doc)).toEqual([]);
    const annotations = render(doc, 100)[0]?.metadata.annotations;
    expect(annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '0',
      'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary',
      'nginx.ingress.kubernetes.io/canary-by-header-value': 'insider',
      'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
    });
    expect(annotations).not.toHaveProperty('nginx.ingress.kubernetes.io/canary-by-header-pattern');
    const canary = CanaryDocument.parse(doc);
    expect(nginxProvider.read(canary, lookupOf(render(doc, 100)))).toEqual({
      primaryWeight: 0,
      canaryWeight: 100,
      mirrored: false,
    });
    // Back on the primary, the header and cookie are gone: nothing reaches the canary.
    const off = render(doc, 0)[0]?.metadata.annotations ?? {};
    expect(Object.keys(off).filter((k) => k.includes('canary-by'))).toEqual([]);
    expect(nginxProvider.read(canary, lookupOf(render(doc, 0)))).toEqual({
      primaryWeight: 100,
      canaryWeight: 0,
      mirrored: false,
    });
  });

  it('a regex header match becomes canary-by-header-pattern', () => {
    const doc = abRaw([{ headers: { 'x-user-type': { regex: '^test.*' } } }]);
    expect(render(doc, 100)[0]?.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary-by-header': 'x-user-type',
      'nginx.ingress.kubernetes.io/canary-by-header-pattern': '^test.*',
    });
  });

  it('refuses what one canary Ingress cannot hold, naming the field', () => {
    expect(
      errorsOf(abRaw([{ headers: { 'x-a': { exact: '1' } } }, { headers: { 'x-b': { exact: '2' } } }])),
    ).toEqual([
      'spec.analysis.match: more than one header match (ingress-nginx holds one header): the nginx provider cannot express it',
    ]);
    expect(errorsOf(abRaw([{ headers: { 'x-a': { prefix: '1' } } }]))).toEqual([
      'spec.analysis.match[0].headers.x-a: a header match other than one `exact` or `regex`: the nginx provider cannot express it',
    ]);
    expect(
      errorsOf(abRaw([{ headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }]))[0],
    ).toMatch(
      /^spec\.analysis\.match\[0\]\.headers\.cookie: a cookie match other than `exact: <cookie name>`/,
    );
    expect(errorsOf(abRaw([{ uri: { prefix: '/api' } }]))).toContain(
      'spec.analysis.match[0].uri: matching on uri: the nginx provider cannot express it',
    );
    expect(
      errorsOf({ ...raw, spec: { ...raw.spec, analysis: { ...raw.spec.analysis, mirror: true } } }),
    ).toEqual([
      'spec.analysis.mirror: mirroring traffic to the canary: the nginx provider cannot express it',
    ]);
  });

  it('requires spec.ingressRef, as Flagger does', () => {
    const { ingressRef: _gone, ...spec } = raw.spec;
    expect(errorsOf({ ...raw, spec })).toEqual([
      'spec.ingressRef: required by the nginx provider: the Ingress (networking.k8s.io/v1) that routes the service',
    ]);
  });

  it('says which Ingress is missing, or which has no backend for the service', () => {
    const canary = CanaryDocument.parse(raw);
    const plan = { primaryWeight: 100, canaryWeight: 0, mirrored: false };
    expect(() => nginxProvider.render(canary, plan, () => undefined)).toThrow(
      'spec.ingressRef: Ingress podinfo not found',
    );
    const elsewhere = structuredClone(ingress);
    (elsewhere.spec as { rules: { http: { paths: unknown[] } }[] }).rules[0]!.http.paths.splice(0, 1);
    expect(() => nginxProvider.render(canary, plan, lookupOf([elsewhere]))).toThrow(
      'backend podinfo not found in Ingress podinfo',
    );
  });

  it('reads a weight annotation that is not a number as an error naming it', () => {
    const [object] = render(raw, 10);
    object!.metadata.annotations!['nginx.ingress.kubernetes.io/canary-weight'] = 'ten';
    expect(() => nginxProvider.read(CanaryDocument.parse(raw), lookupOf([object!]))).toThrow(
      /nginx\.ingress\.kubernetes\.io\/canary-weight is "ten"/,
    );
  });
});
