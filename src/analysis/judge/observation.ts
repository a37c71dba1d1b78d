/** What the judge is fed at each scrape, its validation, and the increments since the last scrape. */
import { momentsFromHistogram, type HistogramBucket } from './histogram.js';
import type { CumulativeLatency } from './latency.js';

/** Exact log-latency moments (latency in ms): Σ ln x and Σ (ln x)² over `count` requests. */
export interface LogLatencyMoments {
  count: number;
  sumLog: number;
  sumLogSquares: number;
}

/** Prometheus' histogram `_count` and `_sum` (ms): only per-window means can be derived. */
export interface LatencySum {
  count: number;
  sumMs: number;
}

export type LatencyObservation = LogLatencyMoments | LatencySum | { buckets: HistogramBucket[] };

/** Cumulative counts of one arm since the start of the run. */
export interface ArmObservation {
  requests: number;
  /** Failed requests (Flagger's definition: 5xx responses). */
  errors: number;
  /** Cumulative latency: log moments, the histogram in milliseconds, or its `_sum` and `_count`. */
  latency?: LatencyObservation;
}

export interface JudgeObservation {
  canary: ArmObservation;
  primary: ArmObservation;
}

export class JudgeInputError extends Error {
  override name = 'JudgeInputError';
}

function requireCount(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new JudgeInputError(`${path}: expected a finite count of 0 or more, got ${String(value)}`);
  return value;
}

function requireFinite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new JudgeInputError(`${path}: expected a finite number, got ${String(value)}`);
  return value;
}

function cumulativeLatency(value: LatencyObservation, path: string): CumulativeLatency {
  if (typeof value !== 'object')
    throw new JudgeInputError(
      `${path}: expected {buckets}, {count, sumMs} or {count, sumLog, sumLogSquares}`,
    );
  if ('buckets' in value) {
    if (!Array.isArray(value.buckets))
      throw new JudgeInputError(`${path}.buckets: expected a list of {le, count}`);
    try {
      return { ...momentsFromHistogram(value.buckets), sumMs: null };
    } catch (error) {
      throw new JudgeInputError(`${path}.${(error as Error).message}`);
    }
  }
  const count = requireCount(value.count, `${path}.count`);
  if ('sumMs' in value)
    return { count, sumLog: null, sumLogSquares: null, sumMs: requireCount(value.sumMs, `${path}.sumMs`) };
  return {
    count,
    sumLog: requireFinite(value.sumLog, `${path}.sumLog`),
    sumLogSquares: requireCount(value.sumLogSquares, `${path}.sumLogSquares`),
    sumMs: null,
  };
}

/** A validated arm: counts plus cumulative latency (null when the arm reported no latency). */
export interface CheckedArm {
  requests: number;
  errors: number;
  latency: CumulativeLatency | null;
}

export function checkArm(arm: ArmObservation | undefined, path: string): CheckedArm {
  if (typeof arm !== 'object') throw new JudgeInputError(`${path}: expected {requests, errors, latency?}`);
  const requests = requireCount(arm.requests, `${path}.requests`);
  const errors = requireCount(arm.errors, `${path}.errors`);
  if (errors > requests)
    throw new JudgeInputError(`${path}.errors: ${errors} errors cannot exceed ${requests} requests`);
  const latency = arm.latency === undefined ? null : cumulativeLatency(arm.latency, `${path}.latency`);
  return { requests, errors, latency };
}

/**
 * Increase of a cumulative counter since `before`. A counter that went down was reset (a pod
 * restarted), and Prometheus' rule applies: everything it counts now is new.
 */
export function increase(now: number, before: number): number {
  return now >= before ? now - before : now;
}
