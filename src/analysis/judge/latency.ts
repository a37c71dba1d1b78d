/**
 * The latency test: a mixture sequential probability ratio test (mSPRT) on the difference in mean
 * log-latency, canary minus primary.
 *
 * Each scrape window gives one estimate d_s = mean_canary − mean_primary of log-latency with
 * variance v_s = σ²_c/n_c + σ²_p/n_p. Comparing the arms inside the same window cancels anything
 * both share (load peaks, a slow dependency), and weighting windows by 1/v_s gives the combined
 * estimate Δ̂ = S/I with S = Σ d_s/v_s and precision I = Σ 1/v_s. For a true shift θ the Gaussian
 * likelihood ratio against 0 is exp(θS − θ²I/2); mixing θ over N(0, τ²) gives
 *
 *   Λ = √(V / (V + τ²)) · exp(τ² Δ̂² / (2V(V + τ²))),  V = 1/I,
 *
 * which under "no shift" is a non-negative martingale with mean 1 (σ² is a plug-in estimate, as in
 * Johari et al.). Rejecting when Λ ≥ 1/α keeps the chance of ever rejecting at or below α.
 * Inverting the same test gives a confidence sequence Δ̂ ± w that holds at every scrape at once.
 */

/** Cumulative (or incremental) moments of log-latency, with latency in milliseconds. */
export interface LogLatencyMoments {
  count: number;
  /** Σ ln(latency ms). */
  sumLog: number;
  /** Σ ln(latency ms)². */
  sumLogSquares: number;
}

export interface PooledVariance {
  /** Within-window sums of squared deviations, added up over windows. */
  sumSquares: number;
  degreesOfFreedom: number;
}

export interface LatencyTestState {
  canary: PooledVariance;
  primary: PooledVariance;
  /** I = Σ 1/v_s. */
  precision: number;
  /** S = Σ d_s/v_s. */
  score: number;
  /** Standard deviation of the mixing distribution on the log scale, fixed at the first window. */
  tau: number | null;
}

export interface LatencyEstimate {
  /** Δ̂: canary minus primary mean log-latency. */
  effect: number;
  /** Confidence-sequence bounds for Δ on the log scale. */
  lower: number;
  upper: number;
  logStatistic: number;
}

/** Log-latency spreads below 1% are treated as 1%: a histogram whose counts all fall in one bucket has no spread. */
const MIN_VARIANCE = 1e-4;

export function initialLatencyTestState(): LatencyTestState {
  return {
    canary: { sumSquares: 0, degreesOfFreedom: 0 },
    primary: { sumSquares: 0, degreesOfFreedom: 0 },
    precision: 0,
    score: 0,
    tau: null,
  };
}

export function meanOf(m: LogLatencyMoments): number {
  return m.count > 0 ? m.sumLog / m.count : Number.NaN;
}

function withinSquares(m: LogLatencyMoments): number {
  return Math.max(0, m.sumLogSquares - (m.sumLog * m.sumLog) / m.count);
}

function pool(p: PooledVariance, m: LogLatencyMoments): PooledVariance {
  return { sumSquares: p.sumSquares + withinSquares(m), degreesOfFreedom: p.degreesOfFreedom + m.count - 1 };
}

function varianceOf(p: PooledVariance): number {
  return Math.max(MIN_VARIANCE, p.degreesOfFreedom > 0 ? p.sumSquares / p.degreesOfFreedom : MIN_VARIANCE);
}

/** True when a window has enough on both arms to estimate a difference and its spread. */
export function isUsableLatencyWindow(canary: LogLatencyMoments, primary: LogLatencyMoments): boolean {
  return canary.count >= 2 && primary.count >= 2;
}

/**
 * Folds one usable window of increments into the state. `tauForFirstWindow` computes the mixing
 * scale from the primary's typical latency when the state has none yet; after that it stays fixed,
 * because the mixture must not depend on the data it judges.
 */
export function updateLatencyTest(
  state: LatencyTestState,
  canary: LogLatencyMoments,
  primary: LogLatencyMoments,
  tauForFirstWindow: (primaryLogMean: number) => number,
): LatencyTestState {
  const canaryPool = pool(state.canary, canary);
  const primaryPool = pool(state.primary, primary);
  const v = varianceOf(canaryPool) / canary.count + varianceOf(primaryPool) / primary.count;
  const d = meanOf(canary) - meanOf(primary);
  return {
    canary: canaryPool,
    primary: primaryPool,
    precision: state.precision + 1 / v,
    score: state.score + d / v,
    tau: state.tau ?? Math.max(1e-3, tauForFirstWindow(meanOf(primary))),
  };
}

/** The mSPRT statistic and the confidence sequence at level 1 − alpha; null before the first window. */
export function evaluateLatencyTest(state: LatencyTestState, alpha: number): LatencyEstimate | null {
  if (state.precision <= 0 || state.tau === null) return null;
  const v = 1 / state.precision;
  const t2 = state.tau * state.tau;
  const effect = state.score / state.precision;
  const logStatistic = 0.5 * Math.log(v / (v + t2)) + (t2 * effect * effect) / (2 * v * (v + t2));
  const halfWidth = Math.sqrt(((v * (v + t2)) / t2) * (Math.log((v + t2) / v) - 2 * Math.log(alpha)));
  return { effect, lower: effect - halfWidth, upper: effect + halfWidth, logStatistic };
}
