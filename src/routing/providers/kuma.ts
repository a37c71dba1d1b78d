/**
 * Kuma (`spec.provider: kuma`): a TrafficRoute `<svc>` (`kuma.io/v1alpha1`, cluster-scoped, in the
 * mesh the Canary's `kuma.io/mesh` annotation names, `default` otherwise) that sends every
 * source's traffic for the apex Kuma service to the primary and canary services by weight, as
 * Flagger's kuma router writes it (pkg/router/kuma.go). Kuma names a Kubernetes Service's port
 * `<name>_<namespace>_svc_<port>` (the `kuma.io/service` tag).
 *
 * Flagger's router renders weights only: matches, mirroring and stickiness are refused (features),
 * as are the Istio-only service fields. A cluster-scoped object cannot have a namespaced owner, so
 * the TrafficRoute carries no owner reference (as in Flagger) and finalize deletes it (Flagger
 * leaves it behind).
 */
import type { Canary } from '../../api/canary.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { serviceNames } from '../names.js';
import { routingAnnotations } from '../render/flux.js';
import { validatePlan } from '../render/plan.js';
import {
  ALL_ON_PRIMARY,
  type KubeObject,
  type Lookup,
  type RoutingProvider,
  type TrafficPlan,
} from './types.js';
import { unrenderableServiceFields } from './unrenderable-fields.js';

export const KUMA_TRAFFIC_ROUTE: ResourceType = {
  group: 'kuma.io',
  version: 'v1alpha1',
  plural: 'trafficroutes',
  kind: 'TrafficRoute',
  namespaced: false,
};

/** The Canary annotation Flagger reads the mesh from. */
export const KUMA_MESH_ANNOTATION = 'kuma.io/mesh';
const SERVICE_TAG = 'kuma.io/service';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** The `kuma.io/service` tag Kuma gives a Service's port. */
export function kumaService(canary: Canary, service: string): string {
  const ns = canary.metadata.namespace;
  if (ns === undefined)
    throw new Error(
      `metadata.namespace: the kuma provider names Kuma services <service>_<namespace>_svc_<port>; set the Canary's namespace`,
    );
  return `${service}_${ns}_svc_${String(canary.spec.service.port)}`;
}

export function renderTrafficRoute(canary: Canary, plan: TrafficPlan): KubeObject {
  validatePlan(plan);
  const names = serviceNames(canary);
  const apex = canary.spec.service.apex;
  const split = (service: string, weight: number) => ({
    weight,
    destination: { [SERVICE_TAG]: kumaService(canary, service) },
  });
  return {
    apiVersion: 'kuma.io/v1alpha1',
    kind: 'TrafficRoute',
    mesh: canary.metadata.annotations?.[KUMA_MESH_ANNOTATION] ?? 'default',
    metadata: {
      name: names.apex,
      ...(apex?.labels ? { labels: apex.labels } : {}),
      annotations: routingAnnotations(apex?.annotations),
    },
    spec: {
      sources: [{ match: { [SERVICE_TAG]: '*' } }],
      destinations: [{ match: { [SERVICE_TAG]: kumaService(canary, names.apex) } }],
      conf: { split: [split(names.primary, plan.primaryWeight), split(names.canary, plan.canaryWeight)] },
    },
  };
}

/** The split as Flagger reads it: the weight of the split whose service tag starts with the primary. */
function read(canary: Canary, live: Lookup) {
  const names = serviceNames(canary);
  const route = live(KUMA_TRAFFIC_ROUTE, names.apex);
  const conf = isRecord(route?.spec) && isRecord(route.spec.conf) ? route.spec.conf : {};
  const primary = records(conf.split).find((s) => {
    const tag = isRecord(s.destination) ? s.destination[SERVICE_TAG] : undefined;
    return typeof tag === 'string' && tag.split('_')[0] === names.primary;
  });
  if (!primary || typeof primary.weight !== 'number') return ALL_ON_PRIMARY;
  return { primaryWeight: primary.weight, canaryWeight: 100 - primary.weight, mirrored: false };
}

export const kumaProvider: RoutingProvider = {
  id: 'kuma',
  names: ['kuma'],
  features: { weights: true, headers: false, cookies: false, mirror: false, sessionAffinity: false },
  resources: [KUMA_TRAFFIC_ROUTE],
  issues: (spec) => unrenderableServiceFields(spec, 'kuma'),
  inputs: () => [],
  render: (canary, plan) => [renderTrafficRoute(canary, plan)],
  watched: (canary) => [{ resource: KUMA_TRAFFIC_ROUTE, name: serviceNames(canary).apex }],
  read,
  finalize: (canary) => ({
    delete: [{ resource: KUMA_TRAFFIC_ROUTE, name: serviceNames(canary).apex }],
    apply: [],
  }),
};
