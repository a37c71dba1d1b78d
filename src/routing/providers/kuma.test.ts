import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUMA_TRAFFIC_ROUTE_SCHEMA } from '../../../test/apiserver/kuma-crd.js';
import { crdProblems } from '../../../test/support/crd-conformance.js';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { CanaryDocument } from '../../api/canary.js';
import { generateCommand } from '../../cli/definitions/generate.js';
import { kumaProvider, renderTrafficRoute } from './kuma.js';

const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: {
    name: 'podinfo',
    namespace: 'test',
    uid: '1f0c5a52-0000-4000-8000-000000000005',
    annotations: { 'kuma.io/mesh': 'shop-mesh' },
  },
  spec: {
    provider: 'kuma',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898, apex: { labels: { team: 'shop' } } },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  },
};

describeProviderContract(kumaProvider, () => ({ canary: CanaryDocument.parse(raw), raw }));

const canary = CanaryDocument.parse(raw);
const at = (canaryWeight: number, c = canary) =>
  renderTrafficRoute(c, { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });

describe('kuma: the TrafficRoute Flagger writes', () => {
  it('is cluster-scoped, named after the apex, in the annotated mesh, without an owner reference', () => {
    const route = at(0);
    expect(route).toMatchObject({ apiVersion: 'kuma.io/v1alpha1', kind: 'TrafficRoute', mesh: 'shop-mesh' });
    expect(route.metadata).toEqual({
      name: 'podinfo',
      labels: { team: 'shop' },
      annotations: {
        'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
        'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
      },
    });
  });

  it('uses the default mesh without the annotation', () => {
    const plain = CanaryDocument.parse({ ...raw, metadata: { name: 'podinfo', namespace: 'test' } });
    expect(at(0, plain).mesh).toBe('default');
  });

  it("splits every source's traffic for the apex Kuma service between primary and canary", () => {
    expect(at(40).spec).toEqual({
      sources: [{ match: { 'kuma.io/service': '*' } }],
      destinations: [{ match: { 'kuma.io/service': 'podinfo_test_svc_9898' } }],
      conf: {
        split: [
          { weight: 60, destination: { 'kuma.io/service': 'podinfo-primary_test_svc_9898' } },
          { weight: 40, destination: { 'kuma.io/service': 'podinfo-canary_test_svc_9898' } },
        ],
      },
    });
  });

  it("validates against Kuma's CRD schema, nothing pruned", () => {
    for (const w of [0, 50, 100]) expect(crdProblems(at(w), KUMA_TRAFFIC_ROUTE_SCHEMA)).toEqual([]);
  });

  it('needs the namespace to name Kuma services', () => {
    const offline = CanaryDocument.parse({ ...raw, metadata: { name: 'podinfo' } });
    expect(() => at(0, offline)).toThrow(/^metadata.namespace: the kuma provider names Kuma services/);
  });
});

describe('kuma: refusals name the field', () => {
  const errors = (analysis: object, service: object = {}) =>
    canaryCapabilities({
      ...raw,
      spec: {
        ...raw.spec,
        service: { ...raw.spec.service, ...service },
        analysis: { ...raw.spec.analysis, ...analysis },
      },
    })
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.path}: ${i.message}`);

  it('matches, mirroring, session affinity, Istio-only service fields', () => {
    expect(errors({ mirror: true })).toEqual([
      'spec.analysis.mirror: mirroring traffic to the canary: the kuma provider cannot express it',
    ]);
    expect(errors({ match: [{ headers: { cookie: { regex: 'canary' } } }] })).toEqual([
      'spec.analysis.match: routing on a cookie: the kuma provider cannot express it',
    ]);
    expect(errors({}, { retries: { attempts: 2 } })).toEqual([
      'spec.service.retries: a retry policy: the kuma provider cannot express it',
    ]);
  });
});

describe('kuma: serin generate', () => {
  it("prints the TrafficRoute for Flagger's kuma Canary, exit 0", async () => {
    const file = join(import.meta.dirname, '../../../test/fixtures/flagger/kuma.yaml');
    const r = await runCommand([generateCommand], ['generate', '-f', file, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { items } = JSON.parse(r.stdout) as {
      items: { kind: string; mesh?: string; metadata: { name: string } }[];
    };
    const routes = items.filter((i) => i.kind === 'TrafficRoute');
    expect(routes.map((i) => [i.metadata.name, i.mesh])).toEqual([['podinfo', 'default']]);
  });
});
