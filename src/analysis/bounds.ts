/**
 * How a value passes or fails, with Flagger's rules: `thresholdRange` bounds are inclusive; the
 * deprecated `threshold` is a minimum for the success rate and a maximum for everything else; with
 * neither, the success rate has no bound and every other metric has Flagger's implicit max 0.
 */
import type { CanaryMetric } from '../api/canary.js';
import type { CheckOutcome } from '../engine/ports.js';
import { SUCCESS_RATE } from './builtin.js';

export interface Bounds {
  min?: number;
  max?: number;
  /** Why the bounds are what they are, when not written by the user. */
  note?: string;
}

export function boundsOf(metric: CanaryMetric, builtin: boolean): Bounds {
  const range = metric.thresholdRange;
  if (range !== undefined && (range.min !== undefined || range.max !== undefined)) {
    return {
      ...(range.min !== undefined ? { min: range.min } : {}),
      ...(range.max !== undefined ? { max: range.max } : {}),
    };
  }
  const successRate = builtin && metric.name === SUCCESS_RATE;
  if (metric.threshold !== undefined) {
    return successRate ? { min: metric.threshold } : { max: metric.threshold };
  }
  if (successRate) return { note: 'no threshold set' };
  return { max: 0, note: 'no threshold set: implicit max 0, as in Flagger' };
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
}

function describeBounds(bounds: Bounds): string {
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`min ${formatNumber(bounds.min)}`);
  if (bounds.max !== undefined) parts.push(`max ${formatNumber(bounds.max)}`);
  if (parts.length === 0) return bounds.note ?? 'no bounds';
  return bounds.note === undefined ? parts.join(', ') : `${parts.join(', ')}; ${bounds.note}`;
}

/**
 * A value against its bounds. NaN (0/0: no requests) and ±Inf (a division by zero, an empty
 * histogram bucket range) measure nothing, so they are `unknown`, whatever the bounds say: +Inf
 * must not pass a `min`, nor -Inf a `max`.
 */
export function judgeValue(name: string, value: number, bounds: Bounds): CheckOutcome {
  if (!Number.isFinite(value)) {
    return {
      ...unknownOutcome(
        name,
        `${name} is ${formatNumber(value)}: no measurement (no requests, or a division by zero); bounds ${describeBounds(bounds)}`,
      ),
      ...(bounds.min !== undefined ? { min: bounds.min } : {}),
      ...(bounds.max !== undefined ? { max: bounds.max } : {}),
    };
  }
  const below = bounds.min !== undefined && value < bounds.min;
  const above = bounds.max !== undefined && value > bounds.max;
  const verdict = below || above ? 'fail' : 'pass';
  const relation = below ? 'below' : above ? 'above' : 'within';
  return {
    name,
    kind: 'metric',
    verdict,
    value,
    ...(bounds.min !== undefined ? { min: bounds.min } : {}),
    ...(bounds.max !== undefined ? { max: bounds.max } : {}),
    message: `${name} ${formatNumber(value)} ${relation} bounds (${describeBounds(bounds)})`,
  };
}

export function unknownOutcome(name: string, message: string): CheckOutcome {
  return { name, kind: 'metric', verdict: 'unknown', message };
}
