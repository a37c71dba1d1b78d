import { describe, expect, it } from 'vitest';
import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { CanaryDocument } from '../../api/canary.js';
import { Resources } from '../../kubernetes/resources.js';
import { istioProvider } from './istio.js';

const base = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000002' },
  spec: {
    provider: 'istio',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  },
};

describeProviderContract(istioProvider, () => ({ canary: CanaryDocument.parse(base), raw: base }));

const merged = structuredClone(base);
(merged.spec.service as Record<string, unknown>).routing = 'merge';
const userVirtualService = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    hosts: ['podinfo.example.com'],
    http: [
      {
        name: 'legacy',
        match: [{ uri: { prefix: '/legacy' } }],
        route: [{ destination: { host: 'legacy' } }],
      },
      { name: 'main', route: [{ destination: { host: 'podinfo' } }] },
    ],
  },
};
describeProviderContract(istioProvider, () => ({
  canary: CanaryDocument.parse(merged),
  raw: merged,
  inputs: [userVirtualService],
}));

describe('istio provider in merge mode', () => {
  it("keeps the user's other routes", () => {
    const canary = CanaryDocument.parse(merged);
    const [vs] = istioProvider
      .render(canary, { primaryWeight: 70, canaryWeight: 30, mirrored: false }, (r, n) =>
        r === Resources.virtualService && n === 'podinfo' ? userVirtualService : undefined,
      )
      .filter((o) => o.kind === 'VirtualService');
    expect((vs?.spec as { http: unknown[] }).http[0]).toEqual(userVirtualService.spec.http[0]);
  });
});
