import { describe, expect, it } from 'vitest';
import { CanaryDocument, type Canary } from '../api/canary.js';
import { primaryQuery, primaryScaledObjectSpec } from './scaled-object.js';

const canaryWith = (autoscalerRef: Record<string, unknown>): Canary =>
  CanaryDocument.parse({
    apiVersion: 'serin.dev/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      autoscalerRef: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        name: 'podinfo-so',
        ...autoscalerRef,
      },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, stepWeight: 10 },
    },
  });

describe('the primary ScaledObject (Flagger scaled_object_reconciler)', () => {
  it('renames both the target and its -canary to -primary in a query, never doubling the suffix', () => {
    const canary = canaryWith({});
    const query = 'sum(rate(http_requests_total{deployment="podinfo"}[1m])) / sum(up{job="podinfo-canary"})';
    expect(primaryQuery(canary, { name: 'rps' }, query)).toBe(
      'sum(rate(http_requests_total{deployment="podinfo-primary"}[1m])) / sum(up{job="podinfo-primary"})',
    );
  });

  it('takes primaryScalerQueries by trigger name, leaving unnamed or unlisted triggers as they are', () => {
    const canary = canaryWith({ primaryScalerQueries: { rps: 'sum(primary_rps)' } });
    expect(primaryQuery(canary, { name: 'rps' }, 'sum(rps{deployment="podinfo"})')).toBe('sum(primary_rps)');
    expect(primaryQuery(canary, { name: 'other' }, 'q{deployment="podinfo"}')).toBe(
      'q{deployment="podinfo"}',
    );
    expect(primaryQuery(canary, {}, 'q')).toBe('q');
  });

  it('points at the primary, applies primaryScalerReplicas and renames a custom HPA name', () => {
    const canary = canaryWith({ primaryScalerReplicas: { minReplicas: 3, maxReplicas: 9 } });
    const spec = primaryScaledObjectSpec(canary, {
      scaleTargetRef: { kind: 'Deployment', name: 'podinfo' },
      minReplicaCount: 1,
      maxReplicaCount: 4,
      advanced: { horizontalPodAutoscalerConfig: { name: 'podinfo-hpa' } },
      triggers: [{ type: 'cpu', metadata: { value: '50' } }],
    });
    expect(spec).toEqual({
      scaleTargetRef: { kind: 'Deployment', name: 'podinfo-primary' },
      minReplicaCount: 3,
      maxReplicaCount: 9,
      advanced: { horizontalPodAutoscalerConfig: { name: 'podinfo-hpa-primary' } },
      triggers: [{ type: 'cpu', metadata: { value: '50' } }],
    });
  });
});
