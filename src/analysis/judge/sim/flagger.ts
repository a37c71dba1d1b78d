/**
 * Flagger's threshold policy as a baseline for bench/judge, with its defaults: one check per
 * `interval` (1m) over the canary's last interval of traffic, `request-success-rate` ≥ 99% and
 * `request-duration` (P99) ≤ 500 ms; a failing check adds 1 to `failedChecks`, which passing
 * checks never reset; the run rolls back at the start of the first tick that finds
 * `failedChecks ≥ threshold` (5), i.e. one interval after the failure that used up the budget.
 */
import { normalQuantile } from '../math.js';
import type { Random } from './random.js';
import type { ArmBehaviour, TrafficWindow } from './traffic.js';

export interface FlaggerPolicy {
  intervalSeconds: number;
  threshold: number;
  successRateMin: number;
  durationP99MaxMs: number;
}

export const FLAGGER_DEFAULTS: FlaggerPolicy = {
  intervalSeconds: 60,
  threshold: 5,
  successRateMin: 99,
  durationP99MaxMs: 500,
};

/** The empirical P99 of n lognormal latencies, drawn exactly from the order statistic's Beta law. */
export function sampleP99(rng: Random, n: number, arm: ArmBehaviour): number {
  const k = Math.ceil(0.99 * n);
  const u = rng.beta(k, n - k + 1);
  return (
    arm.latencyMedianMs * Math.exp(arm.latencySigma * normalQuantile(Math.min(1 - 1e-15, Math.max(1e-15, u))))
  );
}

/** One Flagger check over the canary's traffic in an interval; true when it fails. */
function checkFails(
  rng: Random,
  requests: number,
  errors: number,
  arm: ArmBehaviour,
  policy: FlaggerPolicy,
): boolean {
  // No traffic means "no values found", which Flagger counts as a failed check.
  if (requests === 0) return true;
  if (100 * (1 - errors / requests) < policy.successRateMin) return true;
  return sampleP99(rng, requests, arm) > policy.durationP99MaxMs;
}

/**
 * Seconds until Flagger rolls back, or null if it does not within the windows given. `windows`
 * are consecutive scrape windows whose length divides the interval.
 */
export function flaggerRollbackAt(
  rng: Random,
  windows: readonly TrafficWindow[],
  canaryArm: ArmBehaviour,
  policy: FlaggerPolicy = FLAGGER_DEFAULTS,
): number | null {
  let failedChecks = 0;
  let requests = 0;
  let errors = 0;
  let intervalEnd = policy.intervalSeconds;
  for (const w of windows) {
    requests += w.canary.requests;
    errors += w.canary.errors;
    if (w.end + 1e-9 < intervalEnd) continue;
    // A tick: first the budget left by earlier ticks, then this interval's check.
    if (failedChecks >= policy.threshold) return w.end;
    if (checkFails(rng, requests, errors, canaryArm, policy)) failedChecks++;
    requests = 0;
    errors = 0;
    intervalEnd += policy.intervalSeconds;
  }
  return null;
}
