/**
 * The contract between Serin's local router and the analysis: cumulative, Istio-shaped counters
 * per workload, read without Prometheus. The router's `snapshot()` returns this shape; the
 * analysis turns successive snapshots into rates over a metric's interval (see local-window.ts).
 */
export interface LocalWorkloadCounters {
  /** `destination` (what the workload served) or `source` (what clients saw); checks use `destination`. */
  reporter: 'source' | 'destination';
  /** The `destination_workload` label: `<target>` for the canary, `<target>-primary` for the primary. */
  workload: string;
  /** The `destination_workload_namespace` label. */
  namespace: string;
  /** Requests since the router started (cumulative, like `istio_requests_total`). */
  requests: number;
  /** Requests whose response code does not start with 5 (`response_code!~"5.*"`), cumulative. */
  nonServerErrors: number;
  /** Cumulative `istio_request_duration_milliseconds_bucket` counts, ascending `le`, last `+Inf`. */
  durationBuckets: readonly { le: number; count: number }[];
}

export interface LocalMetricsSnapshot {
  /** When the counters were read (Unix ms). */
  takenAtMs: number;
  workloads: readonly LocalWorkloadCounters[];
}

export interface LocalMetricsSource {
  snapshot(): LocalMetricsSnapshot;
}
