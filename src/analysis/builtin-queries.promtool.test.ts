/**
 * Every provider's built-in queries, rendered the way a Canary of that provider gets them
 * (`planMetric`), parsed and evaluated by Prometheus itself: `promtool test rules` runs them over
 * series shaped like that provider's real exporters (metric names, label names, units, the names its
 * objects give the canary), next to series of the primary and of other traffic that must not count.
 *
 * The canary serves 480 2xx, 60 4xx and 60 5xx per minute (success 90%: a 4xx is a success, as in
 * Flagger); its latency histogram puts 50% ≤ 25 ms, 90% ≤ 100 ms, 99% ≤ 250 ms (P99 = 250 ms) and
 * its mean response time is 62.5 ms. The other series all fail and are fast, so counting any of
 * them moves both numbers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CanaryDocument, type CanaryInput } from '../api/canary.js';
import { PROMTOOL_BIN, run } from '../../test/support/prometheus-remote.js';
import { OBSERVERS, type Observer } from './builtin-queries.js';
import { DURATION, SUCCESS_RATE, type BuiltinName } from './builtin.js';
import { planMetric } from './metric-checks.js';

/** Per-minute increments of the canary's requests by status, and of the others (all 503). */
const CANARY_CODES: [string, number][] = [
  ['200', 480],
  ['404', 60],
  ['503', 60],
];
const OTHER_RATE = 6000;
/** Cumulative per-minute bucket counts of the canary by code, in milliseconds; they sum to the P99 layout. */
const BUCKETS_BY_CODE: Record<string, [number, number][]> = {
  '200': [
    [25, 300],
    [100, 480],
    [250, 480],
    [500, 480],
  ],
  '404': [
    [25, 0],
    [100, 60],
    [250, 60],
    [500, 60],
  ],
  '503': [
    [25, 0],
    [100, 0],
    [250, 54],
    [500, 60],
  ],
};
const MEAN_SECONDS_PER_MINUTE = 600 * 0.0625;

interface Series {
  series: string;
  values: string;
}

const perMinute = (increment: number): string => `0+${String(increment)}x10`;
const braces = (labels: string): string => `{${labels}}`;

/** How one provider's exporter shapes the canary's series, and which series it must ignore. */
interface Shape {
  /** The request counter, by status code; undefined when requests are counted by a histogram's +Inf bucket. */
  counter?: { metric: string; labels: (code: string) => string };
  /** The latency histogram: its name, unit, and labels (by status code when the histogram also counts requests). */
  histogram?: { metric: string; unit: 'ms' | 's'; labels: (code: string) => string };
  /** A mean response time from `_sum` / `_count` in seconds (ingress-nginx, Skipper). */
  mean?: { sum: string; count: string; labels: string };
  /** Label sets of other series under the same names: the primary, other directions and routes. */
  others: ((code: string) => string)[];
  /** Other series of the latency histogram only. */
  otherLatencies?: string[];
  /** What the Canary needs to name (routeRef, ingressRef, Knative revision). */
  canary?: Partial<CanaryInput['spec']>;
  knativeRevision?: string;
}

const le = (bound: number | '+Inf', unit: 'ms' | 's'): string =>
  bound === '+Inf' ? '+Inf' : unit === 'ms' ? String(bound) : String(bound / 1000);

const POD = 'podinfo-7b8d5c9f4-x2x9z';
const PRIMARY_POD = 'podinfo-primary-5f6b8c7d9-kq2lm';

const SHAPES: Record<Observer, Shape> = {
  istio: {
    counter: {
      metric: 'istio_requests_total',
      labels: (c) =>
        `reporter="destination",destination_workload_namespace="test",destination_workload="podinfo",response_code="${c}"`,
    },
    histogram: {
      metric: 'istio_request_duration_milliseconds_bucket',
      unit: 'ms',
      labels: (c) =>
        `reporter="destination",destination_workload_namespace="test",destination_workload="podinfo",response_code="${c}"`,
    },
    others: [
      (c) =>
        `reporter="destination",destination_workload_namespace="test",destination_workload="podinfo-primary",response_code="${c}"`,
      (c) =>
        `reporter="source",destination_workload_namespace="test",destination_workload="podinfo",response_code="${c}"`,
    ],
  },
  http: {
    counter: {
      metric: 'http_request_duration_seconds_count',
      labels: (c) => `kubernetes_namespace="test",kubernetes_pod_name="${POD}",status="${c}"`,
    },
    histogram: {
      metric: 'http_request_duration_seconds_bucket',
      unit: 's',
      labels: (c) => `kubernetes_namespace="test",kubernetes_pod_name="${POD}",status="${c}"`,
    },
    others: [(c) => `kubernetes_namespace="test",kubernetes_pod_name="${PRIMARY_POD}",status="${c}"`],
    canary: { provider: 'kubernetes' },
  },
  appmesh: {
    counter: {
      metric: 'envoy_cluster_upstream_rq',
      labels: (c) =>
        `kubernetes_namespace="test",kubernetes_pod_name="${POD}",envoy_cluster_name="cds_ingress_test_podinfo_http_9898",envoy_response_code="${c}"`,
    },
    histogram: {
      metric: 'envoy_cluster_upstream_rq_time_bucket',
      unit: 'ms',
      labels: () =>
        `kubernetes_namespace="test",kubernetes_pod_name="${POD}",envoy_cluster_name="cds_ingress_test_podinfo_http_9898"`,
    },
    others: [
      (c) =>
        `kubernetes_namespace="test",kubernetes_pod_name="${PRIMARY_POD}",envoy_cluster_name="cds_ingress_test_podinfo-primary_http_9898",envoy_response_code="${c}"`,
    ],
    canary: { provider: 'appmesh:v1beta2' },
  },
  linkerd: {
    counter: {
      metric: 'response_total',
      labels: (c) =>
        `namespace="test",deployment="podinfo",pod="${POD}",direction="inbound",status_code="${c}",classification="${c.startsWith('5') ? 'failure' : 'success'}"`,
    },
    histogram: {
      metric: 'response_latency_ms_bucket',
      unit: 'ms',
      labels: (c) => `namespace="test",deployment="podinfo",direction="inbound",status_code="${c}"`,
    },
    others: [
      (c) =>
        `namespace="test",deployment="podinfo-primary",direction="inbound",status_code="${c}",classification="failure"`,
      (c) =>
        `namespace="test",deployment="podinfo",direction="outbound",status_code="${c}",classification="failure"`,
    ],
    canary: { provider: 'linkerd' },
  },
  contour: {
    counter: {
      metric: 'envoy_cluster_upstream_rq',
      labels: (c) => `envoy_cluster_name="test_podinfo-canary_9898",envoy_response_code="${c}"`,
    },
    histogram: {
      metric: 'envoy_cluster_upstream_rq_time_bucket',
      unit: 'ms',
      labels: () => `envoy_cluster_name="test_podinfo-canary_9898"`,
    },
    others: [(c) => `envoy_cluster_name="test_podinfo-primary_9898",envoy_response_code="${c}"`],
    canary: { provider: 'contour' },
  },
  gloo: {
    counter: {
      metric: 'envoy_cluster_upstream_rq',
      labels: (c) =>
        `envoy_cluster_name="test-podinfo-canaryupstream-9898_gloo-system",envoy_response_code="${c}"`,
    },
    histogram: {
      metric: 'envoy_cluster_upstream_rq_time_bucket',
      unit: 'ms',
      labels: () => `envoy_cluster_name="test-podinfo-canaryupstream-9898_gloo-system"`,
    },
    others: [
      (c) => `envoy_cluster_name="test-podinfo-primaryupstream-9898_gloo-system",envoy_response_code="${c}"`,
    ],
    canary: { provider: 'gloo' },
  },
  nginx: {
    counter: {
      metric: 'nginx_ingress_controller_requests',
      labels: (c) =>
        `namespace="test",ingress="podinfo",canary="test-podinfo-canary-9898",service="podinfo",status="${c}"`,
    },
    mean: {
      sum: 'nginx_ingress_controller_response_duration_seconds_sum',
      count: 'nginx_ingress_controller_response_duration_seconds_count',
      labels: 'namespace="test",ingress="podinfo",canary="test-podinfo-canary-9898"',
    },
    // The primary's requests through the same Ingress carry no canary label.
    others: [(c) => `namespace="test",ingress="podinfo",service="podinfo",status="${c}"`],
    canary: {
      provider: 'nginx',
      ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' },
    },
  },
  skipper: {
    histogram: {
      metric: 'skipper_response_duration_seconds_bucket',
      unit: 's',
      labels: (c) => `route="kube_test__podinfo_canary__app_example_org____podinfo_canary",code="${c}"`,
    },
    mean: {
      sum: 'skipper_serve_route_duration_seconds_sum',
      count: 'skipper_serve_route_duration_seconds_count',
      labels: 'route="kube_test__podinfo_canary__app_example_org____podinfo_canary"',
    },
    others: [(c) => `route="kube_test__podinfo__app_example_org____podinfo_primary",code="${c}"`],
    canary: {
      provider: 'skipper',
      ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' },
    },
  },
  traefik: {
    histogram: {
      metric: 'traefik_service_request_duration_seconds_bucket',
      unit: 's',
      labels: (c) =>
        `service="test-podinfo-canary-9898@kubernetescrd",method="GET",protocol="http",code="${c}"`,
    },
    others: [
      (c) => `service="test-podinfo-primary-9898@kubernetescrd",method="GET",protocol="http",code="${c}"`,
    ],
    canary: { provider: 'traefik' },
  },
  osm: {
    counter: {
      metric: 'osm_request_total',
      labels: (c) =>
        `destination_namespace="test",destination_kind="Deployment",destination_name="podinfo",source_name="loadtester",response_code="${c}"`,
    },
    histogram: {
      metric: 'osm_request_duration_ms_bucket',
      unit: 'ms',
      labels: () => `destination_namespace="test",destination_kind="Deployment",destination_name="podinfo"`,
    },
    others: [
      (c) =>
        `destination_namespace="test",destination_kind="Deployment",destination_name="podinfo-primary",response_code="${c}"`,
    ],
    canary: { provider: 'osm' },
  },
  kuma: {
    counter: {
      metric: 'envoy_cluster_upstream_rq',
      labels: (c) =>
        `service="podinfo-canary_test_svc_9898",envoy_cluster_name="podinfo-canary_test_svc_9898",envoy_response_code="${c}"`,
    },
    histogram: {
      metric: 'envoy_cluster_upstream_rq_time_bucket',
      unit: 'ms',
      labels: () =>
        `service="podinfo-canary_test_svc_9898",envoy_cluster_name="podinfo-canary_test_svc_9898"`,
    },
    others: [
      (c) =>
        `service="podinfo-primary_test_svc_9898",envoy_cluster_name="podinfo-primary_test_svc_9898",envoy_response_code="${c}"`,
    ],
    canary: { provider: 'kuma' },
  },
  apisix: {
    counter: {
      metric: 'apisix_http_status',
      labels: (c) =>
        `route="test_podinfo-route-podinfo-canary_3f2a",matched_host="app.example.org",code="${c}"`,
    },
    histogram: {
      metric: 'apisix_http_latency_bucket',
      unit: 'ms',
      labels: () => `type="request",route="test_podinfo-route-podinfo-canary_3f2a"`,
    },
    others: [
      (c) => `route="test_podinfo-route-podinfo-primary_3f2a",matched_host="app.example.org",code="${c}"`,
    ],
    // APISIX's upstream latency of the same route is another type: not the request's.
    otherLatencies: ['type="upstream",route="test_podinfo-route-podinfo-canary_3f2a"'],
    canary: {
      provider: 'apisix',
      routeRef: { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', name: 'podinfo-route' },
    },
  },
  knative: {
    counter: {
      metric: 'envoy_cluster_upstream_rq',
      labels: (c) => `envoy_cluster_name="test/podinfo-00002",envoy_response_code="${c}"`,
    },
    histogram: {
      metric: 'envoy_cluster_upstream_rq_time_bucket',
      unit: 'ms',
      labels: () => `envoy_cluster_name="test/podinfo-00002"`,
    },
    others: [(c) => `envoy_cluster_name="test/podinfo-00001",envoy_response_code="${c}"`],
    canary: {
      provider: 'knative',
      targetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'podinfo' },
    },
    knativeRevision: 'podinfo-00002',
  },
};

/** The canary's histogram: one series per status code when the histogram carries it, else summed. */
function histogramSeries(h: NonNullable<Shape['histogram']>): Series[] {
  const byCode = h.labels('200') !== h.labels('404');
  const codes = byCode ? Object.keys(BUCKETS_BY_CODE) : ['all'];
  return codes.flatMap((code) => {
    const buckets: [number | '+Inf', number][] = byCode
      ? (BUCKETS_BY_CODE[code] ?? [])
      : [25, 100, 250, 500].map((bound, i) => [
          bound,
          Object.values(BUCKETS_BY_CODE).reduce((sum, b) => sum + (b[i]?.[1] ?? 0), 0),
        ]);
    const total = buckets[buckets.length - 1]?.[1] ?? 0;
    return [...buckets, ['+Inf', total] as [number | '+Inf', number]].map(([bound, count]) => ({
      series: `${h.metric}${braces(`${h.labels(code)},le="${le(bound, h.unit)}"`)}`,
      values: perMinute(count),
    }));
  });
}

/** Every series of one provider's world: the canary's, and the others' (all 503, all fast). */
function seriesOf(shape: Shape): Series[] {
  const series: Series[] = [];
  if (shape.counter !== undefined) {
    const { metric, labels } = shape.counter;
    for (const [code, n] of CANARY_CODES)
      series.push({ series: `${metric}${braces(labels(code))}`, values: perMinute(n) });
    for (const other of shape.others)
      series.push({ series: `${metric}${braces(other('503'))}`, values: perMinute(OTHER_RATE) });
  }
  if (shape.histogram !== undefined) {
    const h = shape.histogram;
    series.push(...histogramSeries(h));
    const others = [...shape.others.map((other) => other('503')), ...(shape.otherLatencies ?? [])];
    for (const other of others)
      for (const bound of [25, '+Inf'] as const)
        series.push({
          series: `${h.metric}${braces(`${other},le="${le(bound, h.unit)}"`)}`,
          values: perMinute(OTHER_RATE),
        });
  }
  if (shape.mean !== undefined) {
    const { sum, count, labels } = shape.mean;
    series.push({ series: `${sum}${braces(labels)}`, values: perMinute(MEAN_SECONDS_PER_MINUTE) });
    series.push({ series: `${count}${braces(labels)}`, values: perMinute(600) });
    for (const other of shape.others) {
      series.push({ series: `${sum}${braces(other('503'))}`, values: perMinute(OTHER_RATE * 0.001) });
      series.push({ series: `${count}${braces(other('503'))}`, values: perMinute(OTHER_RATE) });
    }
  }
  return series;
}

function canaryOf(shape: Shape, namespace: string) {
  return CanaryDocument.parse({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 },
      ...shape.canary,
    },
  });
}

async function queryOf(observer: Observer, name: BuiltinName, namespace = 'test'): Promise<string> {
  const shape = SHAPES[observer];
  const revision = shape.knativeRevision;
  const { plan } = await planMetric(
    canaryOf(shape, namespace),
    { name, interval: '1m' },
    {
      templates: () => Promise.resolve(undefined),
      metricsServer: 'http://prometheus.invalid:9090',
      knativeRevision: () => Promise.resolve(revision),
    },
  );
  expect(plan.error).toBeUndefined();
  expect(plan.observer).toBe(observer);
  return plan.query ?? '';
}

/** The value each provider's duration query yields: P99 in its histogram's unit, or the mean in ms. */
function expectedDuration(shape: Shape): number {
  if (shape.mean !== undefined) return 62.5;
  return shape.histogram?.unit === 's' ? 0.25 : 250;
}

async function groupOf(observer: Observer, wrong = false) {
  const shape = SHAPES[observer];
  // Traefik's duration query multiplies its seconds by 1000 in PromQL; Flagger's http observer in Go.
  const duration = observer === 'traefik' ? 250 : expectedDuration(shape);
  return {
    interval: '1m',
    name: observer,
    input_series: seriesOf(shape),
    promql_expr_test: [
      {
        expr: await queryOf(observer, SUCCESS_RATE),
        eval_time: '5m',
        exp_samples: [{ labels: '{}', value: wrong ? 91 : 90 }],
      },
      {
        expr: await queryOf(observer, DURATION),
        eval_time: '5m',
        exp_samples: [{ labels: '{}', value: duration }],
      },
      // The same Canary in a namespace with no traffic: an empty result (Serin's `unknown`), never 0 or 100.
      { expr: await queryOf(observer, SUCCESS_RATE, 'nosuch'), eval_time: '5m', exp_samples: [] },
      { expr: await queryOf(observer, DURATION, 'nosuch'), eval_time: '5m', exp_samples: [] },
    ],
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serin-promtool-providers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function promtool(name: string, tests: unknown[]) {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, stringify({ rule_files: [], evaluation_interval: '1m', tests }));
  return run(PROMTOOL_BIN, ['test', 'rules', file]);
}

describe(`built-in queries of all ${String(OBSERVERS.length)} providers under promtool test rules`, () => {
  it('each provider measures its canary: 90% success, P99 250 ms (or mean 62.5 ms)', async () => {
    const groups = await Promise.all(OBSERVERS.map((o) => groupOf(o)));
    const result = await promtool('providers', groups);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('fails when a provider is held to a wrong value (the check can fail)', async () => {
    const result = await promtool('wrong', [await groupOf('nginx', true)]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('FAILED');
  });
});
