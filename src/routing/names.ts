import type { Canary, CanaryAnalysis, CanaryService } from '../api/canary.js';

/** The three Service names Flagger derives from a Canary, which Serin keeps. */
export interface ServiceNames {
  apex: string;
  primary: string;
  canary: string;
}

export function serviceNames(canary: Pick<Canary, 'spec'>): ServiceNames {
  const apex = canary.spec.service.name ?? canary.spec.targetRef.name;
  return { apex, primary: `${apex}-primary`, canary: `${apex}-canary` };
}

/** `analysis`, or Flagger's older `canaryAnalysis` alias. */
export function analysisOf(canary: Pick<Canary, 'spec'>): CanaryAnalysis | undefined {
  return canary.spec.analysis ?? canary.spec.canaryAnalysis;
}

export type RoutingStrategy = 'canary' | 'ab-testing' | 'blue-green';

/**
 * The strategy as Flagger detects it: A/B needs `match` and `iterations`, blue/green needs
 * `iterations`, anything else progresses by weight. (The Istio route shape keys on `match` alone,
 * see {@link isHeaderRouted}.)
 */
export function strategyOf(canary: Pick<Canary, 'spec'>): RoutingStrategy {
  const a = analysisOf(canary);
  const iterations = a?.iterations ?? 0;
  if ((a?.match?.length ?? 0) > 0 && iterations > 0) return 'ab-testing';
  return iterations > 0 ? 'blue-green' : 'canary';
}

/** Routes are split by `analysis.match` whenever it is set, as Flagger's Istio router does. */
export function isHeaderRouted(canary: Pick<Canary, 'spec'>): boolean {
  return (analysisOf(canary)?.match?.length ?? 0) > 0;
}

export function isTcp(service: Pick<CanaryService, 'appProtocol'>): boolean {
  return service.appProtocol?.toLowerCase() === 'tcp';
}

/** Labels Flagger looks for, in order, to find the target's selector label. */
export const SELECTOR_LABELS = ['app', 'name', 'app.kubernetes.io/name'] as const;
