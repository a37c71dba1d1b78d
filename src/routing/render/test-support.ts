import { CanaryDocument, type Canary, type CanaryInput } from '../../api/canary.js';

/** A parsed, defaulted Canary for tests, with the podinfo example's basics filled in. */
export function makeCanary(
  service: Partial<CanaryInput['spec']['service']> = {},
  analysis: CanaryInput['spec']['analysis'] = { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
  extra: Partial<CanaryInput['spec']> = {},
  status?: CanaryInput['status'],
): Canary {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898, ...service },
      analysis,
      ...extra,
    },
    ...(status ? { status } : {}),
  });
}
