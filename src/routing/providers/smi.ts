/**
 * SMI TrafficSplit (`split.smi-spec.io`), the object Flagger's SMI routers write for Linkerd
 * (`linkerd`, v1alpha1), Open Service Mesh (`osm`, v1alpha2) and any SMI mesh (`smi:v1alpha1`,
 * `smi:v1alpha2`, `smi:v1alpha3`): one TrafficSplit `<svc>` whose `spec.service` is the first of
 * `spec.service.hosts` (the apex Service when none), with the canary backend first and the primary
 * second, as pkg/router/smi*.go render them.
 *
 * The versions differ in how a weight is written: v1alpha1 holds a Kubernetes quantity (Flagger
 * writes the whole number as a quantity string, "90"), v1alpha2 and v1alpha3 an integer. A
 * TrafficSplit carries weights only: Flagger's SMI routers render no HTTPRouteGroup matches (not
 * even for v1alpha3, whose TrafficSplit could reference one), no mirror and no stickiness, so
 * those are refused here, naming the field, rather than dropped as Flagger drops them.
 */
import type { Canary } from '../../api/canary.js';
import { ignored, type CapabilityIssue } from '../../api/capability-issue.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { serviceNames } from '../names.js';
import { ownerReferences } from '../render/kubernetes.js';
import { validatePlan } from '../render/plan.js';
import { unrenderedServiceFields } from './service-fields.js';
import { ALL_ON_PRIMARY, type KubeObject, type Lookup, type RoutingProvider } from './types.js';

export const SMI_GROUP = 'split.smi-spec.io';

export type SmiVersion = 'v1alpha1' | 'v1alpha2' | 'v1alpha3';

export function trafficSplitResource(version: SmiVersion): ResourceType {
  return { group: SMI_GROUP, version, plural: 'trafficsplits', kind: 'TrafficSplit', namespaced: true };
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A v1alpha1 weight is a quantity: Flagger writes whole numbers ("90"), a server may hold "90" or 90. */
function weightOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number(value);
  return undefined;
}

function renderTrafficSplit(
  version: SmiVersion,
  canary: Canary,
  plan: Parameters<RoutingProvider['render']>[1],
): KubeObject {
  validatePlan(plan);
  const names = serviceNames(canary);
  const weight = (w: number) => (version === 'v1alpha1' ? String(w) : w);
  const owners = ownerReferences(canary);
  return {
    apiVersion: `${SMI_GROUP}/${version}`,
    kind: 'TrafficSplit',
    metadata: {
      name: names.apex,
      ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
      ...(owners ? { ownerReferences: owners } : {}),
    },
    spec: {
      service: canary.spec.service.hosts?.[0] ?? names.apex,
      backends: [
        { service: names.canary, weight: weight(plan.canaryWeight) },
        { service: names.primary, weight: weight(plan.primaryWeight) },
      ],
    },
  };
}

/** The split a TrafficSplit carries, read as Flagger's GetRoutes reads it (backends by Service name). */
function readTrafficSplit(resource: ResourceType, canary: Canary, live: Lookup) {
  const names = serviceNames(canary);
  const split = live(resource, names.apex);
  if (!split || !isRecord(split.spec) || !Array.isArray(split.spec.backends)) return ALL_ON_PRIMARY;
  const backends = split.spec.backends.filter(isRecord);
  const primary = weightOf(backends.find((b) => b.service === names.primary)?.weight) ?? 0;
  const canaryWeight = weightOf(backends.find((b) => b.service === names.canary)?.weight) ?? 0;
  if (primary === 0 && canaryWeight === 0) return ALL_ON_PRIMARY;
  return { primaryWeight: primary, canaryWeight, mirrored: false };
}

function issues(id: string, spec: Readonly<Json>): CapabilityIssue[] {
  const found = unrenderedServiceFields(spec, id);
  const service = isRecord(spec.service) ? spec.service : {};
  const hosts = Array.isArray(service.hosts) ? service.hosts : [];
  if (hosts.length > 1)
    found.push(
      ignored(
        'spec.service.hosts',
        `a TrafficSplit splits one Service: only the first host (${String(hosts[0])}) is used, as Flagger does`,
      ),
    );
  for (const field of ['gateways', 'gatewayRefs'])
    if (Array.isArray(service[field]) && service[field].length > 0)
      found.push(
        ignored(
          `spec.service.${field}`,
          `a TrafficSplit is mesh-internal and attaches to no gateway; ignored`,
        ),
      );
  return found;
}

export interface TrafficSplitProviderOptions {
  id: string;
  names: readonly string[];
  version: SmiVersion;
}

/** A provider that writes one TrafficSplit of `version`. */
export function trafficSplitProvider({ id, names, version }: TrafficSplitProviderOptions): RoutingProvider {
  const resource = trafficSplitResource(version);
  const ref = (canary: Canary) => [{ resource, name: serviceNames(canary).apex }];
  return {
    id,
    names,
    features: { weights: true, headers: false, cookies: false, mirror: false, sessionAffinity: false },
    resources: [resource],
    issues: (spec) => issues(id, spec),
    inputs: () => [],
    render: (canary, plan) => [renderTrafficSplit(version, canary, plan)],
    watched: ref,
    read: (canary, live) => readTrafficSplit(resource, canary, live),
    finalize: (canary) => ({ delete: ref(canary), apply: [] }),
  };
}
