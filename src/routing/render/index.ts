import type { Canary } from '../../api/canary.js';
import { isOfType } from '../../kubernetes/resources.js';
import { routingProviderOf } from '../../api/capabilities.js';
import type { VirtualService } from '../istio/types.js';
import type { RoutingProviderId } from '../providers/ids.js';
import { providerById } from '../providers/registry.js';
import { isKnativeTarget } from '../providers/knative.js';
import type { Lookup } from '../providers/types.js';
import {
  renderPrimaryWorkload,
  renderServices,
  renderServiceTargetCopies,
  type KubeObject,
  type TargetWorkload,
} from './kubernetes.js';
import type { TrafficPlan } from './plan.js';

export type RoutingProvider = RoutingProviderId;

export interface RenderOptions {
  plan: TrafficPlan;
  provider?: RoutingProviderId;
  /**
   * The target (Deployment, DaemonSet or Service): gives the selector label, discovered ports and
   * the primary copy; for a Service target, the copies `-primary` and `-canary` are made of it.
   */
  target?: TargetWorkload & { apiVersion?: string; kind?: string };
  /** The user's VirtualService, required when `service.routing` is `merge`. */
  userVirtualService?: VirtualService;
  /** The user's objects a provider reads (an Ingress named by `spec.ingressRef`, …), when given. */
  inputs?: readonly KubeObject[];
}

/**
 * The provider a Canary routes with: its `spec.provider`, else `fallback` (a controller's
 * `--provider`; `istio`, Flagger's default mesh provider). A provider Serin does not implement is
 * an error, never rendered as another; the controller refuses such a Canary before any tick.
 */
export function providerOf(
  canary: Pick<Canary, 'spec'>,
  fallback: RoutingProviderId = 'istio',
): RoutingProviderId {
  const provider = routingProviderOf(canary.spec.provider, fallback);
  if (provider === undefined)
    throw new Error(`spec.provider: ${canary.spec.provider ?? ''} is not supported by Serin yet`);
  return provider;
}

/** The user's objects, then what is rendered before the provider's (the Services), as a cluster holds them. */
function lookupIn(options: RenderOptions, rendered: readonly KubeObject[]): Lookup {
  const objects = [
    ...(options.inputs ?? []),
    ...(options.userVirtualService ? [options.userVirtualService as unknown as KubeObject] : []),
    ...rendered,
  ];
  return (resource, name, namespace) =>
    objects.find(
      (o) =>
        isOfType(resource, o) &&
        o.metadata.name === name &&
        (namespace === undefined || o.metadata.namespace === undefined || o.metadata.namespace === namespace),
    );
}

/**
 * Every object Serin manages for a Canary, in the order to apply them: Services, the primary
 * Deployment or DaemonSet (none for a Service target, whose -primary and -canary copies come
 * instead), then the provider's objects (DestinationRules before the VirtualService that uses
 * them: make-before-break).
 */
export function renderCanaryObjects(canary: Canary, options: RenderOptions): KubeObject[] {
  const provider = providerById(options.provider ?? providerOf(canary));
  // A Knative Service target is served by Knative's own routes: no Services, no primary copy.
  if (isKnativeTarget(canary.spec.targetRef))
    return provider.render(canary, options.plan, lookupIn(options, []));
  const serviceTarget = canary.spec.targetRef.kind === 'Service';
  const objects: KubeObject[] = serviceTarget
    ? renderServiceTargetCopies(canary, options.target)
    : [...renderServices(canary, options.target)];
  if (options.target && !serviceTarget) objects.push(renderPrimaryWorkload(canary, options.target));
  objects.push(...provider.render(canary, options.plan, lookupIn(options, objects)));
  return objects;
}
