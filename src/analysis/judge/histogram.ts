/**
 * Approximate log-latency moments and quantiles from Prometheus histogram buckets (Istio's
 * `istio_request_duration_milliseconds_bucket`): cumulative counts per upper bound `le`, the last
 * bound +Inf. Each request is placed at its bucket's geometric midpoint. The rounding is the same
 * on both arms, so under "no difference" it cancels in the comparison; it only blurs the estimate.
 */
import type { LogLatencyMoments } from './observation.js';

export interface HistogramBucket {
  /** Upper bound in milliseconds; `Infinity` for the +Inf bucket. */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

/** Validates and sorts buckets; throws naming the problem. */
export function normaliseBuckets(buckets: readonly HistogramBucket[], where = 'buckets'): HistogramBucket[] {
  const sorted = [...buckets].sort((x, y) => x.le - y.le);
  let previous = 0;
  sorted.forEach((b, i) => {
    if (!(b.le > 0) || Number.isNaN(b.le))
      throw new Error(`${where}[${i}].le: expected a positive bound in milliseconds, got ${b.le}`);
    if (!Number.isFinite(b.count) || b.count < previous)
      throw new Error(`${where}[${i}].count: expected cumulative counts that never decrease, got ${b.count}`);
    previous = b.count;
  });
  return sorted;
}

/** The representative latency of the bucket (lower, upper]. */
function representative(lower: number, upper: number): number {
  if (upper === Infinity) return lower * 2;
  if (lower <= 0) return upper / 2;
  return Math.sqrt(lower * upper);
}

/** Log-latency moments of the observations the histogram counts. */
export function momentsFromHistogram(buckets: readonly HistogramBucket[]): LogLatencyMoments {
  const sorted = normaliseBuckets(buckets);
  const moments: LogLatencyMoments = { count: 0, sumLog: 0, sumLogSquares: 0 };
  let lower = 0;
  let below = 0;
  for (const b of sorted) {
    const n = b.count - below;
    if (n > 0) {
      // A +Inf bucket with no finite bound below it has no scale; place it at 1 ms.
      const x = Math.log(upperOrFallback(lower, b.le));
      moments.count += n;
      moments.sumLog += n * x;
      moments.sumLogSquares += n * x * x;
    }
    lower = b.le;
    below = b.count;
  }
  return moments;
}

function upperOrFallback(lower: number, upper: number): number {
  if (upper === Infinity && lower === 0) return 1;
  return representative(lower, upper);
}

/**
 * The q-quantile the way Prometheus' histogram_quantile estimates it: linear interpolation inside
 * the bucket, the highest finite bound when it falls in +Inf. NaN for an empty histogram.
 */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number {
  const sorted = normaliseBuckets(buckets);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of sorted) {
    if (b.count >= rank && b.count > below) {
      if (b.le === Infinity) return lower;
      return lower + ((b.le - lower) * (rank - below)) / (b.count - below);
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}

/** Subtracts an earlier cumulative histogram from a later one with the same bounds. */
export function histogramIncrease(
  later: readonly HistogramBucket[],
  earlier: readonly HistogramBucket[],
): HistogramBucket[] {
  const before = new Map(earlier.map((b) => [b.le, b.count]));
  return normaliseBuckets(later).map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) }));
}
