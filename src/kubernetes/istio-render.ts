/**
 * Istio and Gateway API objects for a traffic split, in Flagger's shapes: DestinationRules
 * `<svc>-primary`/`<svc>-canary`, the VirtualService `<svc>` (plain, header-routed, mirrored or
 * with session affinity), or an HTTPRoute for provider gateway-api.
 */
import type { Canary } from '../api/canary.js';
import type { Routes } from '../engine/ports.js';
import type { KubeObject } from './client.js';
import {
  apexName,
  canaryNamespace,
  canaryServiceName,
  ownerReferenceTo,
  primaryServiceName,
  withoutFluxKeys,
  type Json,
} from './objects.js';

const analysisOf = (c: Canary) => c.spec.analysis ?? c.spec.canaryAnalysis;

function destination(host: string, weight: number, port: number, headers?: Json): Json {
  const d: Json = { destination: { host, port: { number: port } }, weight };
  if (headers !== undefined) d.headers = headers;
  return d;
}

export function renderDestinationRules(canary: Canary): KubeObject[] {
  const ns = canaryNamespace(canary);
  return [primaryServiceName(canary), canaryServiceName(canary)].map((host) => {
    const spec: Json = { host };
    if (canary.spec.service.trafficPolicy !== undefined)
      spec.trafficPolicy = canary.spec.service.trafficPolicy;
    return {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: host, namespace: ns, ownerReferences: [ownerReferenceTo(canary)] },
      spec,
    };
  });
}

/** Route-level options the user set on `service` (rewrite, retries, timeout, headers, CORS). */
function routeOptions(canary: Canary): Json {
  const s = canary.spec.service;
  const out: Json = {};
  if (s.rewrite !== undefined) out.rewrite = s.rewrite;
  if (s.retries !== undefined) out.retries = s.retries;
  if (s.timeout !== undefined) out.timeout = s.timeout;
  if (s.headers !== undefined) out.headers = s.headers;
  if (s.corsPolicy !== undefined) out.corsPolicy = s.corsPolicy;
  return out;
}

/** Each analysis match combined with each service match (AND), as Flagger merges them. */
function mergeMatches(analysis: Json[], service: Json[] | undefined): Json[] {
  if (!service || service.length === 0) return analysis;
  return analysis.flatMap((a) => service.map((s) => ({ ...s, ...a })));
}

function cookieOf(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function weightedRoute(canary: Canary, routes: Routes): Json[] {
  const port = canary.spec.service.port;
  const primary = primaryServiceName(canary);
  const canaryHost = canaryServiceName(canary);
  const a = analysisOf(canary);
  const cookie = cookieOf(canary.status?.sessionAffinityCookie);
  const affinity = a?.sessionAffinity;
  const canaryHeaders =
    affinity && cookie && routes.canaryWeight > 0
      ? { response: { add: { 'Set-Cookie': `${cookie}; Max-Age=${affinity.maxAge ?? 86400}` } } }
      : undefined;
  return [
    destination(primary, routes.primaryWeight, port),
    destination(canaryHost, routes.canaryWeight, port, canaryHeaders),
  ];
}

function httpRoutes(canary: Canary, routes: Routes): Json[] {
  const s = canary.spec.service;
  const a = analysisOf(canary);
  const port = s.port;
  const options = routeOptions(canary);
  const base: Json = { ...options };
  if (s.match !== undefined) base.match = s.match;
  const weighted: Json = { ...base, route: weightedRoute(canary, routes) };
  if (routes.mirrored) {
    weighted.mirror = { host: canaryServiceName(canary), port: { number: port } };
    if (a?.mirrorWeight !== undefined) weighted.mirrorPercentage = { value: a.mirrorWeight };
  }
  if ((a?.match?.length ?? 0) > 0) {
    const headerRouted: Json = {
      ...options,
      match: mergeMatches(a?.match as Json[], s.match),
      route: weightedRoute(canary, routes),
    };
    return [headerRouted, { ...base, route: [destination(primaryServiceName(canary), 100, port)] }];
  }
  const cookie = cookieOf(canary.status?.sessionAffinityCookie);
  if (a?.sessionAffinity && cookie && routes.canaryWeight > 0) {
    const sticky: Json = {
      ...options,
      match: mergeMatches([{ headers: { Cookie: { regex: `.*${cookie}.*` } } }], s.match),
      route: [destination(canaryServiceName(canary), 100, port)],
    };
    return [sticky, weighted];
  }
  return [weighted];
}

export function renderVirtualService(canary: Canary, routes: Routes): KubeObject {
  const s = canary.spec.service;
  const apex = apexName(canary);
  const hosts = [...(s.hosts ?? [])];
  if (!hosts.includes(apex) && !hosts.includes('*')) hosts.push(apex);
  const spec: Json = { hosts, http: httpRoutes(canary, routes) };
  if (s.delegation === true) delete spec.hosts;
  if ((s.gateways?.length ?? 0) > 0) spec.gateways = s.gateways;
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: {
      name: apex,
      namespace: canaryNamespace(canary),
      labels: s.apex?.labels ?? {},
      annotations: withoutFluxKeys(s.apex?.annotations),
      ownerReferences: [ownerReferenceTo(canary)],
    },
    spec,
  };
}

export function renderHttpRoute(canary: Canary, routes: Routes): KubeObject {
  const s = canary.spec.service;
  const port = s.port;
  const rule: Json = {
    backendRefs: [
      { name: primaryServiceName(canary), port, weight: routes.primaryWeight },
      { name: canaryServiceName(canary), port, weight: routes.canaryWeight },
    ],
  };
  if (routes.mirrored) {
    rule.filters = [
      { type: 'RequestMirror', requestMirror: { backendRef: { name: canaryServiceName(canary), port } } },
    ];
  }
  const spec: Json = { parentRefs: s.gatewayRefs ?? [], rules: [rule] };
  if ((s.hosts?.length ?? 0) > 0) spec.hostnames = s.hosts;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name: apexName(canary),
      namespace: canaryNamespace(canary),
      ownerReferences: [ownerReferenceTo(canary)],
    },
    spec,
  };
}
