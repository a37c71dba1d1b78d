import { CanaryDocument, type Canary, type CanaryInput } from '../../api/canary.js';

type AnalysisInput = NonNullable<CanaryInput['spec']['analysis']>;

/** A validated Canary for engine tests: podinfo in namespace test, 1m interval, threshold 5. */
export function makeCanary(
  analysis: Partial<AnalysisInput> = {},
  spec: Partial<CanaryInput['spec']> = {},
  apiVersion = 'serin.dev/v1beta1',
): Canary {
  return CanaryDocument.parse({
    apiVersion,
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', generation: 1 },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, ...analysis },
      ...spec,
    },
  });
}
