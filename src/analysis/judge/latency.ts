/**
 * The latency test: a mixture sequential probability ratio test (mSPRT) on the difference in mean
 * log-latency, canary minus primary, one estimate per scrape window.
 *
 * Each window gives d_s = mean_canary − mean_primary of log-latency. Comparing the arms inside the
 * same window cancels anything both share (load peaks, a slow dependency). Two variance models:
 *
 * - `requests` (default): v_s = σ²_c/n_c + σ²_p/n_p with σ² the pooled within-window variance of
 *   each arm, treating requests as independent (a plug-in, as in Johari et al.). With S = Σ d_s/v_s
 *   and I = Σ 1/v_s, mixing the shift over N(0, τ²) gives
 *     Λ = √(V/(V + τ²)) · exp(τ²Δ̂² / (2V(V + τ²))),  Δ̂ = S/I, V = 1/I.
 * - `windows`: v_s = σ²·(1/n_c + 1/n_p) with σ² unknown and learnt from how the window
 *   differences scatter. The mixture over the standardised shift θ/σ ~ N(0, τ²/σ_ref²) with the
 *   scale-invariant prior dσ/σ gives a closed-form Bayes factor (a sequential t-test) that is a
 *   martingale under "no shift" whatever σ is; it needs only per-window means, so it works from
 *   Prometheus' _sum and _count, and it absorbs correlation between requests of a window.
 *
 * Either statistic is rejected at 1/α (Ville's inequality), and inverting it gives a confidence
 * sequence for the shift that holds at every window at once.
 */

/** Cumulative latency totals of one arm; what is unknown for the input form is null. */
export interface CumulativeLatency {
  count: number;
  /** Σ ln(latency ms) and Σ ln(latency ms)²: from exact moments or histogram buckets. */
  sumLog: number | null;
  sumLogSquares: number | null;
  /** Σ latency ms: Prometheus' `_sum`. */
  sumMs: number | null;
}

/** One arm in one window. */
export interface WindowLatency {
  count: number;
  meanLog: number;
  /** Σ (ln x − mean)² inside the window; null when only the mean is known. */
  withinSquares: number | null;
}

export interface PooledVariance {
  sumSquares: number;
  degreesOfFreedom: number;
}

export interface LatencyTestState {
  canary: PooledVariance;
  primary: PooledVariance;
  /** `requests` model: I = Σ 1/v_s and S = Σ d_s/v_s. */
  precision: number;
  score: number;
  /** `windows` model, with w_s = 1/n_c + 1/n_p: k, Σ d_s/w_s, Σ 1/w_s, Σ d_s²/w_s. */
  windows: number;
  weightedSum: number;
  weightSum: number;
  weightedSquares: number;
  /** Standard deviation of the mixing distribution on the log scale, fixed at the first window. */
  tau: number | null;
}

export type LatencyVarianceModel = 'requests' | 'windows';

export interface LatencyEstimate {
  model: LatencyVarianceModel;
  /** Δ̂: canary minus primary mean log-latency. */
  effect: number;
  /** Confidence-sequence bounds for Δ on the log scale (infinite while unbounded). */
  lower: number;
  upper: number;
  logStatistic: number;
}

/** Log-latency spreads below 1% are treated as 1%: a histogram whose counts all fall in one bucket has no spread. */
const MIN_VARIANCE = 1e-4;
/**
 * Typical per-request spread of ln(latency) used to turn `minIncrease` into a standardised effect
 * for the `windows` model (which never sees per-request spread). Only power depends on it.
 */
const REFERENCE_SIGMA = 0.5;

export function initialLatencyTestState(): LatencyTestState {
  return {
    canary: { sumSquares: 0, degreesOfFreedom: 0 },
    primary: { sumSquares: 0, degreesOfFreedom: 0 },
    precision: 0,
    score: 0,
    windows: 0,
    weightedSum: 0,
    weightSum: 0,
    weightedSquares: 0,
    tau: null,
  };
}

export const NO_LATENCY: CumulativeLatency = { count: 0, sumLog: 0, sumLogSquares: 0, sumMs: 0 };

/** The window between two cumulative readings; null when it has no requests or no usable totals. */
export function windowLatency(now: CumulativeLatency, earlier: CumulativeLatency): WindowLatency | null {
  // A count that went down is a reset: everything counted now is new.
  const before = now.count < earlier.count ? NO_LATENCY : earlier;
  const count = now.count - before.count;
  if (count < 1) return null;
  const delta = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
  const sumLog = delta(now.sumLog, before.sumLog);
  if (sumLog !== null) {
    const squares = delta(now.sumLogSquares, before.sumLogSquares);
    const withinSquares =
      squares === null || count < 2 ? null : Math.max(0, squares - (sumLog * sumLog) / count);
    return { count, meanLog: sumLog / count, withinSquares };
  }
  const sumMs = delta(now.sumMs, before.sumMs);
  if (sumMs === null || !(sumMs > 0)) return null;
  return { count, meanLog: Math.log(sumMs / count), withinSquares: null };
}

function pool(p: PooledVariance, w: WindowLatency): PooledVariance {
  return {
    sumSquares: p.sumSquares + (w.withinSquares ?? 0),
    degreesOfFreedom: p.degreesOfFreedom + w.count - 1,
  };
}

function varianceOf(p: PooledVariance): number {
  return Math.max(MIN_VARIANCE, p.degreesOfFreedom > 0 ? p.sumSquares / p.degreesOfFreedom : MIN_VARIANCE);
}

/**
 * Folds one window into the state. `tauForFirstWindow` computes the mixing scale from the
 * primary's typical log-latency when the state has none yet; after that it stays fixed, because
 * the mixture must not depend on the data it judges.
 */
export function updateLatencyTest(
  state: LatencyTestState,
  canary: WindowLatency,
  primary: WindowLatency,
  tauForFirstWindow: (primaryLogMean: number) => number,
): LatencyTestState {
  const d = canary.meanLog - primary.meanLog;
  const w = 1 / canary.count + 1 / primary.count;
  const next: LatencyTestState = {
    ...state,
    windows: state.windows + 1,
    weightedSum: state.weightedSum + d / w,
    weightSum: state.weightSum + 1 / w,
    weightedSquares: state.weightedSquares + (d * d) / w,
    tau: state.tau ?? Math.max(1e-3, tauForFirstWindow(primary.meanLog)),
  };
  if (canary.withinSquares === null || primary.withinSquares === null) return next;
  const canaryPool = pool(state.canary, canary);
  const primaryPool = pool(state.primary, primary);
  const v = varianceOf(canaryPool) / canary.count + varianceOf(primaryPool) / primary.count;
  return {
    ...next,
    canary: canaryPool,
    primary: primaryPool,
    precision: state.precision + 1 / v,
    score: state.score + d / v,
  };
}

function evaluateRequests(state: LatencyTestState, tau: number, alpha: number): LatencyEstimate {
  const v = 1 / state.precision;
  const t2 = tau * tau;
  const effect = state.score / state.precision;
  const logStatistic = 0.5 * Math.log(v / (v + t2)) + (t2 * effect * effect) / (2 * v * (v + t2));
  const halfWidth = Math.sqrt(((v * (v + t2)) / t2) * (Math.log((v + t2) / v) - 2 * Math.log(alpha)));
  return { model: 'requests', effect, lower: effect - halfWidth, upper: effect + halfWidth, logStatistic };
}

/**
 * The scale-invariant mixture: with y_s = d_s/√w_s, c_s = 1/√w_s and g = τ²/(1 + τ²B),
 *   BF(θ₀) = (1 + τ²B)^(−1/2) · (C₀ / (C₀ − g·A₀²))^(k/2),
 * where A₀ = Σ(d_s − θ₀)/w_s, B = Σ 1/w_s, C₀ = Σ(d_s − θ₀)²/w_s. Writing C₀ = R + B·u² with the
 * residual R = C − A²/B and u = Δ̂ − θ₀ makes both the statistic and its inversion closed-form.
 */
function evaluateWindows(state: LatencyTestState, tau: number, alpha: number): LatencyEstimate {
  const k = state.windows;
  const b = state.weightSum;
  const effect = state.weightedSum / b;
  const residual = Math.max(0, state.weightedSquares - (state.weightedSum * state.weightedSum) / b);
  const t2 = (tau / REFERENCE_SIGMA) ** 2;
  const spread = 1 + t2 * b;
  const logBf = (u: number) => {
    const full = residual + b * u * u;
    const shrunk = residual + (b * u * u) / spread;
    return (
      -0.5 * Math.log(spread) + (full > 0 && shrunk > 0 ? (k / 2) * (Math.log(full) - Math.log(shrunk)) : 0)
    );
  };
  // Reject θ₀ when u² ≥ (r − 1)R / (B(1 − r/spread)), r = (spread^(1/2)/α)^(2/k); unbounded if r ≥ spread.
  const r = Math.exp((2 / k) * (0.5 * Math.log(spread) - Math.log(alpha)));
  const halfWidth = r < spread ? Math.sqrt(((r - 1) * residual) / (b * (1 - r / spread))) : Infinity;
  return {
    model: 'windows',
    effect,
    lower: effect - halfWidth,
    upper: effect + halfWidth,
    logStatistic: logBf(effect),
  };
}

/** The statistic and the confidence sequence at level 1 − alpha; null before the first window. */
export function evaluateLatencyTest(
  state: LatencyTestState,
  alpha: number,
  model: LatencyVarianceModel = 'requests',
): LatencyEstimate | null {
  if (state.tau === null || state.windows === 0) return null;
  // Without within-window spreads (only _sum and _count), the windows model is the only one possible.
  if (model === 'requests' && state.precision > 0) return evaluateRequests(state, state.tau, alpha);
  return evaluateWindows(state, state.tau, alpha);
}
