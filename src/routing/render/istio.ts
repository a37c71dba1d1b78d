import { routingAnnotations } from './flux.js';
import type { Canary, CanaryService, SessionAffinity } from '../../api/canary.js';
import type { HTTPMatchRequest as CanaryMatch } from '../../api/istio.js';
import type {
  Destination,
  DestinationRule,
  HTTPMatchRequest,
  HTTPRoute,
  HTTPRouteDestination,
  Headers,
  TCPRoute,
  VirtualService,
  VirtualServiceSpec,
} from '../istio/types.js';
import { analysisOf, isHeaderRouted, isTcp, serviceNames, type ServiceNames } from '../names.js';
import { ownerReferences } from './kubernetes.js';
import { cookiesOf, validatePlan, type TrafficPlan } from './plan.js';
import { parseDuration } from '../../api/common.js';
import { escapeRe2 } from '../re2.js';

/** Flagger writes Istio objects under v1beta1; Istio serves v1beta1 and v1 with the same schema. */
export const ISTIO_API_VERSION = 'networking.istio.io/v1beta1';

const DEFAULT_COOKIE_MAX_AGE = 86_400;

function meta(
  canary: Canary,
  name: string,
  custom?: { labels?: Record<string, string>; annotations?: Record<string, string> },
  fluxOptOut = false,
): VirtualService['metadata'] {
  const owners = ownerReferences(canary);
  const annotations = fluxOptOut ? routingAnnotations(custom?.annotations) : (custom?.annotations ?? {});
  return {
    name,
    ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
    ...(custom?.labels && Object.keys(custom.labels).length > 0 ? { labels: custom.labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    ...(owners ? { ownerReferences: owners } : {}),
  };
}

/** `<svc>-primary` and `<svc>-canary`, no subsets, with `service.trafficPolicy`. */
export function renderDestinationRules(canary: Canary): DestinationRule[] {
  const names = serviceNames(canary);
  const policy = canary.spec.service.trafficPolicy;
  return [names.primary, names.canary].map((host) => ({
    apiVersion: ISTIO_API_VERSION,
    kind: 'DestinationRule',
    metadata: meta(canary, host),
    spec: { host, ...(policy !== undefined ? { trafficPolicy: structuredClone(policy) } : {}) },
  }));
}

function vsHosts(service: CanaryService, apex: string): string[] {
  const hosts = [...(service.hosts ?? [])];
  if (!hosts.includes(apex) && !hosts.includes('*')) hosts.push(apex);
  return hosts;
}

function vsGateways(service: CanaryService): string[] {
  return service.gateways && service.gateways.length > 0 ? [...service.gateways] : ['mesh'];
}

/**
 * Flagger pins the destination port only when it must: with `portDiscovery` (several Service
 * ports) and traffic from a gateway or through delegation, where Istio cannot infer it.
 */
function pinnedPort(service: CanaryService): { number: number } | undefined {
  if (service.portDiscovery !== true) return undefined;
  const first = vsGateways(service)[0];
  return first !== 'mesh' || service.delegation === true ? { number: service.port } : undefined;
}

export function destination(host: string, service: CanaryService): Destination {
  const port = pinnedPort(service);
  return port ? { host, port } : { host };
}

/** The route-level fields every Serin rule carries, copied from `spec.service`. */
function commonFields(service: CanaryService): Omit<HTTPRoute, 'route' | 'match'> {
  const out: Omit<HTTPRoute, 'route' | 'match'> = {};
  const rewrite = service.rewrite;
  if (rewrite && (rewrite.uri ?? rewrite.authority ?? rewrite.uriRegexRewrite) !== undefined) {
    // `type` is Gateway API's; Istio takes uri, authority and uriRegexRewrite.
    out.rewrite = {
      ...(rewrite.uri !== undefined ? { uri: rewrite.uri } : {}),
      ...(rewrite.authority !== undefined ? { authority: rewrite.authority } : {}),
      ...(rewrite.uriRegexRewrite !== undefined ? { uriRegexRewrite: { ...rewrite.uriRegexRewrite } } : {}),
    };
  }
  if (service.timeout !== undefined) out.timeout = service.timeout;
  if (service.retries !== undefined) out.retries = structuredClone(service.retries);
  if (service.corsPolicy !== undefined) out.corsPolicy = structuredClone(service.corsPolicy);
  if (service.headers !== undefined) out.headers = structuredClone(service.headers);
  return out;
}

function withMatch(route: HTTPRoute, match: readonly HTTPMatchRequest[] | undefined): HTTPRoute {
  return match && match.length > 0
    ? { match: structuredClone(match) as HTTPMatchRequest[], ...route }
    : route;
}

/**
 * Flagger's `mergeMatchConditions`: with no `service.match` the canary matches are used as given;
 * otherwise every (canary match, service match) pair gives a copy of the service match whose
 * headers and sourceLabels come from the canary match.
 */
export function mergeMatches(
  canaryMatch: readonly CanaryMatch[],
  serviceMatch: readonly CanaryMatch[] | undefined,
): HTTPMatchRequest[] {
  if (!serviceMatch || serviceMatch.length === 0) return structuredClone(canaryMatch) as HTTPMatchRequest[];
  const out: HTTPMatchRequest[] = [];
  for (const a of canaryMatch) {
    for (const s of serviceMatch) {
      const merged: HTTPMatchRequest = structuredClone(s);
      if (a.headers !== undefined) merged.headers = structuredClone(a.headers);
      if (a.sourceLabels !== undefined) merged.sourceLabels = { ...a.sourceLabels };
      out.push(merged);
    }
  }
  return out;
}

function weighted(names: ServiceNames, service: CanaryService, p: number, c: number): HTTPRouteDestination[] {
  return [
    { destination: destination(names.primary, service), weight: p },
    { destination: destination(names.canary, service), weight: c },
  ];
}

/** A cookie match as Flagger writes it: the name and the value anywhere in the Cookie header. */
export function cookieMatch(cookie: string): CanaryMatch {
  const eq = cookie.indexOf('=');
  const [name, value] = eq < 0 ? [cookie, ''] : [cookie.slice(0, eq), cookie.slice(eq + 1)];
  return { headers: { cookie: { regex: `.*${escapeRe2(name)}.*${escapeRe2(value)}.*` } } };
}

export { escapeRe2 };

/** The `Set-Cookie` value in Flagger's attribute order. */
export function setCookieValue(cookie: string, maxAge: number, sa: SessionAffinity): string {
  let v = `${cookie}; Max-Age=${maxAge}`;
  if (sa.domain !== undefined) v += `; Domain=${sa.domain}`;
  if (sa.httpOnly === true) v += '; HttpOnly';
  if (sa.partitioned === true) v += '; Partitioned';
  if (sa.path !== undefined) v += `; Path=${sa.path}`;
  if (sa.sameSite !== undefined) v += `; SameSite=${sa.sameSite}`;
  if (sa.secure === true) v += '; Secure';
  return v;
}

function addResponseHeader(base: Headers | undefined, name: string, value: string): Headers {
  const h = structuredClone(base ?? {});
  h.response = { ...h.response, add: { ...h.response?.add, [name]: value } };
  return h;
}

function abRoutes(canary: Canary, names: ServiceNames, plan: TrafficPlan): HTTPRoute[] {
  const s = canary.spec.service;
  const common = commonFields(s);
  const match = mergeMatches(analysisOf(canary)?.match ?? [], s.match);
  return [
    withMatch({ ...common, route: weighted(names, s, plan.primaryWeight, plan.canaryWeight) }, match),
    // Flagger writes the primary weight here (0 during A/B); a lone destination takes all traffic
    // either way, and 100 reads as what it means.
    withMatch({ ...common, route: [{ destination: destination(names.primary, s), weight: 100 }] }, s.match),
  ];
}

function stickyRoutes(
  canary: Canary,
  names: ServiceNames,
  plan: TrafficPlan,
  sa: SessionAffinity,
): HTTPRoute[] {
  const s = canary.spec.service;
  const common = commonFields(s);
  const cookies = cookiesOf(canary, plan);
  const { primaryWeight: p, canaryWeight: c } = plan;
  if (c === 0) {
    const main = withMatch({ ...common, route: weighted(names, s, p, c) }, s.match);
    if (cookies.previous === undefined) return [main];
    const expire = withMatch(
      {
        ...common,
        headers: addResponseHeader(s.headers, 'Set-Cookie', setCookieValue(cookies.previous, -1, sa)),
        route: weighted(names, s, p, c),
      },
      mergeMatches([cookieMatch(cookies.previous)], s.match),
    );
    return [expire, main];
  }
  if (cookies.canary === undefined) {
    throw new Error('session affinity: the canary cookie is not set (status.sessionAffinityCookie)');
  }
  const routes: HTTPRoute[] = [
    withMatch(
      { ...common, route: weighted(names, s, 0, 100) },
      mergeMatches([cookieMatch(cookies.canary)], s.match),
    ),
  ];
  const dests = weighted(names, s, p, c);
  if (sa.primaryCookieName !== undefined && cookies.primary !== undefined) {
    routes.push(
      withMatch(
        { ...common, route: weighted(names, s, 100, 0) },
        mergeMatches([cookieMatch(cookies.primary)], s.match),
      ),
    );
    const interval = analysisOf(canary)?.interval;
    const maxAge = interval !== undefined ? Math.round(parseDuration(interval) / 1000) : 60;
    if (dests[0])
      dests[0].headers = addResponseHeader(
        undefined,
        'Set-Cookie',
        setCookieValue(cookies.primary, maxAge, sa),
      );
  }
  if (dests[1])
    dests[1].headers = addResponseHeader(
      undefined,
      'Set-Cookie',
      setCookieValue(cookies.canary, sa.maxAge ?? DEFAULT_COOKIE_MAX_AGE, sa),
    );
  routes.push(withMatch({ ...common, route: dests }, s.match));
  return routes;
}

/** The HTTP rules Serin manages for a plan (Flagger's `SetRoutes`). */
export function renderHttpRoutes(canary: Canary, plan: TrafficPlan): HTTPRoute[] {
  validatePlan(plan);
  const names = serviceNames(canary);
  const s = canary.spec.service;
  if (isHeaderRouted(canary)) return abRoutes(canary, names, plan);
  const sa = analysisOf(canary)?.sessionAffinity;
  if (sa !== undefined) return stickyRoutes(canary, names, plan, sa);
  const route: HTTPRoute = withMatch(
    { ...commonFields(s), route: weighted(names, s, plan.primaryWeight, plan.canaryWeight) },
    s.match,
  );
  if (plan.mirrored) {
    route.mirror = destination(names.canary, s);
    const mw = analysisOf(canary)?.mirrorWeight;
    if (mw !== undefined && mw > 0) route.mirrorPercentage = { value: mw };
  }
  return [route];
}

export function renderTcpRoutes(canary: Canary, plan: TrafficPlan): TCPRoute[] {
  validatePlan(plan);
  const names = serviceNames(canary);
  const s = canary.spec.service;
  const ports = (s.match ?? []).flatMap((m) => (m.port !== undefined ? [{ port: m.port }] : []));
  const route: TCPRoute = {
    route: [
      { destination: destination(names.primary, s), weight: plan.primaryWeight },
      { destination: destination(names.canary, s), weight: plan.canaryWeight },
    ],
  };
  return [ports.length > 0 ? { match: ports, ...route } : route];
}

export function renderVirtualServiceSpec(canary: Canary, plan: TrafficPlan): VirtualServiceSpec {
  const s = canary.spec.service;
  const names = serviceNames(canary);
  if (s.delegation === true && ((s.gateways?.length ?? 0) > 0 || (s.hosts?.length ?? 0) > 0)) {
    throw new Error(
      'spec.service.delegation: a delegate VirtualService has no hosts and no gateways; remove service.hosts and service.gateways',
    );
  }
  const head: VirtualServiceSpec =
    s.delegation === true
      ? { hosts: [], gateways: [] }
      : { hosts: vsHosts(s, names.apex), gateways: vsGateways(s) };
  return isTcp(s)
    ? { ...head, tcp: renderTcpRoutes(canary, plan) }
    : { ...head, http: renderHttpRoutes(canary, plan) };
}

/** The VirtualService `<svc>` in Serin's owned mode, as Flagger renders it. */
export function renderVirtualService(canary: Canary, plan: TrafficPlan): VirtualService {
  const names = serviceNames(canary);
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: meta(canary, names.apex, canary.spec.service.apex, true),
    spec: renderVirtualServiceSpec(canary, plan),
  };
}
