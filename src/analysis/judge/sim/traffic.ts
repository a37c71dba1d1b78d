/**
 * Synthetic canary traffic, aggregated per scrape window: Poisson arrivals with a diurnal rate,
 * each request routed to the canary with the canary weight (Istio's per-request weighted
 * routing), failing with its arm's error rate and taking a lognormal latency. A window's totals
 * are drawn directly from their exact distributions (Poisson counts, binomial errors, the sample
 * mean and spread of normal log-latencies), so an hour of 100 req/s costs a few hundred draws.
 */
import type { LogLatencyMoments } from '../observation.js';
import { normalCdf } from '../math.js';
import type { Random } from './random.js';

export interface ArmBehaviour {
  /** Probability that a request fails, at average load. */
  errorRate: number;
  /** Median latency in ms (lognormal). */
  latencyMedianMs: number;
  /** Standard deviation of ln(latency). */
  latencySigma: number;
  /**
   * Standard deviation of a shift of ln(latency) shared by all requests of one arm in one window
   * (a busy node, a GC pause): requests within a window are then correlated. Default 0.
   */
  latencyWindowJitter?: number;
}

export interface TrafficScenario {
  /** Mean total request rate, requests per second. */
  rps: number;
  /** Share of requests the canary gets, 0..1. */
  canaryWeight: number;
  primary: ArmBehaviour;
  canary: ArmBehaviour;
  /** Load swings by ± amplitude around the mean over the period (a compressed day). */
  diurnal: { amplitude: number; periodSeconds: number };
  /** How strongly the error rate follows load on both arms (0: not at all, 1: proportionally). */
  errorLoadCoupling: number;
}

export interface ArmWindow extends LogLatencyMoments {
  requests: number;
  errors: number;
  /** Σ latency ms (Prometheus' `_sum`), drawn from its normal approximation. */
  sumMs: number;
}

export interface TrafficWindow {
  /** End of the window, seconds since the start of the run. */
  end: number;
  canary: ArmWindow;
  primary: ArmWindow;
}

/** Draws one arm's window: `requests` requests with the arm's behaviour at relative load `load`. */
function armWindow(rng: Random, requests: number, arm: ArmBehaviour, errorFactor: number): ArmWindow {
  const errors = rng.binomial(requests, Math.min(1, arm.errorRate * errorFactor));
  if (requests === 0) return { requests, errors, count: 0, sumLog: 0, sumLogSquares: 0, sumMs: 0 };
  const jitter = arm.latencyWindowJitter ?? 0;
  const mu = Math.log(arm.latencyMedianMs) + (jitter > 0 ? jitter * rng.normal() : 0);
  const sigma = arm.latencySigma;
  // Sample mean and sum of squared deviations of `requests` iid N(mu, sigma²) log-latencies.
  const mean = mu + (sigma / Math.sqrt(requests)) * rng.normal();
  const squares = requests > 1 ? sigma * sigma * rng.chiSquare(requests - 1) : 0;
  // The sum of lognormal latencies by the central limit theorem (the arms are judged alike).
  const mean1 = Math.exp(mu + (sigma * sigma) / 2);
  const sd1 = mean1 * Math.sqrt(Math.expm1(sigma * sigma));
  const sumMs = Math.max(1e-9, requests * mean1 + Math.sqrt(requests) * sd1 * rng.normal());
  return {
    requests,
    errors,
    count: requests,
    sumLog: requests * mean,
    sumLogSquares: squares + requests * mean * mean,
    sumMs,
  };
}

/** A generator of consecutive windows of `stepSeconds`, with a random phase of the daily cycle. */
export function* simulateTraffic(
  rng: Random,
  scenario: TrafficScenario,
  stepSeconds: number,
  horizonSeconds: number,
): Generator<TrafficWindow> {
  const { amplitude, periodSeconds } = scenario.diurnal;
  const phase = 2 * Math.PI * rng.uniform();
  const omega = (2 * Math.PI) / periodSeconds;
  for (let start = 0; start + stepSeconds <= horizonSeconds + 1e-9; start += stepSeconds) {
    const end = start + stepSeconds;
    // ∫ rps·(1 + A·sin(ωt + φ)) dt over the window.
    const expected =
      scenario.rps *
      (stepSeconds - (amplitude / omega) * (Math.cos(omega * end + phase) - Math.cos(omega * start + phase)));
    const load = 1 + amplitude * Math.sin(omega * (start + end) * 0.5 + phase);
    const errorFactor = 1 + scenario.errorLoadCoupling * (load - 1);
    // Poisson thinning: each arm's arrivals are Poisson on their own.
    const canaryRequests = rng.poisson(expected * scenario.canaryWeight);
    const primaryRequests = rng.poisson(expected * (1 - scenario.canaryWeight));
    yield {
      end,
      canary: armWindow(rng, canaryRequests, scenario.canary, errorFactor),
      primary: armWindow(rng, primaryRequests, scenario.primary, errorFactor),
    };
  }
}

/** Running cumulative totals, shaped as the judge's observation of one arm. */
export function accumulate(total: ArmWindow, window: ArmWindow): ArmWindow {
  return {
    requests: total.requests + window.requests,
    errors: total.errors + window.errors,
    count: total.count + window.count,
    sumLog: total.sumLog + window.sumLog,
    sumLogSquares: total.sumLogSquares + window.sumLogSquares,
    sumMs: total.sumMs + window.sumMs,
  };
}

export const EMPTY_ARM: ArmWindow = {
  requests: 0,
  errors: 0,
  count: 0,
  sumLog: 0,
  sumLogSquares: 0,
  sumMs: 0,
};

/** A healthy scenario at the given weight: both arms behave the same. */
export function healthyScenario(canaryWeight: number, rps = 100): TrafficScenario {
  const arm: ArmBehaviour = { errorRate: 0.005, latencyMedianMs: 100, latencySigma: 0.5 };
  return {
    rps,
    canaryWeight,
    primary: arm,
    canary: { ...arm },
    diurnal: { amplitude: 0.5, periodSeconds: 1800 },
    errorLoadCoupling: 1,
  };
}

/** Istio's default bucket bounds for istio_request_duration_milliseconds. */
export const ISTIO_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/**
 * Per-bucket (not cumulative) counts of `requests` lognormal latencies over `bounds` plus +Inf,
 * drawn as a multinomial by successive binomials.
 */
export function histogramCounts(
  rng: Random,
  requests: number,
  arm: ArmBehaviour,
  bounds = ISTIO_BUCKETS_MS,
): number[] {
  const mu = Math.log(arm.latencyMedianMs);
  const cdf = (x: number) => normalCdf((Math.log(x) - mu) / arm.latencySigma);
  const counts: number[] = [];
  let remaining = requests;
  let massLeft = 1;
  let previous = 0;
  for (const bound of bounds) {
    const p = cdf(bound);
    const mass = p - previous;
    const k = massLeft > 0 ? rng.binomial(remaining, Math.min(1, mass / massLeft)) : 0;
    counts.push(k);
    remaining -= k;
    massLeft -= mass;
    previous = p;
  }
  counts.push(remaining);
  return counts;
}
