/**
 * Runs a judge over one simulated canary: feeds cumulative counts at every scrape and reports when
 * it first failed or passed early. Shared by the statistical tests and bench/judge.
 */
import { createJudge } from '../judge.js';
import type { JudgeObservation, LatencyObservation } from '../observation.js';
import type { JudgeSpecInput } from '../schema.js';
import type { Random } from './random.js';
import {
  accumulate,
  EMPTY_ARM,
  histogramCounts,
  ISTIO_BUCKETS_MS,
  simulateTraffic,
  type ArmWindow,
  type TrafficScenario,
  type TrafficWindow,
} from './traffic.js';

export interface SimulatedOutcome {
  /** Seconds since the start when the judge first said fail; null if it never did. */
  failedAt: number | null;
  /** Seconds since the start when the judge first said pass-early; null if it never did. */
  passedEarlyAt: number | null;
  lastReason: string;
}

export type LatencyInput = 'moments' | 'histogram' | 'sum';

export interface SimulationOptions {
  stepSeconds?: number;
  horizonSeconds?: number;
  /** How latency reaches the judge: exact log moments, Istio histogram buckets, or only _sum and _count. */
  latencyInput?: LatencyInput;
  /** Keep going after pass-early (to measure false failures over the whole horizon). */
  stopOnPassEarly?: boolean;
}

/** Accumulates simulated Istio histogram buckets for both arms. */
export class HistogramFeed {
  private readonly canary = new Array<number>(ISTIO_BUCKETS_MS.length + 1).fill(0);
  private readonly primary = new Array<number>(ISTIO_BUCKETS_MS.length + 1).fill(0);

  constructor(
    private readonly rng: Random,
    private readonly scenario: TrafficScenario,
  ) {}

  add(window: TrafficWindow): void {
    const add = (into: number[], more: number[]) => {
      more.forEach((k, i) => (into[i] = (into[i] ?? 0) + k));
    };
    add(this.canary, histogramCounts(this.rng, window.canary.requests, this.scenario.canary));
    add(this.primary, histogramCounts(this.rng, window.primary.requests, this.scenario.primary));
  }

  buckets(arm: 'canary' | 'primary') {
    let total = 0;
    const counts = arm === 'canary' ? this.canary : this.primary;
    return counts.map((k, i) => ({ le: ISTIO_BUCKETS_MS[i] ?? Infinity, count: (total += k) }));
  }
}

export function simulateJudge(
  rng: Random,
  scenario: TrafficScenario,
  spec: JudgeSpecInput,
  options: SimulationOptions = {},
): SimulatedOutcome {
  const {
    stepSeconds = 10,
    horizonSeconds = 600,
    latencyInput = 'moments',
    stopOnPassEarly = false,
  } = options;
  const feed = latencyInput === 'histogram' ? new HistogramFeed(rng, scenario) : null;
  return judgeWindows(simulateTraffic(rng, scenario, stepSeconds, horizonSeconds), spec, {
    feed,
    stopOnPassEarly,
    sumOnly: latencyInput === 'sum',
  });
}

/** Feeds already simulated windows to a fresh judge, cumulatively, one observation per window. */
export function judgeWindows(
  windows: Iterable<TrafficWindow>,
  spec: JudgeSpecInput,
  options: { feed?: HistogramFeed | null; stopOnPassEarly?: boolean; sumOnly?: boolean } = {},
): SimulatedOutcome {
  const { feed = null, stopOnPassEarly = false, sumOnly = false } = options;
  const latencyOf = (total: ArmWindow, arm: 'canary' | 'primary'): LatencyObservation => {
    if (feed) return { buckets: feed.buckets(arm) };
    if (sumOnly) return { count: total.count, sumMs: total.sumMs };
    return { count: total.count, sumLog: total.sumLog, sumLogSquares: total.sumLogSquares };
  };
  const judge = createJudge(spec);
  let canary: ArmWindow = EMPTY_ARM;
  let primary: ArmWindow = EMPTY_ARM;
  const outcome: SimulatedOutcome = { failedAt: null, passedEarlyAt: null, lastReason: '' };
  for (const window of windows) {
    canary = accumulate(canary, window.canary);
    primary = accumulate(primary, window.primary);
    feed?.add(window);
    const observation: JudgeObservation = {
      canary: { requests: canary.requests, errors: canary.errors, latency: latencyOf(canary, 'canary') },
      primary: { requests: primary.requests, errors: primary.errors, latency: latencyOf(primary, 'primary') },
    };
    const decision = judge.observe(observation);
    outcome.lastReason = decision.reason;
    if (decision.verdict === 'pass-early' && outcome.passedEarlyAt === null) {
      outcome.passedEarlyAt = window.end;
      if (stopOnPassEarly) return outcome;
    }
    if (decision.verdict === 'fail') {
      outcome.failedAt = window.end;
      return outcome;
    }
  }
  return outcome;
}
