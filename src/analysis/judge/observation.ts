/** What the judge is fed at each scrape, its validation, and the increments since the last scrape. */
import { momentsFromHistogram, type HistogramBucket } from './histogram.js';
import type { LogLatencyMoments } from './latency.js';

export type LatencyObservation = LogLatencyMoments | { buckets: HistogramBucket[] };

/** Cumulative counts of one arm since the start of the run. */
export interface ArmObservation {
  requests: number;
  /** Failed requests (Flagger's definition: 5xx responses). */
  errors: number;
  /** Cumulative log-latency moments, or the cumulative latency histogram in milliseconds. */
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

function latencyMoments(value: LatencyObservation, path: string): LogLatencyMoments {
  if ('buckets' in value) {
    if (!Array.isArray(value.buckets))
      throw new JudgeInputError(`${path}.buckets: expected a list of {le, count}`);
    try {
      return momentsFromHistogram(value.buckets);
    } catch (error) {
      throw new JudgeInputError(`${path}.${(error as Error).message}`);
    }
  }
  requireCount(value.count, `${path}.count`);
  requireCount(value.sumLogSquares, `${path}.sumLogSquares`);
  if (typeof value.sumLog !== 'number' || !Number.isFinite(value.sumLog))
    throw new JudgeInputError(`${path}.sumLog: expected a finite number, got ${String(value.sumLog)}`);
  return { count: value.count, sumLog: value.sumLog, sumLogSquares: value.sumLogSquares };
}

/** A validated arm: counts plus latency moments (null when the arm reported no latency). */
export interface CheckedArm {
  requests: number;
  errors: number;
  latency: LogLatencyMoments | null;
}

export function checkArm(arm: ArmObservation | undefined, path: string): CheckedArm {
  if (typeof arm !== 'object') throw new JudgeInputError(`${path}: expected {requests, errors, latency?}`);
  const requests = requireCount(arm.requests, `${path}.requests`);
  const errors = requireCount(arm.errors, `${path}.errors`);
  if (errors > requests)
    throw new JudgeInputError(`${path}.errors: ${errors} errors cannot exceed ${requests} requests`);
  const latency = arm.latency === undefined ? null : latencyMoments(arm.latency, `${path}.latency`);
  return { requests, errors, latency };
}

/**
 * Increase of a cumulative counter since `before`. A counter that went down was reset (a pod
 * restarted), and Prometheus' rule applies: everything it counts now is new.
 */
export function increase(now: number, before: number): number {
  return now >= before ? now - before : now;
}

export function momentsIncrease(now: LogLatencyMoments, before: LogLatencyMoments): LogLatencyMoments {
  if (now.count < before.count) return now;
  return {
    count: now.count - before.count,
    sumLog: now.sumLog - before.sumLog,
    sumLogSquares: now.sumLogSquares - before.sumLogSquares,
  };
}
