/**
 * Baselines for bench/judge: the one-sided Mann–Whitney U test (normal approximation, tie
 * correction, continuity correction), as Kayenta's NetflixACAJudge applies it to two metric
 * time series, and a fixed-horizon judge built on it.
 */
import { normalCdf } from '../math.js';

export interface MannWhitneyResult {
  /** U statistic of the first sample (pairs where x beats y, ties counting one half). */
  u: number;
  z: number;
  /** One-sided p-value for "x tends to be larger than y". */
  pValue: number;
}

/** Mid-ranks of the pooled sample and the tie correction term Σ(t³ − t). */
function midRanks(values: number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length).fill(0);
  let tieTerm = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.[0] === order[start]?.[0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]?.[1] ?? 0] = rank;
    const t = end - start + 1;
    tieTerm += t * t * t - t;
    start = end + 1;
  }
  return { ranks, tieTerm };
}

export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, z: 0, pValue: 1 };
  const { ranks, tieTerm } = midRanks([...x, ...y]);
  let rankSum = 0;
  for (let i = 0; i < n1; i++) rankSum += ranks[i] ?? 0;
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, z: 0, pValue: 1 };
  const z = (u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return { u, z, pValue: 1 - normalCdf(z) };
}

/**
 * Kayenta-style verdict for one metric at the end of the run: High (a regression) when the
 * canary's series is significantly larger at the judge's 98% two-sided level (one-sided 1%) and
 * its mean is above the primary's.
 */
export function kayentaHigh(
  canary: readonly number[],
  primary: readonly number[],
  oneSidedLevel = 0.01,
): boolean {
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  if (canary.length === 0 || primary.length === 0) return false;
  return mannWhitneyGreater(canary, primary).pValue < oneSidedLevel && mean(canary) > mean(primary);
}
