/**
 * The two-arm error-count test. Conditional on how many errors happened in a scrape window and on
 * how many requests each arm served, the number of those errors that landed on the canary is
 * binomial with probability q = ρψ / (ρψ + 1 − ρ), where ρ is the canary's share of the window's
 * requests and ψ the canary/primary error-rate ratio. Under "canary as good as primary" ψ = 1 and
 * q = ρ, whatever the absolute error rate is doing (load peaks and shared outages cancel).
 *
 * The statistic is a Bayes factor: the likelihood of the observed splits averaged over a prior on
 * δ = log ψ, divided by their likelihood at ψ = 1. The prior is the logistic-beta density that a
 * Beta(a, a) prior on the error share at an even split induces on δ, restricted to one side and
 * placed on a fixed grid, so it is a proper discrete prior and the mixture is an e-process: under
 * the null its expectation never exceeds 1 and Ville's inequality bounds the chance it ever
 * reaches 1/α by α. See docs/judge.md for the derivation.
 */
import { logSumExp } from './math.js';

/** Grid step on δ = log(rate ratio); 0.1 means neighbouring alternatives differ by about 10%. */
const GRID_STEP = 0.1;
/** Alternatives up to e^4.95 ≈ 148× the primary's error rate (bigger effects still reject via the last point). */
const GRID_POINTS = 50;

/** Running state of the error test; every field is plain JSON. */
export interface ErrorTestState {
  /** log likelihood ratio of each "canary worse" alternative against ψ = 1. */
  regression: number[];
  /** log likelihood ratio of each "canary better than the margin" alternative against ψ = margin. */
  nonInferiority: number[];
}

export interface ErrorWindow {
  canaryRequests: number;
  canaryErrors: number;
  primaryRequests: number;
  primaryErrors: number;
}

export interface ErrorTestConfig {
  /** Smallest rate ratio worth catching; sizes the prior. */
  minIncrease: number;
  /** Non-inferiority margin as a rate ratio. */
  margin: number;
}

export interface ErrorTestResult {
  logBayesFactor: number;
  logNonInferiorityBayesFactor: number;
}

export function initialErrorTestState(): ErrorTestState {
  return {
    regression: new Array<number>(GRID_POINTS).fill(0),
    nonInferiority: new Array<number>(GRID_POINTS).fill(0),
  };
}

/** Offsets (j + ½)·h, j = 0..J−1, of the alternatives from their null: the midpoints of the cells of width h. */
const OFFSETS: readonly number[] = Array.from({ length: GRID_POINTS }, (_, j) => (j + 0.5) * GRID_STEP);

/**
 * Concentration a of the Beta(a, a) prior on the error share at an even split. The induced prior on
 * δ has standard deviation about √(2/a); we aim it at twice log(minIncrease), so the smallest effect
 * worth catching sits well inside the prior and larger ones are not penalised much.
 */
export function priorConcentration(minIncrease: number): number {
  const scale = 2 * Math.log(minIncrease);
  return Math.min(200, Math.max(0.5, 2 / (scale * scale)));
}

/** Normalised log prior weights on the grid offsets (a discrete logistic-beta half-density). */
export function logPriorWeights(minIncrease: number): readonly number[] {
  const cached = priorCache.get(minIncrease);
  if (cached) return cached;
  const a = priorConcentration(minIncrease);
  const raw = OFFSETS.map((d) => {
    const share = 1 / (1 + Math.exp(-d));
    return a * (Math.log(share) + Math.log1p(-share));
  });
  const norm = logSumExp(raw);
  const weights = raw.map((w) => w - norm);
  priorCache.set(minIncrease, weights);
  return weights;
}

const priorCache = new Map<number, readonly number[]>();

/** log of the binomial likelihood ratio of ψ = e^alt against ψ = e^nul for one window's error split. */
function splitLogRatio(alt: number, nul: number, rho: number, canaryErrors: number, errors: number): number {
  const logNorm = (d: number) => Math.log1p(rho * Math.expm1(d));
  return canaryErrors * (alt - nul) - errors * (logNorm(alt) - logNorm(nul));
}

/** Folds one window of increments into the state (returns a new state; the input is not modified). */
export function updateErrorTest(
  state: ErrorTestState,
  window: ErrorWindow,
  config: ErrorTestConfig,
): ErrorTestState {
  const { canaryRequests, primaryRequests, canaryErrors, primaryErrors } = window;
  const errors = canaryErrors + primaryErrors;
  // A window where one arm served nothing says nothing about the split; nor does one without errors.
  if (canaryRequests <= 0 || primaryRequests <= 0 || errors === 0) return state;
  const rho = canaryRequests / (canaryRequests + primaryRequests);
  const margin = Math.log(config.margin);
  return {
    regression: state.regression.map(
      (l, j) => l + splitLogRatio(OFFSETS[j] ?? 0, 0, rho, canaryErrors, errors),
    ),
    nonInferiority: state.nonInferiority.map(
      (l, j) => l + splitLogRatio(margin - (OFFSETS[j] ?? 0), margin, rho, canaryErrors, errors),
    ),
  };
}

/** The two Bayes factors (in log space) for the current state. */
export function evaluateErrorTest(state: ErrorTestState, config: ErrorTestConfig): ErrorTestResult {
  const prior = logPriorWeights(config.minIncrease);
  const mix = (logLr: number[]) => logSumExp(logLr.map((l, j) => l + (prior[j] ?? -Infinity)));
  return { logBayesFactor: mix(state.regression), logNonInferiorityBayesFactor: mix(state.nonInferiority) };
}

export const ERROR_GRID_POINTS = GRID_POINTS;
