import type { Canary } from '../../api/canary.js';
import { routingProviderOf } from '../../api/capabilities.js';
import type { VirtualService } from '../istio/types.js';
import { mergeVirtualServiceSpec } from '../merge.js';
import { renderHttpRoute } from './gateway-api.js';
import { ISTIO_API_VERSION, renderDestinationRules, renderVirtualService } from './istio.js';
import {
  renderPrimaryDeployment,
  renderServices,
  type KubeObject,
  type TargetWorkload,
} from './kubernetes.js';
import type { TrafficPlan } from './plan.js';

export type RoutingProvider = 'istio' | 'gateway-api';

export interface RenderOptions {
  plan: TrafficPlan;
  provider?: RoutingProvider;
  /** The target Deployment: gives the selector label, discovered ports and the primary copy. */
  target?: TargetWorkload & { apiVersion?: string; kind?: string };
  /** The user's VirtualService, required when `service.routing` is `merge`. */
  userVirtualService?: VirtualService;
}

/**
 * The renderer for a Canary's `spec.provider` (`istio` when unset, as Flagger's default mesh
 * provider). A provider Serin does not implement is an error, never rendered as Istio.
 */
export function providerOf(canary: Pick<Canary, 'spec'>): RoutingProvider {
  const provider = routingProviderOf(canary.spec.provider);
  if (provider === undefined)
    throw new Error(`spec.provider: ${canary.spec.provider ?? ''} is not supported by Serin yet`);
  return provider;
}

/**
 * Every object Serin manages for a Canary, in the order to apply them: Services, the primary
 * Deployment, DestinationRules, then the route. DestinationRules come before the VirtualService
 * that uses them (make-before-break).
 */
export function renderCanaryObjects(canary: Canary, options: RenderOptions): KubeObject[] {
  const provider = options.provider ?? providerOf(canary);
  const objects: KubeObject[] = [...renderServices(canary, options.target)];
  if (options.target) objects.push(renderPrimaryDeployment(canary, options.target));
  if (provider === 'gateway-api') {
    objects.push(renderHttpRoute(canary, options.plan));
    return objects;
  }
  objects.push(...(renderDestinationRules(canary) as unknown as KubeObject[]));
  if (canary.spec.service.routing === 'merge') {
    const user = options.userVirtualService;
    if (!user) {
      throw new Error('spec.service.routing is merge: give the VirtualService Serin should merge into');
    }
    const spec = mergeVirtualServiceSpec(user.spec, canary, options.plan, user.metadata.namespace);
    objects.push({
      ...structuredClone(user),
      apiVersion: user.apiVersion || ISTIO_API_VERSION,
      spec,
    } as unknown as KubeObject);
  } else {
    objects.push(renderVirtualService(canary, options.plan) as unknown as KubeObject);
  }
  return objects;
}
