import { describe, expect, it } from 'vitest';
import { expectAcceptedByCrd } from '../../../test/support/crd-schema.js';
import { providerCanary } from '../../../test/support/provider-fixture.js';
import { lookupOf } from '../../../test/support/routing-provider-contract.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { linkerdProvider } from './linkerd.js';
import { osmProvider } from './osm.js';
import { providerNamed } from './registry.js';
import { smiV1alpha2Provider } from './smi-v1alpha2.js';
import { smiV1alpha3Provider } from './smi-v1alpha3.js';

const at = (canaryWeight: number) => ({ primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false });

describe("SMI TrafficSplit, in the versions Flagger's factory picks", () => {
  it.each([
    ['linkerd', 'v1alpha1'],
    ['smi:v1alpha1', 'v1alpha1'],
    ['smi:v1alpha2', 'v1alpha2'],
    ['osm', 'v1alpha2'],
    ['smi:v1alpha3', 'v1alpha3'],
  ])('%s writes split.smi-spec.io/%s', (name, version) => {
    const provider = providerNamed(name)!;
    const { canary } = providerCanary(name);
    const [split] = provider.render(canary, at(10), () => undefined);
    expect(split?.apiVersion).toBe(`split.smi-spec.io/${version}`);
    expect(provider.resources.map((r) => `${r.group}/${r.version}`)).toEqual([
      `split.smi-spec.io/${version}`,
    ]);
  });

  it('v1alpha1 writes weights as quantities, canary first, as Flagger does', () => {
    const { canary } = providerCanary('linkerd');
    const [split] = linkerdProvider.render(canary, at(30), () => undefined);
    expect(split).toEqual({
      apiVersion: 'split.smi-spec.io/v1alpha1',
      kind: 'TrafficSplit',
      metadata: {
        name: 'podinfo',
        namespace: 'test',
        ownerReferences: [expect.objectContaining({ kind: 'Canary', name: 'podinfo', controller: true })],
      },
      spec: {
        service: 'podinfo',
        backends: [
          { service: 'podinfo-canary', weight: '30' },
          { service: 'podinfo-primary', weight: '70' },
        ],
      },
    });
    expectAcceptedByCrd(split!);
  });

  it.each([
    ['osm', osmProvider],
    ['smi:v1alpha2', smiV1alpha2Provider],
    ['smi:v1alpha3', smiV1alpha3Provider],
  ])('%s writes integer weights the CRD accepts', (name, provider) => {
    const { canary } = providerCanary(name);
    const [split] = provider.render(canary, at(45), () => undefined);
    expect((split?.spec as { backends: unknown }).backends).toEqual([
      { service: 'podinfo-canary', weight: 45 },
      { service: 'podinfo-primary', weight: 55 },
    ]);
    expectAcceptedByCrd(split!);
  });

  it('the apex of the split is the first host, then the apex Service (Flagger)', () => {
    const { canary } = providerCanary('smi:v1alpha2', { service: { name: 'shop', hosts: ['shop.mesh'] } });
    const [split] = smiV1alpha2Provider.render(canary, at(0), () => undefined);
    expect(split?.metadata.name).toBe('shop');
    expect((split?.spec as { service: string }).service).toBe('shop.mesh');
  });

  it('reads a quantity weight a server or a user wrote as a number or a string', () => {
    const { canary } = providerCanary('linkerd');
    const live = {
      apiVersion: 'split.smi-spec.io/v1alpha1',
      kind: 'TrafficSplit',
      metadata: { name: 'podinfo' },
      spec: {
        service: 'podinfo',
        backends: [
          { service: 'podinfo-primary', weight: 80 },
          { service: 'podinfo-canary', weight: '20' },
        ],
      },
    };
    expect(linkerdProvider.read(canary, lookupOf([live]))).toEqual(at(20));
  });

  it('a quantity outside whole numbers is not read as a weight', () => {
    const { canary } = providerCanary('linkerd');
    const live = {
      apiVersion: 'split.smi-spec.io/v1alpha1',
      kind: 'TrafficSplit',
      metadata: { name: 'podinfo' },
      spec: { service: 'podinfo', backends: [{ service: 'podinfo-canary', weight: '500m' }] },
    };
    expect(linkerdProvider.read(canary, lookupOf([live]))).toEqual(at(0));
  });

  it('v1alpha2 refuses a quantity string, as its CRD does', () => {
    const { canary } = providerCanary('linkerd');
    const [split] = linkerdProvider.render(canary, at(10), () => undefined);
    expect(() => {
      expectAcceptedByCrd({ ...split!, apiVersion: 'split.smi-spec.io/v1alpha2' });
    }).toThrow();
  });
});

describe('what a TrafficSplit cannot carry is refused, naming the field', () => {
  const blocking = (name: string, spec: Record<string, unknown>, analysis?: Record<string, unknown>) =>
    canaryCapabilities(providerCanary(name, spec, analysis).raw)
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.path}: ${i.message}`);

  it.each(['linkerd', 'osm', 'smi:v1alpha1', 'smi:v1alpha2', 'smi:v1alpha3'])(
    '%s: header and cookie A/B, mirroring, session affinity',
    (name) => {
      const ab = {
        interval: '1m',
        threshold: 5,
        iterations: 10,
        match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
      };
      expect(blocking(name, {}, ab)).toEqual([
        expect.stringMatching(
          /^spec\.analysis\.match: routing on request headers: the .* provider cannot express it$/,
        ),
      ]);
      const cookie = { ...ab, match: [{ headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }] };
      expect(blocking(name, {}, cookie)).toEqual([
        expect.stringContaining('spec.analysis.match: routing on a cookie'),
      ]);
      const mirror = { interval: '1m', threshold: 5, iterations: 10, mirror: true };
      expect(blocking(name, {}, mirror)).toEqual([expect.stringContaining('spec.analysis.mirror')]);
      const sticky = {
        interval: '1m',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        sessionAffinity: { cookieName: 'c' },
      };
      expect(blocking(name, {}, sticky)).toEqual([expect.stringContaining('spec.analysis.sessionAffinity')]);
    },
  );

  it('service routing fields the TrafficSplit has no place for', () => {
    expect(
      blocking('linkerd', {
        service: {
          timeout: '30s',
          retries: { attempts: 3 },
          headers: { request: { add: { 'x-a': 'b' } } },
          match: [{ uri: { prefix: '/api' } }],
        },
      }),
    ).toEqual([
      'spec.service.timeout: a request timeout: the linkerd provider cannot express it',
      'spec.service.retries: retries: the linkerd provider cannot express it',
      'spec.service.headers: request and response header rules: the linkerd provider cannot express it',
      'spec.service.match: extra request matches: the linkerd provider cannot express it',
    ]);
  });

  it('gateways and extra hosts are reported as ignored, not errors', () => {
    const issues = canaryCapabilities(
      providerCanary('osm', { service: { hosts: ['a.mesh', 'b.mesh'], gateways: ['public'] } }).raw,
    );
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['spec.service.hosts', 'spec.service.gateways']),
    );
  });
});
