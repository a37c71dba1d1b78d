/**
 * `histogram_quantile` as Prometheus computes it over classic buckets: linear interpolation inside
 * the bucket holding the rank, the lowest bucket starting at 0, and the upper bound of the last
 * finite bucket when the rank falls into `+Inf`. NaN when there are no observations.
 */
export interface Bucket {
  /** Upper bound; the last bucket is `+Inf`. */
  le: number;
  /** Cumulative count. */
  count: number;
}

function outOfRange(q: number): number | undefined {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  return undefined;
}

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  const special = outOfRange(q);
  if (special !== undefined) return special;
  const buckets = [...input].sort((a, b) => a.le - b.le);
  const last = buckets.at(-1);
  if (buckets.length < 2 || last === undefined || last.le !== Number.POSITIVE_INFINITY) return Number.NaN;
  // Counts must not decrease with le; Prometheus repairs small inconsistencies the same way.
  let running = 0;
  const counts = buckets.map((b) => (running = Math.max(running, b.count)));
  const observations = counts.at(-1) ?? 0;
  if (observations === 0) return Number.NaN;
  const rank = q * observations;
  const index = counts.findIndex((c) => c >= rank);
  const bucket = buckets[index];
  if (bucket === undefined) return Number.NaN;
  if (index === buckets.length - 1) return buckets[index - 1]?.le ?? Number.NaN;
  if (index === 0 && bucket.le <= 0) return bucket.le;
  const start = index === 0 ? 0 : (buckets[index - 1]?.le ?? 0);
  const below = index === 0 ? 0 : (counts[index - 1] ?? 0);
  const inBucket = (counts[index] ?? 0) - below;
  return start + (bucket.le - start) * ((rank - below) / inBucket);
}
