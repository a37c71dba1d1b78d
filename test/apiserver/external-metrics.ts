/**
 * The external metrics API (`external.metrics.k8s.io/v1beta1`) as an aggregated API server
 * serves it through kube-apiserver (KEDA, prometheus-adapter, the Datadog cluster agent all use
 * the same `custom-metrics-apiserver` library): group discovery under `/apis`, an
 * APIResourceList naming `externalmetrics`, and `GET .../namespaces/<ns>/<metric>?labelSelector=`
 * answering an `ExternalMetricValueList` of the series whose labels match. Only `get` is served;
 * an unknown metric is 404. Tests set the series with `set`.
 *
 * Schema facts relied on (k8s.io/metrics `external_metrics/v1beta1`): an ExternalMetricValue has
 * `metricName`, `metricLabels` (map), `timestamp` (RFC 3339), optional `window` (seconds) and
 * `value` (a resource.Quantity string).
 */
import { ApiError } from './errors.js';
import type { JsonObject } from './json.js';
import { labelsMatch, parseLabelSelector } from './selectors.js';

export const EXTERNAL_METRICS_GROUP = 'external.metrics.k8s.io';
const VERSION = 'v1beta1';
const PREFIX = `/apis/${EXTERNAL_METRICS_GROUP}`;

export interface ExternalMetricSeries {
  labels?: Record<string, string>;
  /** A quantity as the adapter writes it: `42`, `1500m`. */
  value: string;
  timestamp?: string;
  windowSeconds?: number;
}

function notFound(message: string): ApiError {
  return new ApiError(404, 'NotFound', message);
}

export class ExternalMetricsApi {
  private readonly series = new Map<string, ExternalMetricSeries[]>();

  constructor(public served: boolean) {}

  /** Sets the series of one metric in one namespace (and starts serving the API). */
  set(namespace: string, metricName: string, series: ExternalMetricSeries[]): void {
    this.served = true;
    this.series.set(`${namespace}/${metricName}`, series);
  }

  remove(namespace: string, metricName: string): void {
    this.series.delete(`${namespace}/${metricName}`);
  }

  /** The group's entry in `/apis`, when served. */
  groupEntry(): JsonObject | undefined {
    if (!this.served) return undefined;
    const version = { groupVersion: `${EXTERNAL_METRICS_GROUP}/${VERSION}`, version: VERSION };
    return { name: EXTERNAL_METRICS_GROUP, versions: [version], preferredVersion: version };
  }

  /** Answers a request under `/apis/external.metrics.k8s.io`, or undefined for any other path. */
  handle(
    method: string,
    path: string,
    query: URLSearchParams,
  ): { status: number; body: JsonObject } | undefined {
    const trimmed = path.replace(/\/+$/, '');
    if (!this.served || (trimmed !== PREFIX && !trimmed.startsWith(`${PREFIX}/`))) return undefined;
    const rest = trimmed
      .slice(PREFIX.length)
      .split('/')
      .filter((s) => s !== '');
    if (method !== 'GET')
      throw new ApiError(
        405,
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
    if (rest.length === 0)
      return { status: 200, body: { kind: 'APIGroup', apiVersion: 'v1', ...this.groupEntry() } };
    if (rest[0] !== VERSION) throw notFound(`the server could not find the requested resource (${path})`);
    if (rest.length === 1) return { status: 200, body: this.resourceList() };
    if (rest[1] !== 'namespaces' || rest.length !== 4)
      throw notFound(`the server could not find the requested resource (${path})`);
    const [namespace = '', metricName = ''] = rest.slice(2).map((s) => decodeURIComponent(s));
    return { status: 200, body: this.values(namespace, metricName, query.get('labelSelector')) };
  }

  private resourceList(): JsonObject {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${EXTERNAL_METRICS_GROUP}/${VERSION}`,
      resources: [
        {
          name: 'externalmetrics',
          singularName: '',
          namespaced: true,
          kind: 'ExternalMetricValueList',
          verbs: ['get'],
        },
      ],
    };
  }

  private values(namespace: string, metricName: string, selector: string | null): JsonObject {
    const requirements = parseLabelSelector(selector);
    const series = this.series.get(`${namespace}/${metricName}`);
    if (series === undefined)
      throw notFound(`the server could not find the metric ${metricName} for namespace ${namespace}`);
    const items = series
      .filter((s) => labelsMatch(requirements, { metadata: { labels: s.labels ?? {} } }))
      .map((s) => ({
        metricName,
        metricLabels: s.labels ?? {},
        timestamp: s.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...(s.windowSeconds !== undefined ? { window: s.windowSeconds } : {}),
        value: s.value,
      }));
    return {
      kind: 'ExternalMetricValueList',
      apiVersion: `${EXTERNAL_METRICS_GROUP}/${VERSION}`,
      metadata: {},
      items,
    };
  }
}
