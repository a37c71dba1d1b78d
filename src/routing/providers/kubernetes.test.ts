import { describe, expect, it } from 'vitest';
import { describeProviderContract } from '../../../test/support/routing-provider-contract.js';
import { CanaryDocument } from '../../api/canary.js';
import { canaryCapabilities } from '../../api/capabilities.js';
import { kubernetesProvider } from './kubernetes.js';

/** Flagger's own blue/green Canary for the kubernetes provider (its e2e test-deployment.sh). */
const raw = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: '1f0c5a52-0000-4000-8000-000000000002' },
  spec: {
    provider: 'kubernetes',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    progressDeadlineSeconds: 60,
    service: { port: 80, targetPort: 9898, name: 'podinfo-svc', portDiscovery: true },
    analysis: { interval: '15s', threshold: 10, iterations: 5 },
  },
};

describeProviderContract(kubernetesProvider, () => ({ canary: CanaryDocument.parse(raw), raw }));

function withAnalysis(analysis: Record<string, unknown>) {
  return { ...raw, spec: { ...raw.spec, analysis: { interval: '15s', threshold: 10, ...analysis } } };
}

const errorsOf = (doc: unknown) =>
  canaryCapabilities(doc)
    .filter((i) => i.severity === 'error')
    .map((i) => i.path);

describe('kubernetes provider', () => {
  it('renders no routing object: the Services are the whole of it', () => {
    const canary = CanaryDocument.parse(raw);
    expect(
      kubernetesProvider.render(
        canary,
        { primaryWeight: 0, canaryWeight: 100, mirrored: false },
        () => undefined,
      ),
    ).toEqual([]);
    expect(kubernetesProvider.finalize(canary, () => undefined)).toEqual({ delete: [], apply: [] });
  });

  it('refuses a weighted split, naming the field (Flagger only runs blue/green here)', () => {
    expect(errorsOf(withAnalysis({ maxWeight: 50, stepWeight: 10 }))).toEqual([
      'spec.analysis.stepWeight',
      'spec.analysis.maxWeight',
    ]);
    expect(errorsOf(withAnalysis({ stepWeights: [10, 50] }))).toEqual(['spec.analysis.stepWeights']);
  });

  it('refuses A/B matches and mirroring, which Flagger drops with a warning', () => {
    expect(
      errorsOf(withAnalysis({ iterations: 5, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] })),
    ).toEqual(['spec.analysis.match']);
    expect(
      errorsOf(
        withAnalysis({
          iterations: 5,
          match: [{ headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }],
        }),
      ),
    ).toEqual(['spec.analysis.match']);
    expect(errorsOf(withAnalysis({ iterations: 5, mirror: true }))).toEqual(['spec.analysis.mirror']);
  });

  it("reads the split the engine recorded, as Flagger's NopRouter does", () => {
    const canary = CanaryDocument.parse({ ...raw, status: { phase: 'Progressing', canaryWeight: 100 } });
    expect(kubernetesProvider.read(canary, () => undefined)).toEqual({
      primaryWeight: 0,
      canaryWeight: 100,
      mirrored: false,
    });
  });
});
