import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Envoy's default histogram buckets, which Istio uses for `istio_request_duration_milliseconds`
 * unless a pod overrides them. Keeping them identical keeps `histogram_quantile` answers identical.
 */
export const ISTIO_DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
] as const;

/** Istio's label names, in Istio's order (the subset that local mode can fill meaningfully). */
export const ISTIO_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'destination_workload',
  'destination_workload_namespace',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_version',
  'destination_canonical_service',
  'response_code',
  'response_flags',
  'request_protocol',
  'connection_security_policy',
] as const;

export type Reporter = 'source' | 'destination';

/** Who served (or should have served) a request. `unknown` values are what Istio reports too. */
export interface DestinationIdentity {
  workload: string;
  workloadNamespace: string;
  serviceName: string;
  serviceNamespace: string;
  version: string;
  canonicalService: string;
}

export const UNKNOWN_DESTINATION: DestinationIdentity = {
  workload: 'unknown',
  workloadNamespace: 'unknown',
  serviceName: 'unknown',
  serviceNamespace: 'unknown',
  version: 'unknown',
  canonicalService: 'unknown',
};

export interface RequestRecord {
  reporter: Reporter;
  destination: DestinationIdentity;
  /** HTTP status sent, or 0 when no response was sent (client went away, reset). */
  responseCode: number;
  /** Envoy response flags joined by `,`, or `-`. */
  responseFlags: string;
  durationMs: number;
}

/** Counters for one workload as seen by one reporter, readable without Prometheus. */
export interface WorkloadStats {
  reporter: Reporter;
  workload: string;
  namespace: string;
  version: string;
  requests: number;
  /** Requests whose response code does not start with 5 (Flagger's success definition). */
  nonServerErrors: number;
  /** Cumulative counts per `ISTIO_DURATION_BUCKETS_MS` boundary, then +Inf. */
  durationBuckets: { le: number; count: number }[];
  durationSumMs: number;
}

export interface TelemetrySnapshot {
  takenAtMs: number;
  workloads: WorkloadStats[];
}

interface SeriesChildren {
  requests: { inc(): void };
  duration: { observe(value: number): void };
}

interface Aggregate {
  stats: WorkloadStats;
  /** Non-cumulative counts per bucket, made cumulative when a snapshot is taken. */
  bucketCounts: number[];
}

/**
 * Istio-compatible request telemetry. Each request is recorded with `reporter="source"` (what the
 * client side saw, including local faults and connection failures), and each attempt that reached
 * an upstream also with `reporter="destination"` (what the workload served), as Istio's two
 * sidecars would. Label-bound children are cached so the hot path does no label hashing.
 */
export class RouterTelemetry {
  readonly registry = new Registry();
  private readonly requests: Counter<(typeof ISTIO_LABELS)[number]>;
  private readonly duration: Histogram<(typeof ISTIO_LABELS)[number]>;
  private readonly children = new Map<string, SeriesChildren>();
  private readonly aggregates = new Map<string, Aggregate>();

  constructor(private readonly source: { workload: string; namespace: string }) {
    this.requests = new Counter({
      name: 'istio_requests_total',
      help: 'Requests handled by the Serin router, in Istio standard metric form.',
      labelNames: ISTIO_LABELS,
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'istio_request_duration_milliseconds',
      help: 'Request duration in milliseconds, in Istio standard metric form.',
      labelNames: ISTIO_LABELS,
      buckets: [...ISTIO_DURATION_BUCKETS_MS],
      registers: [this.registry],
    });
  }

  record(entry: RequestRecord): void {
    const d = entry.destination;
    const key = `${entry.reporter}|${d.workload}|${d.workloadNamespace}|${d.serviceName}|${d.serviceNamespace}|${d.version}|${d.canonicalService}|${entry.responseCode}|${entry.responseFlags}`;
    let children = this.children.get(key);
    if (children === undefined) {
      children = this.bind(entry);
      this.children.set(key, children);
    }
    children.requests.inc();
    children.duration.observe(entry.durationMs);
    this.aggregate(entry);
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  snapshot(): TelemetrySnapshot {
    const workloads = [...this.aggregates.values()].map(({ stats, bucketCounts }) => {
      let running = 0;
      const durationBuckets = stats.durationBuckets.map((bucket, i) => {
        running += bucketCounts[i] ?? 0;
        return { le: bucket.le, count: running };
      });
      return { ...stats, durationBuckets };
    });
    return { takenAtMs: Date.now(), workloads };
  }

  private bind(entry: RequestRecord): SeriesChildren {
    const d = entry.destination;
    const labels = {
      reporter: entry.reporter,
      source_workload: this.source.workload,
      source_workload_namespace: this.source.namespace,
      destination_workload: d.workload,
      destination_workload_namespace: d.workloadNamespace,
      destination_service:
        d.serviceName === 'unknown' ? 'unknown' : `${d.serviceName}.${d.serviceNamespace}.svc.cluster.local`,
      destination_service_name: d.serviceName,
      destination_service_namespace: d.serviceNamespace,
      destination_version: d.version,
      destination_canonical_service: d.canonicalService,
      response_code: String(entry.responseCode),
      response_flags: entry.responseFlags,
      request_protocol: 'http',
      // Local mode has no mTLS between router and workloads; Istio reports `unknown` on the source side.
      connection_security_policy: entry.reporter === 'destination' ? 'none' : 'unknown',
    };
    return { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
  }

  private aggregate(entry: RequestRecord): void {
    const d = entry.destination;
    const key = `${entry.reporter}|${d.workloadNamespace}|${d.workload}|${d.version}`;
    let agg = this.aggregates.get(key);
    if (agg === undefined) {
      const les = [...ISTIO_DURATION_BUCKETS_MS, Number.POSITIVE_INFINITY];
      agg = {
        stats: {
          reporter: entry.reporter,
          workload: d.workload,
          namespace: d.workloadNamespace,
          version: d.version,
          requests: 0,
          nonServerErrors: 0,
          durationBuckets: les.map((le) => ({ le, count: 0 })),
          durationSumMs: 0,
        },
        bucketCounts: les.map(() => 0),
      };
      this.aggregates.set(key, agg);
    }
    agg.stats.requests += 1;
    if (entry.responseCode < 500 || entry.responseCode > 599) agg.stats.nonServerErrors += 1;
    agg.stats.durationSumMs += entry.durationMs;
    const index = ISTIO_DURATION_BUCKETS_MS.findIndex((le) => entry.durationMs <= le);
    const slot = index === -1 ? ISTIO_DURATION_BUCKETS_MS.length : index;
    agg.bucketCounts[slot] = (agg.bucketCounts[slot] ?? 0) + 1;
  }
}
