/**
 * Synthetic Istio telemetry as OpenMetrics text with fixed timestamps, for backfilling a real
 * Prometheus. Counters grow linearly, so every rate and quantile has an exact expected value.
 */
export const FIXTURE_START_SECONDS = 1_704_067_200; // 2024-01-01T00:00:00Z
export const FIXTURE_STEP_SECONDS = 15;
export const FIXTURE_STEPS = 40; // 10 minutes

export interface WorkloadTraffic {
  namespace: string;
  workload: string;
  /** Requests per second by response code. */
  perSecondByCode: Record<string, number>;
  /** Cumulative requests per second by bucket upper bound (`+Inf` last). */
  bucketsPerSecond?: [string, number][];
  reporter?: string;
}

/** The Istio/Envoy default bucket layout with Flagger's documented example rates (p99 = 240.53 ms). */
export const EXAMPLE_BUCKETS: [string, number][] = [
  ['5', 2],
  ['10', 4],
  ['25', 7],
  ['50', 9],
  ['100', 10],
  ['250', 10.95],
  ['500', 11],
  ['+Inf', 11],
];

function labels(t: WorkloadTraffic, extra: Record<string, string>): string {
  const all: Record<string, string> = {
    reporter: t.reporter ?? 'destination',
    destination_workload: t.workload,
    destination_workload_namespace: t.namespace,
    ...extra,
  };
  return `{${Object.entries(all)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

function series(name: string, labelText: string, perSecond: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i <= FIXTURE_STEPS; i++) {
    const t = FIXTURE_START_SECONDS + i * FIXTURE_STEP_SECONDS;
    lines.push(`${name}${labelText} ${perSecond * i * FIXTURE_STEP_SECONDS} ${t}`);
  }
  return lines;
}

export function istioOpenMetrics(traffic: readonly WorkloadTraffic[]): string {
  const requests = ['# TYPE istio_requests_total unknown'];
  const buckets = ['# TYPE istio_request_duration_milliseconds_bucket unknown'];
  for (const t of traffic) {
    for (const [code, rate] of Object.entries(t.perSecondByCode)) {
      requests.push(...series('istio_requests_total', labels(t, { response_code: code }), rate));
    }
    for (const [le, rate] of t.bucketsPerSecond ?? []) {
      buckets.push(...series('istio_request_duration_milliseconds_bucket', labels(t, { le }), rate));
    }
  }
  return [...requests, ...buckets, '# EOF', ''].join('\n');
}

/** A time inside the fixture where every 1m window is full. */
export const FIXTURE_EVAL_TIME = new Date((FIXTURE_START_SECONDS + 8 * 60) * 1000);
