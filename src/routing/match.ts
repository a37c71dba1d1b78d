import type { HTTPRoute, VirtualServiceSpec } from './istio/types.js';
import {
  compileRoutePlan,
  destinationShares,
  mirrorsOf,
  pickShare,
  type DestinationShare,
  type PlanOptions,
  type RequestAttributes,
  type RoutePlan,
} from './plan/index.js';

/**
 * The spec-level view of the route plan (`./plan`), for callers that hold a bare
 * VirtualService spec (merge, render, read-routes). Every semantic lives in the plan; this
 * module only adapts its answers to "which `spec.http` rule".
 */

export { hostMatcher, stripPort, RouteCompileError as VirtualServiceCompileError } from './plan/index.js';
export type { DestinationShare, RequestAttributes } from './plan/index.js';

export interface SelectedRoute {
  /** Index of the rule in `spec.http` (of the root, for a delegated rule). */
  index: number;
  /** Index of the matching block in the rule's `match`, undefined for a rule without matches. */
  matchIndex: number | undefined;
  /** The effective rule (merged with its delegate's, for a delegated rule). */
  route: HTTPRoute;
}

export interface CompiledVirtualService {
  readonly spec: VirtualServiceSpec;
  readonly plan: RoutePlan;
  appliesTo(host: string, gateway?: string): boolean;
  select(req: RequestAttributes): SelectedRoute | undefined;
}

export interface CompileOptions extends Omit<PlanOptions, 'namespace'> {
  /** Namespace of the VirtualService (default `default`): short names are read relative to it. */
  namespace?: string;
  /** Its name, for messages. */
  name?: string;
}

export function compileVirtualService(
  spec: VirtualServiceSpec,
  options: CompileOptions = {},
): CompiledVirtualService {
  const { name, namespace, ...rest } = options;
  const plan = compileRoutePlan({ name: name ?? '', namespace: namespace ?? 'default', spec }, rest);
  return {
    spec,
    plan,
    appliesTo: (host, gateway) => plan.appliesTo(host, gateway),
    select(req) {
      const selected = plan.select(req);
      if (selected === undefined) return undefined;
      return {
        index: selected.rule.origin.index,
        matchIndex: selected.matchIndex,
        route: selected.rule.route,
      };
    },
  };
}

/** Shares of a rule's destinations (see {@link destinationShares}). */
export function destinationProbabilities(route: Pick<HTTPRoute, 'route'>): DestinationShare[] {
  return destinationShares(route.route ?? []);
}

export function pickDestination(
  route: Pick<HTTPRoute, 'route'>,
  random: () => number = Math.random,
): DestinationShare | undefined {
  return pickShare(destinationProbabilities(route), random);
}

/** Percentage of `mirror` (0 when there is none). */
export function mirrorPercent(route: HTTPRoute): number {
  return (
    mirrorsOf(
      { mirror: route.mirror, mirrorPercentage: route.mirrorPercentage, mirrorPercent: route.mirrorPercent },
      'route',
    )[0]?.percent ?? 0
  );
}
