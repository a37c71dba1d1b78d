/**
 * Built-in checks through the metrics path: which provider's query a Canary's plan carries, where
 * the metrics come from, and (against a real, backfilled Prometheus) how the value is scaled and
 * judged for a provider whose query yields seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryDocument, type Canary, type CanaryInput } from '../api/canary.js';
import type { MetricTemplate } from '../api/metric-template.js';
import {
  FIXTURE_EVAL_TIME,
  FIXTURE_START_SECONDS,
  FIXTURE_STEPS,
  FIXTURE_STEP_SECONDS,
} from '../../test/support/istio-openmetrics.js';
import { startPrometheus, type RunningPrometheus } from '../../test/support/prometheus-remote.js';
import { DURATION, SUCCESS_RATE } from './builtin.js';
import { evaluateMetric, planMetric, type MetricSources } from './metric-checks.js';

function canary(spec: Partial<CanaryInput['spec']> = {}): Canary {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 },
      ...spec,
    },
  });
}

const sources = (extra: Partial<MetricSources> = {}): MetricSources => ({
  templates: () => Promise.resolve(undefined),
  metricsServer: 'http://prometheus.invalid:9090',
  ...extra,
});

describe("a built-in's plan", () => {
  it("carries the Canary's provider's query", async () => {
    const { plan } = await planMetric(
      canary({ provider: 'nginx' }),
      { name: SUCCESS_RATE, interval: '1m' },
      sources(),
    );
    expect(plan).toMatchObject({ kind: 'builtin', source: 'prometheus', observer: 'nginx' });
    expect(plan.query).toContain(
      'nginx_ingress_controller_requests{ namespace="test", ingress="podinfo", canary!=""',
    );
  });

  it("takes the controller's default provider for a Canary without spec.provider", async () => {
    const { plan } = await planMetric(
      canary(),
      { name: DURATION, interval: '1m' },
      sources({ defaultProvider: 'gateway-api' }),
    );
    expect(plan.observer).toBe('http');
    expect(plan.query).toContain('http_request_duration_seconds_bucket');
  });

  it("runs Istio's queries when Serin's router emits the metrics (local mode), whatever the provider", async () => {
    const { plan } = await planMetric(
      canary({ provider: 'nginx' }),
      { name: SUCCESS_RATE, interval: '1m' },
      sources({ routerMetrics: true }),
    );
    expect(plan.observer).toBe('istio');
    expect(plan.query).toContain('istio_requests_total');
  });

  it('knative: names the latest created revision, and says so when it is not known', async () => {
    const knative = canary({
      provider: 'knative',
      targetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'podinfo' },
    });
    const metric = { name: SUCCESS_RATE, interval: '1m' };
    const missing = await planMetric(knative, metric, sources());
    expect(missing.plan.error).toMatch(/Knative Service test\/podinfo.*status\.latestCreatedRevisionName/);
    const known = await planMetric(
      knative,
      metric,
      sources({ knativeRevision: () => Promise.resolve('podinfo-00003') }),
    );
    expect(known.plan.error).toBeUndefined();
    expect(known.plan.query).toContain('envoy_cluster_name=~"test/podinfo-00003"');
    const failing = await planMetric(
      knative,
      metric,
      sources({ knativeRevision: () => Promise.reject(new Error('forbidden')) }),
    );
    expect(failing.plan.error).toBe('cannot read Knative Service test/podinfo: forbidden');
  });

  it("knative: a MetricTemplate's {{ route }} is the latest created revision too, as in Flagger", async () => {
    const knative = canary({
      provider: 'knative',
      targetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'podinfo' },
    });
    const template: MetricTemplate = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'errors', namespace: 'test' },
      spec: {
        provider: { type: 'prometheus', address: 'http://prometheus.invalid:9090' },
        query:
          'sum(rate(revision_request_count{revision_name="{{ route }}", response_code_class="5xx"}[{{ interval }}]))',
      },
    };
    const metric = { name: 'errors', templateRef: { name: 'errors' }, interval: '1m' };
    const withTemplate = (extra: Partial<MetricSources>) =>
      sources({ templates: () => Promise.resolve(template), ...extra });
    const known = await planMetric(
      knative,
      metric,
      withTemplate({ knativeRevision: () => Promise.resolve('podinfo-00003') }),
    );
    expect(known.plan.query).toContain('revision_name="podinfo-00003"');
    const missing = await planMetric(knative, metric, withTemplate({}));
    expect(missing.plan.error).toMatch(/Knative Service test\/podinfo.*status\.latestCreatedRevisionName/);
  });
});

/** The application's own histogram in seconds (Flagger's kubernetes/gatewayapi observer), canary and primary. */
function httpOpenMetrics(): string {
  const pods = [
    // P99 of the canary: 0.235 s (interpolated in the 0.1-0.25 bucket). The primary is slow alike: 0.28 s.
    {
      pod: 'podinfo-7b8d5c9f4-x2x9z',
      buckets: [
        ['0.1', 9],
        ['0.25', 10],
        ['+Inf', 10],
      ],
    },
    {
      pod: 'podinfo-primary-5f6b8c7d9-kq2lm',
      buckets: [
        ['0.1', 9],
        ['0.3', 10],
        ['+Inf', 10],
      ],
    },
  ];
  const lines = ['# TYPE http_request_duration_seconds_bucket unknown'];
  for (const { pod, buckets } of pods)
    for (const [le, perSecond] of buckets)
      for (let i = 0; i <= FIXTURE_STEPS; i++)
        lines.push(
          `http_request_duration_seconds_bucket{kubernetes_namespace="test",kubernetes_pod_name="${pod}",le="${String(le)}"} ${String(Number(perSecond) * i * FIXTURE_STEP_SECONDS)} ${String(FIXTURE_START_SECONDS + i * FIXTURE_STEP_SECONDS)}`,
        );
  // Contour's Envoy, canary cluster: P99 in milliseconds (0 to 500 ms bucket: 495 ms).
  lines.push('# TYPE envoy_cluster_upstream_rq_time_bucket unknown');
  for (const [le, perSecond] of [
    ['500', 10],
    ['+Inf', 10],
  ] as const)
    for (let i = 0; i <= FIXTURE_STEPS; i++)
      lines.push(
        `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="test_podinfo-canary_9898",le="${le}"} ${String(perSecond * i * FIXTURE_STEP_SECONDS)} ${String(FIXTURE_START_SECONDS + i * FIXTURE_STEP_SECONDS)}`,
      );
  return [...lines, '# EOF', ''].join('\n');
}

let prometheus: RunningPrometheus;
beforeAll(async () => {
  prometheus = await startPrometheus({ openMetrics: httpOpenMetrics() });
}, 120_000);
afterAll(async () => {
  await prometheus.stop();
});

describe('a built-in measured on a real Prometheus', () => {
  const duration = (max: number) => ({ name: DURATION, interval: '1m', thresholdRange: { max } });

  it("kubernetes provider: the P99 in seconds is judged in milliseconds, as Flagger's http observer does", async () => {
    const c = canary({ provider: 'kubernetes' });
    const s = { ...sources(), metricsServer: prometheus.url };
    const pass = await evaluateMetric(c, duration(235), s, FIXTURE_EVAL_TIME);
    expect(pass).toMatchObject({ verdict: 'pass', value: 235 });
    const fail = await evaluateMetric(c, duration(234), s, FIXTURE_EVAL_TIME);
    expect(fail).toMatchObject({ verdict: 'fail', value: 235 });
  });

  it('the noise guard asks the primary where {{ target }} names it, and says why not elsewhere', async () => {
    const s = { ...sources(), metricsServer: prometheus.url };
    const guarded = canary({ provider: 'kubernetes' });
    guarded.spec.analysis = { ...guarded.spec.analysis, noiseGuard: true } as typeof guarded.spec.analysis;
    const environmental = await evaluateMetric(guarded, duration(200), s, FIXTURE_EVAL_TIME);
    expect(environmental.verdict).toBe('environmental');
    expect(environmental.message).toContain('primary 280');

    const contour = canary({ provider: 'contour' });
    contour.spec.analysis = { ...contour.spec.analysis, noiseGuard: true } as typeof contour.spec.analysis;
    const failed = await evaluateMetric(contour, duration(200), s, FIXTURE_EVAL_TIME);
    expect(failed).toMatchObject({ verdict: 'fail', value: 495 });
    expect(failed.message).toContain(
      'not compared with the primary: the contour built-in finds the canary by the names of its contour objects',
    );
  });
});
