/**
 * Traefik (`spec.provider: traefik`): a TraefikService `<svc>` (`traefik.io/v1alpha1`) whose
 * weighted round robin sends `<svc>-primary` and `<svc>-canary` their shares, as Flagger's traefik
 * router writes it (pkg/router/traefik.go). The user's IngressRoute points at the TraefikService.
 *
 * A TraefikService routes by weight only: Flagger's router renders no match, mirror or stickiness,
 * so a Canary asking for one is refused (features), as are the Istio-only service fields.
 *
 * One difference from Flagger, on purpose: with all traffic on the canary, Flagger leaves out the
 * primary's `weight` (Go's omitempty on 0), and Traefik counts a service without a weight as
 * weight 1. Serin writes `weight: 0`, which Traefik's balancer skips, so 100% means 100%.
 */
import type { ResourceType } from '../../kubernetes/resources.js';
import { serviceNames } from '../names.js';
import { validatePlan } from '../render/plan.js';
import { ownedMetadata } from './owned-metadata.js';
import {
  ALL_ON_PRIMARY,
  type KubeObject,
  type Lookup,
  type RoutingProvider,
  type TrafficPlan,
} from './types.js';
import { unrenderableServiceFields } from './unrenderable-fields.js';
import type { Canary } from '../../api/canary.js';

export const TRAEFIK_SERVICE: ResourceType = {
  group: 'traefik.io',
  version: 'v1alpha1',
  plural: 'traefikservices',
  kind: 'TraefikService',
  namespaced: true,
};

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

interface WeightedService {
  name: string;
  namespace?: string;
  port: number;
  weight: number;
}

export function renderTraefikService(canary: Canary, plan: TrafficPlan): KubeObject {
  validatePlan(plan);
  const names = serviceNames(canary);
  const port = canary.spec.service.port;
  const ns = canary.metadata.namespace;
  const service = (name: string, weight: number): WeightedService => ({
    name,
    ...(ns !== undefined ? { namespace: ns } : {}),
    port,
    weight,
  });
  // Flagger lists the canary only while it has a share.
  const services = [service(names.primary, plan.primaryWeight)];
  if (plan.canaryWeight > 0) services.push(service(names.canary, plan.canaryWeight));
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'TraefikService',
    metadata: ownedMetadata(canary, names.apex),
    spec: { weighted: { services } },
  };
}

/** The split as Flagger reads it back: the primary's weight, the canary the rest. */
function read(canary: Canary, live: Lookup) {
  const names = serviceNames(canary);
  const object = live(TRAEFIK_SERVICE, names.apex);
  const weighted = isRecord(object?.spec) && isRecord(object.spec.weighted) ? object.spec.weighted : {};
  const primary = records(weighted.services).find((s) => s.name === names.primary);
  if (!primary) return ALL_ON_PRIMARY;
  const primaryWeight = typeof primary.weight === 'number' ? primary.weight : 1;
  return { primaryWeight, canaryWeight: 100 - primaryWeight, mirrored: false };
}

export const traefikProvider: RoutingProvider = {
  id: 'traefik',
  names: ['traefik'],
  features: { weights: true, headers: false, cookies: false, mirror: false, sessionAffinity: false },
  resources: [TRAEFIK_SERVICE],
  issues: (spec) => unrenderableServiceFields(spec, 'traefik'),
  inputs: () => [],
  render: (canary, plan) => [renderTraefikService(canary, plan)],
  watched: (canary) => [{ resource: TRAEFIK_SERVICE, name: serviceNames(canary).apex }],
  read,
  finalize: (canary) => ({
    delete: [{ resource: TRAEFIK_SERVICE, name: serviceNames(canary).apex }],
    apply: [],
  }),
};
