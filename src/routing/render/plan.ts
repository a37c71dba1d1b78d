import type { Canary, Phase } from '../../api/canary.js';
import { analysisOf, strategyOf } from '../names.js';

/**
 * What the routing objects must express at one moment of a rollout. `primaryWeight` and
 * `canaryWeight` are what the engine's router port sets; the session-affinity cookies default to
 * the ones the engine keeps in `canary.status`.
 */
export interface TrafficPlan {
  primaryWeight: number;
  canaryWeight: number;
  mirrored: boolean;
  cookies?: SessionCookies;
}

export interface SessionCookies {
  /** `<cookieName>=<value>` sent to clients that landed on the canary. */
  canary?: string;
  /** `<primaryCookieName>=<value>` sent to clients that landed on the primary. */
  primary?: string;
  /** The canary cookie of the previous run, expired with `Max-Age=-1`. */
  previous?: string;
}

export function cookiesOf(canary: Pick<Canary, 'status'>, plan: TrafficPlan): SessionCookies {
  const s = canary.status;
  return {
    canary: plan.cookies?.canary ?? s?.sessionAffinityCookie,
    primary: plan.cookies?.primary ?? s?.primarySessionAffinityCookie,
    previous: plan.cookies?.previous ?? s?.previousSessionAffinityCookie,
  };
}

export function validatePlan(plan: TrafficPlan): void {
  for (const [name, w] of [
    ['primaryWeight', plan.primaryWeight],
    ['canaryWeight', plan.canaryWeight],
  ] as const) {
    if (!Number.isInteger(w) || w < 0 || w > 100) {
      throw new Error(`${name}: expected a whole number between 0 and 100, got ${w}`);
    }
  }
  if (plan.primaryWeight + plan.canaryWeight !== 100) {
    throw new Error(
      `expected primaryWeight + canaryWeight = 100, got ${plan.primaryWeight} + ${plan.canaryWeight}`,
    );
  }
}

/**
 * The traffic plan a phase shows, for `serin generate --phase`: what the objects look like when a
 * rollout is in that phase (at `weight` for a progressing canary).
 */
export function planForPhase(canary: Pick<Canary, 'spec'>, phase: Phase, weight?: number): TrafficPlan {
  const a = analysisOf(canary);
  const strategy = strategyOf(canary);
  const stay: TrafficPlan = { primaryWeight: 100, canaryWeight: 0, mirrored: false };
  switch (phase) {
    case 'Progressing': {
      if (strategy === 'ab-testing') return { primaryWeight: 0, canaryWeight: 100, mirrored: false };
      if (strategy === 'blue-green') return { ...stay, mirrored: a?.mirror === true };
      const w = weight ?? a?.stepWeight ?? a?.stepWeights?.[0] ?? 10;
      return { primaryWeight: 100 - w, canaryWeight: w, mirrored: false };
    }
    case 'WaitingPromotion':
    case 'Promoting':
      if (strategy !== 'canary') return { primaryWeight: 0, canaryWeight: 100, mirrored: false };
      return weight === undefined
        ? stay
        : { primaryWeight: 100 - weight, canaryWeight: weight, mirrored: false };
    default:
      return weight === undefined
        ? stay
        : { primaryWeight: 100 - weight, canaryWeight: weight, mirrored: false };
  }
}
