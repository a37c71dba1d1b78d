/**
 * Apache APISIX (`spec.provider: apisix`): Flagger's apisix router (pkg/router/apisix.go) reads the
 * user's ApisixRoute named by `spec.routeRef`, takes the HTTP route whose one backend is the apex
 * Service, and writes a copy `<route>-<svc>-canary` holding only that HTTP route, at priority
 * 10000 (so it wins over the user's), with two weighted backends: `<svc>-primary` and
 * `<svc>-canary` on the backend's port. The user's route is never changed.
 *
 * Flagger's router renders weights only (no `match.exprs`, no mirror, no stickiness): a Canary
 * asking for more is refused (features), as are the Istio-only service fields.
 *
 * Two differences from Flagger, on purpose: the copy keeps the route's `spec.ingressClassName`
 * (Flagger's Go type has no such field and drops it, so a controller watching one class ignores
 * the copy) and leaves out its `stream` routes (Flagger copies them, which declares the user's L4
 * routes twice).
 */
import { invalid, type CapabilityIssue } from '../../api/capability-issue.js';
import type { Canary } from '../../api/canary.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { serviceNames } from '../names.js';
import { ownerReferences } from '../render/kubernetes.js';
import { validatePlan } from '../render/plan.js';
import {
  ALL_ON_PRIMARY,
  type KubeObject,
  type Lookup,
  type ObjectRef,
  type RoutingProvider,
  type TrafficPlan,
} from './types.js';
import { unrenderableServiceFields } from './unrenderable-fields.js';

export const APISIX_ROUTE: ResourceType = {
  group: 'apisix.apache.org',
  version: 'v2',
  plural: 'apisixroutes',
  kind: 'ApisixRoute',
  namespaced: true,
};

/** Flagger's priority for the canary route: above any route a user writes. */
export const CANARY_ROUTE_PRIORITY = 10000;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

function issues(spec: Readonly<Json>): CapabilityIssue[] {
  const found = unrenderableServiceFields(spec, 'apisix');
  const ref = spec.routeRef;
  if (!isRecord(ref) || typeof ref.name !== 'string' || ref.name === '') {
    found.push(invalid('spec.routeRef', 'the apisix provider needs the ApisixRoute to take over, got none'));
    return found;
  }
  if (ref.kind !== undefined && ref.kind !== 'ApisixRoute')
    found.push(invalid('spec.routeRef.kind', `expected ApisixRoute, got ${JSON.stringify(ref.kind)}`));
  if (ref.apiVersion !== undefined && ref.apiVersion !== 'apisix.apache.org/v2')
    found.push(
      invalid(
        'spec.routeRef.apiVersion',
        `expected apisix.apache.org/v2, got ${JSON.stringify(ref.apiVersion)}`,
      ),
    );
  if (ref.namespace !== undefined)
    found.push(
      invalid(
        'spec.routeRef.namespace',
        "the ApisixRoute is read in the Canary's namespace (as Flagger does); remove the namespace",
      ),
    );
  return found;
}

function routeName(canary: Canary): string {
  const name = canary.spec.routeRef?.name;
  if (name === undefined)
    throw new Error('spec.routeRef: the apisix provider needs the ApisixRoute to take over');
  return name;
}

export function canaryRouteName(canary: Canary): string {
  return `${routeName(canary)}-${serviceNames(canary).apex}-canary`;
}

/** The user's HTTP route that sends to `service`, with its index. */
function httpRouteTo(route: KubeObject, service: string): Json | undefined {
  const spec = isRecord(route.spec) ? route.spec : {};
  return records(spec.http).find((h) => records(h.backends).some((b) => b.serviceName === service));
}

export function renderApisixRoute(canary: Canary, plan: TrafficPlan, live: Lookup): KubeObject {
  validatePlan(plan);
  const names = serviceNames(canary);
  const name = routeName(canary);
  const where = `ApisixRoute ${canary.metadata.namespace ?? ''}/${name} (spec.routeRef)`.replace(' /', ' ');
  const route = live(APISIX_ROUTE, name);
  if (!route) throw new Error(`${where}: not found`);
  const spec = isRecord(route.spec) ? route.spec : {};
  if (records(spec.http).length === 0) throw new Error(`${where}: spec.http is empty`);
  const target = httpRouteTo(route, names.apex);
  if (!target) throw new Error(`${where}: no HTTP route has the backend ${names.apex}`);
  const backends = records(target.backends);
  if (backends.length !== 1)
    throw new Error(
      `${where}: HTTP route ${String(target.name)} has ${String(backends.length)} backends; the apisix provider needs exactly one, the apex Service ${names.apex}`,
    );
  const [user] = backends as [Json];
  const backend = (serviceName: string, weight: number): Json => ({
    serviceName,
    servicePort: user.servicePort,
    ...(user.resolveGranularity !== undefined ? { resolveGranularity: user.resolveGranularity } : {}),
    weight,
    ...(user.subset !== undefined ? { subset: user.subset } : {}),
  });
  const http = {
    ...structuredClone(target),
    priority: CANARY_ROUTE_PRIORITY,
    backends: [backend(names.primary, plan.primaryWeight), backend(names.canary, plan.canaryWeight)],
  };
  const owners = ownerReferences(canary);
  const { labels, annotations } = route.metadata;
  return {
    apiVersion: 'apisix.apache.org/v2',
    kind: 'ApisixRoute',
    metadata: {
      name: canaryRouteName(canary),
      ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
      ...(labels ? { labels: { ...labels } } : {}),
      ...(annotations ? { annotations: { ...annotations } } : {}),
      ...(owners ? { ownerReferences: owners } : {}),
    },
    spec: {
      ...(spec.ingressClassName !== undefined ? { ingressClassName: spec.ingressClassName } : {}),
      http: [http],
    },
  };
}

/** The split as Flagger reads it: the primary backend's weight of the canary route, the canary the rest. */
function read(canary: Canary, live: Lookup) {
  const names = serviceNames(canary);
  const route = canary.spec.routeRef ? live(APISIX_ROUTE, canaryRouteName(canary)) : undefined;
  const primary = route
    ? records(httpRouteTo(route, names.primary)?.backends).find((b) => b.serviceName === names.primary)
    : undefined;
  if (!primary || typeof primary.weight !== 'number') return ALL_ON_PRIMARY;
  return { primaryWeight: primary.weight, canaryWeight: 100 - primary.weight, mirrored: false };
}

const inputs = (canary: Canary): ObjectRef[] =>
  canary.spec.routeRef ? [{ resource: APISIX_ROUTE, name: routeName(canary) }] : [];
const own = (canary: Canary): ObjectRef[] =>
  canary.spec.routeRef ? [{ resource: APISIX_ROUTE, name: canaryRouteName(canary) }] : [];

export const apisixProvider: RoutingProvider = {
  id: 'apisix',
  names: ['apisix'],
  features: { weights: true, headers: false, cookies: false, mirror: false, sessionAffinity: false },
  resources: [APISIX_ROUTE],
  issues,
  inputs,
  render: (canary, plan, live) => [renderApisixRoute(canary, plan, live)],
  watched: (canary) => [...own(canary), ...inputs(canary)],
  read,
  finalize: (canary) => ({ delete: own(canary), apply: [] }),
};
