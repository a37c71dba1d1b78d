import type { Routes } from '../engine/ports.js';
import type { HTTPRoute, RouteDestination, TCPRoute, VirtualServiceSpec } from './istio/types.js';
import { hostMatcher } from './match.js';
import type { ServiceNames } from './names.js';

/**
 * Flagger's `GetRoutes`: reads the split back from a live VirtualService. The weighted route is
 * the LAST rule with a destination on the canary host (after the sticky-cookie and A/B rules);
 * `mirrored` is whether that rule mirrors. This is the truth after a restart, so anything that
 * does not look like Serin's routing is an error, not a guess.
 */
export function readRoutes(spec: VirtualServiceSpec, names: ServiceNames, namespace?: string): Routes {
  const isPrimary = hostMatcher([names.primary], namespace !== undefined ? { namespace } : {});
  const isCanary = hostMatcher([names.canary], namespace !== undefined ? { namespace } : {});
  const pick = (dests: readonly RouteDestination[]) => {
    let primaryWeight: number | undefined;
    let canaryWeight: number | undefined;
    for (const d of dests) {
      if (isPrimary(d.destination.host)) primaryWeight = d.weight ?? 0;
      if (isCanary(d.destination.host)) canaryWeight = d.weight ?? 0;
    }
    return { primaryWeight: primaryWeight ?? 0, canaryWeight: canaryWeight ?? 0 };
  };
  const hasCanary = (r: HTTPRoute | TCPRoute) => (r.route ?? []).some((d) => isCanary(d.destination.host));
  const http = spec.http ?? [];
  const tcp = spec.tcp ?? [];
  const weightedHttp = http.findLast(hasCanary);
  let routes: Routes;
  if (weightedHttp) {
    routes = {
      ...pick(weightedHttp.route ?? []),
      mirrored: weightedHttp.mirror !== undefined && weightedHttp.mirror.host !== '',
    };
  } else {
    const weightedTcp = tcp.findLast(hasCanary);
    if (!weightedTcp)
      throw new Error(
        `no route with a destination on ${names.canary}: the VirtualService is not managed by this canary`,
      );
    routes = { ...pick(weightedTcp.route ?? []), mirrored: false };
  }
  if (routes.primaryWeight === 0 && routes.canaryWeight === 0) {
    throw new Error(`both ${names.primary} and ${names.canary} have weight 0`);
  }
  return routes;
}
