/**
 * The judge's input: cumulative canary and primary counts since the run started (requests, 5xx
 * errors, latency histogram), read from Prometheus (`{{ target }}` and `{{ target }}-primary`,
 * reporter="destination") or from the local router's counters.
 */
import type { Canary } from '../api/canary.js';
import { PrometheusClient, type Sample } from './prometheus/client.js';
import type { LocalMetricsWindow, WindowTotals } from './local-window.js';

export interface ArmCounts {
  requests: number;
  errors: number;
  latency?: { buckets: { le: number; count: number }[] };
}

export interface ObservationPair {
  canary: ArmCounts;
  primary: ArmCounts;
}

function selector(namespace: string, workload: string): string {
  return `reporter="destination",destination_workload_namespace="${namespace}",destination_workload=~"${workload}"`;
}

/** The PromQL the judge reads, for one workload (also shown by `serin analyze`). */
export function observationQueries(
  namespace: string,
  workload: string,
): { requests: string; errors: string; buckets: string } {
  const labels = selector(namespace, workload);
  return {
    requests: `sum(istio_requests_total{${labels}})`,
    errors: `sum(istio_requests_total{${labels},response_code=~"5.*"})`,
    buckets: `sum by (le) (istio_request_duration_milliseconds_bucket{${labels}})`,
  };
}

function armFromTotals(totals: WindowTotals): ArmCounts {
  const arm: ArmCounts = { requests: totals.requests, errors: totals.requests - totals.nonServerErrors };
  if (totals.buckets.length > 0) arm.latency = { buckets: totals.buckets };
  return arm;
}

export function localObservation(
  canary: Canary,
  window: LocalMetricsWindow,
  sinceMs: number,
): ObservationPair {
  const namespace = canary.metadata.namespace ?? 'default';
  const target = canary.spec.targetRef.name;
  return {
    canary: armFromTotals(window.since({ namespace, workloadPattern: target }, sinceMs)),
    primary: armFromTotals(window.since({ namespace, workloadPattern: `${target}-primary` }, sinceMs)),
  };
}

/** A counter that went down restarted; everything it counts now is new (Prometheus' rule). */
function increase(now: number, before: number): number {
  return now >= before ? now - before : now;
}

async function total(client: PrometheusClient, query: string, time: Date): Promise<number> {
  const result = await client.query(query, time);
  if (result.type !== 'vector')
    throw new Error(`query "${query}" returned a ${result.type}; expected a vector`);
  const value = result.samples[0]?.value ?? 0;
  return Number.isFinite(value) ? value : 0;
}

function bucketMap(samples: readonly Sample[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const s of samples) {
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    if (!Number.isNaN(le)) map.set(le, s.value);
  }
  return map;
}

async function buckets(
  client: PrometheusClient,
  query: string,
  now: Date,
  start: Date,
): Promise<{ le: number; count: number }[]> {
  const [later, earlier] = await Promise.all([client.query(query, now), client.query(query, start)]);
  if (later.type !== 'vector' || earlier.type !== 'vector')
    throw new Error(`query "${query}": expected a vector`);
  const before = bucketMap(earlier.samples);
  return [...bucketMap(later.samples).entries()]
    .map(([le, count]) => ({ le, count: increase(count, before.get(le) ?? 0) }))
    .sort((a, b) => a.le - b.le);
}

async function prometheusArm(
  client: PrometheusClient,
  namespace: string,
  workload: string,
  now: Date,
  start: Date,
): Promise<ArmCounts> {
  const q = observationQueries(namespace, workload);
  const [requestsNow, requestsStart, errorsNow, errorsStart, latency] = await Promise.all([
    total(client, q.requests, now),
    total(client, q.requests, start),
    total(client, q.errors, now),
    total(client, q.errors, start),
    buckets(client, q.buckets, now, start),
  ]);
  const requests = Math.round(increase(requestsNow, requestsStart));
  const errors = Math.min(requests, Math.round(increase(errorsNow, errorsStart)));
  return { requests, errors, ...(latency.length > 0 ? { latency: { buckets: latency } } : {}) };
}

/**
 * Counts from raw counters at `now` minus at `start`: exact integers, unlike `increase()` which
 * extrapolates. A series that did not exist at the start counts from zero.
 */
export async function prometheusObservation(
  canary: Canary,
  client: PrometheusClient,
  start: Date,
  now: Date,
): Promise<ObservationPair> {
  const namespace = canary.metadata.namespace ?? 'default';
  const target = canary.spec.targetRef.name;
  const [canaryArm, primaryArm] = await Promise.all([
    prometheusArm(client, namespace, target, now, start),
    prometheusArm(client, namespace, `${target}-primary`, now, start),
  ]);
  return { canary: canaryArm, primary: primaryArm };
}
