import type { HTTPFaultInjection, HTTPRoute, Destination } from '../istio/types.js';
import { RouteCompileError } from './string-match.js';

/**
 * Percentages as Istio reads them, written once: faults, mirrors. A percentage is a number in
 * [0, 100]; what an absent one means differs per field and is spelled out here.
 */

/** A compile error like any other of the plan, so every caller that reports those reports this. */
export class PercentageError extends RouteCompileError {
  constructor(
    path: string,
    readonly value: number,
  ) {
    super(path, `expected a percentage in [0, 100], got ${value}`);
  }
}

function checked(value: number, path: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new PercentageError(path, value);
  return value;
}

/**
 * A fault's percentage: `percentage.value`, else (delay only) the deprecated integer `percent`.
 * Unset means 0, so the fault injects nothing: pilot's TranslateFault sends Envoy an empty
 * FractionalPercent (delay: `percent` 0; abort: no percentage), whose numerator is 0.
 * Undefined when the rule has no such fault at all.
 */
export function delayPercent(fault: HTTPFaultInjection, path: string): number | undefined {
  const d = fault.delay;
  if (d === undefined) return undefined;
  if (d.percentage !== undefined) return checked(d.percentage.value ?? 0, `${path}.delay.percentage.value`);
  return checked(d.percent ?? 0, `${path}.delay.percent`);
}

export function abortPercent(fault: HTTPFaultInjection, path: string): number | undefined {
  const a = fault.abort;
  if (a === undefined) return undefined;
  return checked(a.percentage?.value ?? 0, `${path}.abort.percentage.value`);
}

export interface MirrorShare {
  destination: Destination;
  /** 0–100. */
  percent: number;
  /** Where the mirror is written, for messages. */
  path: string;
}

/**
 * Every mirror of a rule, `mirror` first then `mirrors[]`, as pilot appends them. `mirror` without a
 * percentage mirrors 100%; `mirrorPercentage` wins over the deprecated `mirrorPercent`. A mirror in
 * `mirrors[]` without a percentage also mirrors 100%.
 */
export function mirrorsOf(route: HTTPRoute, path: string): MirrorShare[] {
  const out: MirrorShare[] = [];
  if (route.mirror !== undefined) {
    const percent =
      route.mirrorPercentage !== undefined
        ? checked(route.mirrorPercentage.value ?? 0, `${path}.mirrorPercentage.value`)
        : route.mirrorPercent !== undefined
          ? checked(route.mirrorPercent, `${path}.mirrorPercent`)
          : 100;
    out.push({ destination: route.mirror, percent, path: `${path}.mirror` });
  }
  (route.mirrors ?? []).forEach((m, i) => {
    const at = `${path}.mirrors[${i}]`;
    const percent =
      m.percentage === undefined ? 100 : checked(m.percentage.value ?? 0, `${at}.percentage.value`);
    out.push({ destination: m.destination, percent, path: at });
  });
  return out;
}

/** A percentage draw: true with probability percent/100. `random` returns a number in [0, 1). */
export function chance(percent: number, random: () => number): boolean {
  return percent >= 100 || (percent > 0 && random() * 100 < percent);
}
