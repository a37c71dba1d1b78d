/**
 * Istio (`spec.provider: istio`, the default): DestinationRules `<svc>-primary` and `<svc>-canary`
 * and a VirtualService `<svc>` splitting between them, as Flagger's Istio router writes them. In
 * merge mode (`service.routing: merge`) the VirtualService is the user's: render rewrites only the
 * canary's destinations in it. Taking over a user's VirtualService and restoring it on deletion is
 * the Kubernetes router's (src/kubernetes/router.ts), which treats this provider specially.
 */
import type { Canary } from '../../api/canary.js';
import { Resources } from '../../kubernetes/resources.js';
import type { VirtualService } from '../istio/types.js';
import { mergeVirtualServiceSpec } from '../merge.js';
import { serviceNames } from '../names.js';
import { readRoutes } from '../read-routes.js';
import { ISTIO_API_VERSION, renderDestinationRules, renderVirtualService } from '../render/istio.js';
import type { KubeObject } from '../render/kubernetes.js';
import { ALL_ON_PRIMARY, type Lookup, type RoutingProvider } from './types.js';
import type { TrafficPlan } from '../render/plan.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const namespaceOf = (canary: Canary): string => canary.metadata.namespace ?? 'default';

function render(canary: Canary, plan: TrafficPlan, live: Lookup): KubeObject[] {
  const objects = renderDestinationRules(canary) as unknown as KubeObject[];
  if (canary.spec.service.routing !== 'merge')
    return [...objects, renderVirtualService(canary, plan) as unknown as KubeObject];
  const user = live(Resources.virtualService, serviceNames(canary).apex) as VirtualService | undefined;
  if (!user)
    throw new Error('spec.service.routing is merge: give the VirtualService Serin should merge into');
  const spec = mergeVirtualServiceSpec(user.spec, canary, plan, user.metadata.namespace);
  const merged = { ...structuredClone(user), apiVersion: user.apiVersion || ISTIO_API_VERSION, spec };
  return [...objects, merged as unknown as KubeObject];
}

/**
 * A VirtualService that does not exist yet, or has no route of Serin's (one the user had before
 * Serin took it over, a merge-mode object before the first merge), reads as all traffic on the
 * primary: that is what the cluster serves.
 */
function read(canary: Canary, live: Lookup) {
  const vs = live(Resources.virtualService, serviceNames(canary).apex);
  if (!vs || !isRecord(vs.spec)) return ALL_ON_PRIMARY;
  try {
    return readRoutes(vs.spec, serviceNames(canary), namespaceOf(canary));
  } catch {
    return ALL_ON_PRIMARY;
  }
}

export const istioProvider: RoutingProvider = {
  id: 'istio',
  names: ['istio'],
  features: { weights: true, headers: true, cookies: true, mirror: true, sessionAffinity: true },
  resources: [Resources.virtualService, Resources.destinationRule],
  issues: () => [],
  inputs: (canary) =>
    canary.spec.service.routing === 'merge'
      ? [{ resource: Resources.virtualService, name: serviceNames(canary).apex }]
      : [],
  render,
  watched: (canary) => [{ resource: Resources.virtualService, name: serviceNames(canary).apex }],
  read,
  finalize: (canary) => {
    const names = serviceNames(canary);
    return {
      // In merge mode the VirtualService is the user's: the router restores its routes instead.
      delete: [
        ...(canary.spec.service.routing === 'merge'
          ? []
          : [{ resource: Resources.virtualService, name: names.apex }]),
        { resource: Resources.destinationRule, name: names.primary },
        { resource: Resources.destinationRule, name: names.canary },
      ],
      apply: [],
    };
  },
};
