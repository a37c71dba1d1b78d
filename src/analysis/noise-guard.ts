/**
 * The noise guard: a threshold check that fails for the canary is measured on the primary too,
 * in the same window. When the primary fails the same bound to the same degree, the machine, the
 * load or a shared dependency is to blame, not the canary: the check is `environmental`.
 *
 * "To the same degree", precisely: the primary's value is also past the bound, and the canary's
 * distance past the bound is at most 1.1 × the primary's distance plus 1% of the bound's size.
 * (The 1% keeps two values a hair past the bound from being told apart by rounding.)
 * A canary 10% further past the bound than the primary is still the canary's failure.
 */
import type { Canary } from '../api/canary.js';
import type { CheckOutcome } from '../engine/ports.js';
import type { Bounds } from './bounds.js';

export const SAME_DEGREE_RATIO = 1.1;
export const SAME_DEGREE_SLACK = 0.01;

/** The same Canary seen from its primary: queries and local counters name `<target>-primary`. */
export function primaryView(canary: Canary): Canary {
  const { targetRef } = canary.spec;
  return {
    ...canary,
    spec: { ...canary.spec, targetRef: { ...targetRef, name: `${targetRef.name}-primary` } },
  };
}

/** How far a value is past its bounds, in the bound's own unit (0 when within). */
export function distancePast(value: number, bounds: Bounds): number {
  const below = bounds.min !== undefined ? bounds.min - value : 0;
  const above = bounds.max !== undefined ? value - bounds.max : 0;
  return Math.max(0, below, above);
}

function violatedBound(value: number, bounds: Bounds): number {
  if (bounds.min !== undefined && value < bounds.min) return bounds.min;
  return bounds.max ?? 0;
}

/** Whether the canary fails no worse than the primary does (see the module comment). */
export function sameDegree(canaryValue: number, primaryValue: number, bounds: Bounds): boolean {
  if (!Number.isFinite(canaryValue) || !Number.isFinite(primaryValue)) return false;
  const canaryPast = distancePast(canaryValue, bounds);
  const primaryPast = distancePast(primaryValue, bounds);
  if (primaryPast <= 0) return false;
  const slack = SAME_DEGREE_SLACK * Math.abs(violatedBound(canaryValue, bounds));
  return canaryPast <= SAME_DEGREE_RATIO * primaryPast + slack;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
}

/**
 * The canary's failed outcome, re-read against the primary's value: `environmental` when shared
 * to the same degree, otherwise still `fail`; both values are in the message either way.
 */
export function guardOutcome(failed: CheckOutcome, primaryValue: number, bounds: Bounds): CheckOutcome {
  const value = failed.value ?? Number.NaN;
  const shared = sameDegree(value, primaryValue, bounds);
  const past = `past the bound by ${format(distancePast(value, bounds))} (canary) and ${format(distancePast(primaryValue, bounds))} (primary)`;
  const verdict = shared ? 'environmental' : 'fail';
  const why = shared
    ? `the primary fails it alike in the same window (primary ${format(primaryValue)}; ${past}): environmental, not the canary`
    : distancePast(primaryValue, bounds) > 0
      ? `the primary fails it too but less (primary ${format(primaryValue)}; ${past}): the canary is worse`
      : `the primary passes it in the same window (primary ${format(primaryValue)})`;
  return { ...failed, verdict, primaryValue, message: `${failed.message}; ${why}` };
}
