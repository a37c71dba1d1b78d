import { Registry, type Metric } from 'prom-client';

/**
 * Envoy's default histogram buckets, which Istio uses for `istio_request_duration_milliseconds`
 * unless a pod overrides them. Keeping them identical keeps `histogram_quantile` answers identical.
 */
export const ISTIO_DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
] as const;

/**
 * Istio's 25 standard labels of `istio_requests_total` and `istio_request_duration_milliseconds`
 * ("Istio Standard Metrics"), grouped source, destination, request (Prometheus ignores label order). Every one is emitted, with Istio's `unknown` where
 * local mode has no value (principals: there is no mTLS between the router and its workloads).
 */
export const ISTIO_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_canonical_service',
  'source_canonical_revision',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_cluster',
  'request_protocol',
  'grpc_response_status',
  'response_code',
  'response_flags',
  'connection_security_policy',
] as const;

export type Reporter = 'source' | 'destination';

/** Istio's cluster ID when none is configured. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

/**
 * A workload's peer identity as Istio derives it from pod labels (the metadata exchange): `app` and
 * `version` as written, the canonical service from `service.istio.io/canonical-name`, else
 * `app.kubernetes.io/name`, else `app`, else the workload; the canonical revision from
 * `service.istio.io/canonical-revision`, else `app.kubernetes.io/version`, else `version`, else
 * `latest`.
 */
export interface PeerIdentity {
  workload: string;
  workloadNamespace: string;
  app: string;
  version: string;
  canonicalService: string;
  canonicalRevision: string;
  principal: string;
  cluster: string;
}

export function peerIdentity(
  workload: string,
  namespace: string,
  labels: Readonly<Record<string, string>> = {},
  cluster: string = DEFAULT_CLUSTER_ID,
): PeerIdentity {
  return {
    workload,
    workloadNamespace: namespace,
    app: labels.app ?? 'unknown',
    version: labels.version ?? 'unknown',
    canonicalService:
      labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? workload,
    canonicalRevision:
      labels['service.istio.io/canonical-revision'] ??
      labels['app.kubernetes.io/version'] ??
      labels.version ??
      'latest',
    principal: 'unknown',
    cluster,
  };
}

/** The caller of a request (the `source_*` labels). */
export type SourceIdentity = PeerIdentity;

/** Who served (or should have served) a request. `unknown` values are what Istio reports too. */
export interface DestinationIdentity {
  workload: string;
  workloadNamespace: string;
  serviceName: string;
  serviceNamespace: string;
  version: string;
  canonicalService: string;
  app?: string;
  canonicalRevision?: string;
  principal?: string;
  cluster?: string;
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
  /** The caller; the telemetry's default source when absent. */
  source?: SourceIdentity;
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

/**
 * One series' cumulative numbers, plain data so it can cross a process boundary: what router
 * workers send their primary, which adds them up (`absorb`) into the one exposition it serves.
 */
export interface SeriesState {
  labels: Readonly<Record<(typeof ISTIO_LABELS)[number], string>>;
  count: number;
  /** Non-cumulative counts per `ISTIO_DURATION_BUCKETS_MS` slot, the last one for +Inf. */
  buckets: readonly number[];
  sumMs: number;
}

const REQUESTS_HELP = 'Requests handled by the Serin router, in Istio standard metric form.';
const DURATION_HELP = 'Request duration in milliseconds, in Istio standard metric form.';

/** One labelled series of both metrics: a request count, per-bucket counts and a duration sum. */
interface Series {
  reporter: Reporter;
  destination: DestinationIdentity;
  responseCode: number;
  responseFlags: string;
  labels: Record<(typeof ISTIO_LABELS)[number], string>;
  count: number;
  /** Non-cumulative counts per `ISTIO_DURATION_BUCKETS_MS` slot, the last one for +Inf. */
  buckets: number[];
  sumMs: number;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Istio-compatible request telemetry. Each request is recorded with `reporter="source"` (what the
 * client side saw, including local faults and connection failures), and each attempt that reached
 * an upstream also with `reporter="destination"` (what the workload served), as Istio's two
 * sidecars would.
 *
 * The hot path only bumps numbers in a series found through the (stable) destination identity
 * object; prom-client formats the exposition from these series when `/metrics` is read, so no
 * label hashing happens per request.
 */
export class RouterTelemetry {
  readonly registry = new Registry();
  private readonly byDestination = new WeakMap<DestinationIdentity, Map<string, Series>>();
  private readonly byLabels = new Map<string, Series>();
  private readonly series: Series[] = [];
  private readonly defaultSource: SourceIdentity;
  private readonly sourceKeys = new WeakMap<SourceIdentity, string>();

  constructor(source: Pick<SourceIdentity, 'workload'> & { namespace: string } & Partial<SourceIdentity>) {
    this.defaultSource = { ...peerIdentity(source.workload, source.namespace), ...source };
    this.registry.registerMetric({
      name: 'istio_requests_total',
      help: REQUESTS_HELP,
      type: 'counter',
      get: () => Promise.resolve(this.counterObject()),
    } as unknown as Metric);
    this.registry.registerMetric({
      name: 'istio_request_duration_milliseconds',
      help: DURATION_HELP,
      type: 'histogram',
      get: () => Promise.resolve(this.histogramObject()),
    } as unknown as Metric);
  }

  record(entry: RequestRecord): void {
    let forDestination = this.byDestination.get(entry.destination);
    if (forDestination === undefined) {
      forDestination = new Map();
      this.byDestination.set(entry.destination, forDestination);
    }
    const key = `${entry.reporter}|${entry.responseCode}|${entry.responseFlags}|${this.sourceKey(entry.source ?? this.defaultSource)}`;
    let series = forDestination.get(key);
    if (series === undefined) {
      series = this.seriesFor(entry);
      forDestination.set(key, series);
    }
    series.count += 1;
    series.sumMs += entry.durationMs;
    let slot = 0;
    while (
      slot < ISTIO_DURATION_BUCKETS_MS.length &&
      entry.durationMs > (ISTIO_DURATION_BUCKETS_MS[slot] ?? 0)
    )
      slot++;
    series.buckets[slot] = (series.buckets[slot] ?? 0) + 1;
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** Every series' cumulative numbers, in the order the series appeared (stable: series are never dropped). */
  exportSeries(): SeriesState[] {
    return this.series.map((s) => ({
      labels: s.labels,
      count: s.count,
      buckets: [...s.buckets],
      sumMs: s.sumMs,
    }));
  }

  /**
   * Adds another recorder's numbers to the series with the same labels (created if new). A
   * primary absorbs each worker's cumulative state once per read into a fresh instance, so the
   * sums it serves are exact and each series appears once.
   */
  absorb(state: SeriesState): void {
    const key = ISTIO_LABELS.map((name) => state.labels[name]).join('\u0001');
    let series = this.byLabels.get(key);
    if (series === undefined) {
      series = seriesFromLabels(state.labels);
      this.byLabels.set(key, series);
      this.series.push(series);
    }
    series.count += state.count;
    series.sumMs += state.sumMs;
    for (let i = 0; i < series.buckets.length; i++)
      series.buckets[i] = (series.buckets[i] ?? 0) + (state.buckets[i] ?? 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Cumulative counters per reporter and workload (summed over codes, flags and services). */
  snapshot(): TelemetrySnapshot {
    const byWorkload = new Map<string, WorkloadStats & { slots: number[] }>();
    for (const s of this.series) {
      const d = s.destination;
      const key = `${s.reporter}|${d.workloadNamespace}|${d.workload}|${d.version}`;
      let stats = byWorkload.get(key);
      if (stats === undefined) {
        stats = {
          reporter: s.reporter,
          workload: d.workload,
          namespace: d.workloadNamespace,
          version: d.version,
          requests: 0,
          nonServerErrors: 0,
          durationBuckets: [],
          durationSumMs: 0,
          slots: s.buckets.map(() => 0),
        };
        byWorkload.set(key, stats);
      }
      stats.requests += s.count;
      if (s.responseCode < 500 || s.responseCode > 599) stats.nonServerErrors += s.count;
      stats.durationSumMs += s.sumMs;
      const slots = stats.slots;
      s.buckets.forEach((n, i) => {
        slots[i] = (slots[i] ?? 0) + n;
      });
    }
    const les = [...ISTIO_DURATION_BUCKETS_MS, Number.POSITIVE_INFINITY];
    const workloads = [...byWorkload.values()].map(({ slots, ...stats }) => {
      let running = 0;
      const durationBuckets = les.map((le, i) => {
        running += slots[i] ?? 0;
        return { le, count: running };
      });
      return { ...stats, durationBuckets };
    });
    return { takenAtMs: Date.now(), workloads };
  }

  /**
   * The series with these labels. A config update brings new destination objects for the same
   * workloads; they must keep adding to the same series, or Prometheus sees duplicates.
   */
  private sourceKey(source: SourceIdentity): string {
    let key = this.sourceKeys.get(source);
    if (key === undefined) {
      key = JSON.stringify(source);
      this.sourceKeys.set(source, key);
    }
    return key;
  }

  private seriesFor(entry: RequestRecord): Series {
    const d = entry.destination;
    const labelKey = [
      this.sourceKey(entry.source ?? this.defaultSource),
      entry.reporter,
      d.workload,
      d.workloadNamespace,
      d.serviceName,
      d.serviceNamespace,
      d.version,
      d.canonicalService,
      d.app,
      d.canonicalRevision,
      d.cluster,
      entry.responseCode,
      entry.responseFlags,
    ].join('|');
    let series = this.byLabels.get(labelKey);
    if (series === undefined) {
      series = this.newSeries(entry);
      this.byLabels.set(labelKey, series);
      this.series.push(series);
    }
    return series;
  }

  private newSeries(entry: RequestRecord): Series {
    const d = entry.destination;
    return {
      reporter: entry.reporter,
      destination: d,
      responseCode: entry.responseCode,
      responseFlags: entry.responseFlags,
      labels: labelsOf(entry, entry.source ?? this.defaultSource),
      count: 0,
      buckets: [...ISTIO_DURATION_BUCKETS_MS, 0].map(() => 0),
      sumMs: 0,
    };
  }

  private counterObject() {
    const values: MetricValue[] = this.series.map((s) => ({ value: s.count, labels: s.labels }));
    return { name: 'istio_requests_total', help: REQUESTS_HELP, type: 'counter', values, aggregator: 'sum' };
  }

  private histogramObject() {
    const name = 'istio_request_duration_milliseconds';
    const values: MetricValue[] = [];
    for (const s of this.series) {
      let running = 0;
      ISTIO_DURATION_BUCKETS_MS.forEach((le, i) => {
        running += s.buckets[i] ?? 0;
        values.push({ value: running, labels: { ...s.labels, le }, metricName: `${name}_bucket` });
      });
      values.push({ value: s.count, labels: { ...s.labels, le: '+Inf' }, metricName: `${name}_bucket` });
      values.push({ value: s.sumMs, labels: s.labels, metricName: `${name}_sum` });
      values.push({ value: s.count, labels: s.labels, metricName: `${name}_count` });
    }
    return { name, help: DURATION_HELP, type: 'histogram', values, aggregator: 'sum' };
  }
}

/** A series rebuilt from its labels alone: what `snapshot` needs of the destination is in them. */
function seriesFromLabels(labels: SeriesState['labels']): Series {
  return {
    reporter: labels.reporter === 'destination' ? 'destination' : 'source',
    destination: {
      workload: labels.destination_workload,
      workloadNamespace: labels.destination_workload_namespace,
      serviceName: labels.destination_service_name,
      serviceNamespace: labels.destination_service_namespace,
      version: labels.destination_version,
      canonicalService: labels.destination_canonical_service,
    },
    responseCode: Number(labels.response_code),
    responseFlags: labels.response_flags,
    labels: { ...labels },
    count: 0,
    buckets: [...ISTIO_DURATION_BUCKETS_MS, 0].map(() => 0),
    sumMs: 0,
  };
}

function labelsOf(entry: RequestRecord, src: SourceIdentity): Series['labels'] {
  const d = entry.destination;
  const known = d.serviceName !== 'unknown';
  return {
    reporter: entry.reporter,
    source_workload: src.workload,
    source_workload_namespace: src.workloadNamespace,
    source_principal: src.principal,
    source_app: src.app,
    source_version: src.version,
    source_canonical_service: src.canonicalService,
    source_canonical_revision: src.canonicalRevision,
    source_cluster: src.cluster,
    destination_workload: d.workload,
    destination_workload_namespace: d.workloadNamespace,
    destination_principal: d.principal ?? 'unknown',
    destination_app: d.app ?? 'unknown',
    destination_version: d.version,
    destination_service: known ? `${d.serviceName}.${d.serviceNamespace}.svc.cluster.local` : 'unknown',
    destination_service_name: d.serviceName,
    destination_service_namespace: d.serviceNamespace,
    destination_canonical_service: d.canonicalService,
    destination_canonical_revision: d.canonicalRevision ?? (d.version === 'unknown' ? 'latest' : d.version),
    destination_cluster: known ? (d.cluster ?? DEFAULT_CLUSTER_ID) : 'unknown',
    request_protocol: 'http',
    // Local mode serves HTTP/1.1 only: no gRPC status to report (Istio leaves it empty then).
    grpc_response_status: '',
    response_code: String(entry.responseCode),
    response_flags: entry.responseFlags,
    // Local mode has no mTLS between router and workloads; Istio reports `unknown` on the source side.
    connection_security_policy: entry.reporter === 'destination' ? 'none' : 'unknown',
  };
}
