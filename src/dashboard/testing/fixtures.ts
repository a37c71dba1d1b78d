/** Canaries for the dashboard's tests and its simulated rollouts. */
import { CanaryDocument, type Canary, type CanaryStatus } from '../../api/canary.js';

export function sampleCanary(name = 'podinfo', namespace = 'test', status?: CanaryStatus): Canary {
  return CanaryDocument.parse({
    apiVersion: 'serin.dev/v1',
    kind: 'Canary',
    metadata: { name, namespace, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      analysis: {
        interval: '10s',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [
          { name: 'request-success-rate', thresholdRange: { min: 99 } },
          { name: 'request-duration', thresholdRange: { max: 500 } },
        ],
        webhooks: [
          { name: 'load-test', type: 'rollout', url: 'http://127.0.0.1:1/load' },
          { name: 'approve-promotion', type: 'confirm-promotion', url: 'http://127.0.0.1:1/gate' },
        ],
      },
    },
    ...(status ? { status } : {}),
  });
}
