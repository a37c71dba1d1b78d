import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../test/support/in-process-cli.js';
import { crdProblems } from '../../../test/support/crd-conformance.js';
import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { TRAEFIK_SERVICE_SCHEMA } from '../../../test/apiserver/traefik-crd.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { CanaryDocument } from '../../api/canary.js';
import { generateCommand } from '../../cli/definitions/generate.js';
import { renderTraefikService, traefikProvider } from './traefik.js';

const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000003' },
  spec: {
    provider: 'traefik',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: {
      port: 80,
      targetPort: 9898,
      apex: { labels: { team: 'shop' }, annotations: { 'example.com/owner': 'shop' } },
    },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  },
};

describeProviderContract(traefikProvider, () => ({ canary: CanaryDocument.parse(raw), raw }));

const canary = CanaryDocument.parse(raw);
const at = (canaryWeight: number) =>
  renderTraefikService(canary, { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });
const services = (w: number) => (at(w).spec as { weighted: { services: unknown[] } }).weighted.services;

describe('traefik: the TraefikService Flagger writes', () => {
  it('names it after the apex, with the apex metadata, Flux opt-outs and the Canary as owner', () => {
    const object = at(0);
    expect(object.apiVersion).toBe('traefik.io/v1alpha1');
    expect(object.kind).toBe('TraefikService');
    expect(object.metadata.name).toBe('podinfo');
    expect(object.metadata.namespace).toBe('test');
    expect(object.metadata.labels).toEqual({ team: 'shop' });
    expect(object.metadata.annotations).toEqual({
      'example.com/owner': 'shop',
      'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
      'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
    });
    expect(object.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Canary', name: 'podinfo', controller: true }),
    ]);
  });

  it('lists only the primary at 0% and both, on the Service port, while the canary has a share', () => {
    expect(services(0)).toEqual([{ name: 'podinfo-primary', namespace: 'test', port: 80, weight: 100 }]);
    expect(services(20)).toEqual([
      { name: 'podinfo-primary', namespace: 'test', port: 80, weight: 80 },
      { name: 'podinfo-canary', namespace: 'test', port: 80, weight: 20 },
    ]);
  });

  it('keeps the primary at weight 0 when the canary has it all (Traefik counts a missing weight as 1)', () => {
    expect(services(100)).toEqual([
      { name: 'podinfo-primary', namespace: 'test', port: 80, weight: 0 },
      { name: 'podinfo-canary', namespace: 'test', port: 80, weight: 100 },
    ]);
  });

  it("validates against Traefik's CRD schema at every weight, nothing pruned", () => {
    for (const w of [0, 1, 50, 100]) expect(crdProblems(at(w), TRAEFIK_SERVICE_SCHEMA)).toEqual([]);
  });

  it('refuses an invalid split instead of writing it', () => {
    expect(() =>
      renderTraefikService(canary, { primaryWeight: 60, canaryWeight: 60, mirrored: false }),
    ).toThrow(/primaryWeight \+ canaryWeight = 100/);
  });
});

describe('traefik: what a TraefikService cannot express is refused, naming the field', () => {
  const errors = (patch: { analysis?: object; service?: object }) =>
    canaryCapabilities({
      ...raw,
      spec: {
        ...raw.spec,
        service: { ...raw.spec.service, ...patch.service },
        analysis: { ...raw.spec.analysis, ...patch.analysis },
      },
    })
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.path}: ${i.message}`);

  it('header and cookie A/B, mirroring and session affinity', () => {
    expect(
      errors({ analysis: { iterations: 5, match: [{ headers: { 'x-canary': { exact: 'on' } } }] } }),
    ).toEqual(['spec.analysis.match: routing on request headers: the traefik provider cannot express it']);
    expect(
      errors({ analysis: { iterations: 5, match: [{ headers: { cookie: { regex: 'canary' } } }] } }),
    ).toEqual(['spec.analysis.match: routing on a cookie: the traefik provider cannot express it']);
    expect(errors({ analysis: { mirror: true, iterations: 5 } })).toEqual([
      'spec.analysis.mirror: mirroring traffic to the canary: the traefik provider cannot express it',
    ]);
    expect(errors({ analysis: { sessionAffinity: { cookieName: 'flagger-cookie' } } })).toEqual([
      'spec.analysis.sessionAffinity: session affinity: the traefik provider cannot express it',
    ]);
  });

  it('Istio-only service fields (retries, timeout, rewrite, ...)', () => {
    expect(
      errors({
        service: { retries: { attempts: 3 }, timeout: '5s', gateways: ['public'], delegation: false },
      }),
    ).toEqual([
      'spec.service.gateways: gateways to attach to: the traefik provider cannot express it',
      'spec.service.retries: a retry policy: the traefik provider cannot express it',
      'spec.service.timeout: a request timeout: the traefik provider cannot express it',
    ]);
  });
});

describe('traefik: serin generate', () => {
  it("prints the TraefikService for Flagger's traefik Canary, exit 0", async () => {
    const file = join(import.meta.dirname, '../../../test/fixtures/flagger/traefik.yaml');
    const r = await runCommand([generateCommand], ['generate', '-f', file, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { items } = JSON.parse(r.stdout) as { items: { kind: string; metadata: { name: string } }[] };
    const traefikService = items.find((i) => i.kind === 'TraefikService');
    expect(traefikService).toMatchObject({
      apiVersion: 'traefik.io/v1alpha1',
      metadata: { name: 'podinfo', namespace: 'shop' },
      spec: {
        weighted: { services: [{ name: 'podinfo-primary', namespace: 'shop', port: 9898, weight: 100 }] },
      },
    });
    expect(items.some((i) => i.kind === 'VirtualService')).toBe(false);
  });
});
