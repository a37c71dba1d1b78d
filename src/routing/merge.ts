import type { Canary, SessionAffinity } from '../api/canary.js';
import type {
  Destination,
  HTTPRoute,
  HTTPRouteDestination,
  Headers,
  RouteDestination,
  TCPRoute,
  VirtualServiceSpec,
} from './istio/types.js';
import { hostMatcher } from './match.js';
import { analysisOf, isHeaderRouted, serviceNames, type ServiceNames } from './names.js';
import { cookieMatch, mergeMatches, setCookieValue } from './render/istio.js';
import { cookiesOf, validatePlan, type TrafficPlan } from './render/plan.js';
import { parseDuration } from '../api/common.js';

/**
 * Merge mode (`service.routing: merge`): Serin changes one route of a VirtualService the user
 * owns and leaves everything else exactly as written: other routes, hosts, gateways, fault
 * injection, retries, headers, unknown fields.
 *
 * The managed route is the LAST rule whose destinations include the primary or canary host, or,
 * on first adoption, the last rule whose destinations include the apex host. Serin rewrites its
 * destinations (primary + canary with the plan's weights, keeping the user's port and destination
 * headers) and its mirror when the mirror is Serin's. The rules Serin adds for A/B matches and
 * sticky sessions are inserted right before it, named `serin/<service>/...` so that the next
 * merge replaces them instead of stacking them.
 */

export function serinRulePrefix(names: ServiceNames): string {
  return `serin/${names.apex}/`;
}

interface HostTests {
  apex: (h: string) => boolean;
  primary: (h: string) => boolean;
  canary: (h: string) => boolean;
}

function hostTests(names: ServiceNames, namespace: string | undefined): HostTests {
  const opts = namespace !== undefined ? { namespace } : {};
  return {
    apex: hostMatcher([names.apex], opts),
    primary: hostMatcher([names.primary], opts),
    canary: hostMatcher([names.canary], opts),
  };
}

/** `podinfo.test.svc.cluster.local` → `podinfo-primary.test.svc.cluster.local`: keeps how the user spelled the host. */
function renameHost(host: string, service: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? service : service + host.slice(dot);
}

function findManaged(routes: readonly (HTTPRoute | TCPRoute)[], t: HostTests): number {
  const targets = (r: HTTPRoute | TCPRoute, test: (h: string) => boolean) =>
    (r.route ?? []).some((d) => test(d.destination.host));
  const managed = routes.findLastIndex((r) => targets(r, t.primary) || targets(r, t.canary));
  return managed >= 0 ? managed : routes.findLastIndex((r) => targets(r, t.apex));
}

function stripSerinCookies(
  headers: Headers | undefined,
  sa: SessionAffinity | undefined,
): Headers | undefined {
  if (!headers?.response?.add || sa === undefined) return headers;
  const names = [sa.cookieName, sa.primaryCookieName].filter((n): n is string => n !== undefined);
  const add = Object.fromEntries(
    Object.entries(headers.response.add).filter(
      ([k, v]) => !(k.toLowerCase() === 'set-cookie' && names.some((n) => v.startsWith(`${n}=`))),
    ),
  );
  const { add: _add, ...others } = headers.response;
  const response: NonNullable<Headers['response']> =
    Object.keys(add).length > 0 ? { ...others, add } : others;
  const out: Headers = { ...headers, response };
  if (Object.keys(response).length === 0) delete out.response;
  return Object.keys(out).length === 0 ? undefined : out;
}

interface DestinationFactory {
  primary(weight: number): HTTPRouteDestination;
  canary(weight: number): HTTPRouteDestination;
  mirror(): Destination;
}

function destinationFactory(
  route: HTTPRoute | TCPRoute,
  names: ServiceNames,
  t: HostTests,
  sa: SessionAffinity | undefined,
  where: string,
): DestinationFactory {
  const dests = (route.route ?? []) as HTTPRouteDestination[];
  const foreign = dests.find(
    (d) => !t.apex(d.destination.host) && !t.primary(d.destination.host) && !t.canary(d.destination.host),
  );
  if (foreign) {
    throw new Error(
      `${where}: the managed route also sends traffic to ${foreign.destination.host}; Serin can only split a route between ${names.primary} and ${names.canary}`,
    );
  }
  const template =
    dests.find((d) => t.primary(d.destination.host)) ??
    dests.find((d) => t.apex(d.destination.host)) ??
    dests[0];
  if (!template) throw new Error(`${where}: the managed route has no destinations`);
  const headers = stripSerinCookies(template.headers, sa);
  const make = (service: string, weight: number): HTTPRouteDestination => ({
    ...structuredClone(template),
    destination: {
      ...structuredClone(template.destination),
      host: renameHost(template.destination.host, service),
    },
    weight,
    ...(headers !== undefined ? { headers: structuredClone(headers) } : {}),
  });
  return {
    primary: (w) => (headers === undefined ? withoutHeaders(make(names.primary, w)) : make(names.primary, w)),
    canary: (w) => (headers === undefined ? withoutHeaders(make(names.canary, w)) : make(names.canary, w)),
    mirror: () => ({
      ...structuredClone(template.destination),
      host: renameHost(template.destination.host, names.canary),
    }),
  };
}

function withoutHeaders(d: HTTPRouteDestination): HTTPRouteDestination {
  const { headers: _headers, ...rest } = d;
  return rest;
}

function addSetCookie(d: HTTPRouteDestination, value: string): HTTPRouteDestination {
  const h = structuredClone(d.headers ?? {});
  h.response = { ...h.response, add: { ...h.response?.add, 'Set-Cookie': value } };
  return { ...d, headers: h };
}

/** The rule a canary rule is built from: the managed route's own fields, minus what Serin sets. */
function ruleBase(managed: HTTPRoute): HTTPRoute {
  const {
    route: _r,
    name: _n,
    match: _m,
    mirror: _mi,
    mirrorPercentage: _mp,
    mirrorPercent: _mpc,
    ...rest
  } = structuredClone(managed);
  return rest;
}

function abRules(
  canary: Canary,
  managed: HTTPRoute,
  f: DestinationFactory,
  plan: TrafficPlan,
  prefix: string,
): HTTPRoute[] {
  const match = mergeMatches(analysisOf(canary)?.match ?? [], managed.match);
  return [
    {
      name: `${prefix}ab`,
      match,
      ...ruleBase(managed),
      route: [f.primary(plan.primaryWeight), f.canary(plan.canaryWeight)],
    },
  ];
}

function stickyRules(
  canary: Canary,
  managed: HTTPRoute,
  f: DestinationFactory,
  plan: TrafficPlan,
  prefix: string,
  sa: SessionAffinity,
): { rules: HTTPRoute[]; route: HTTPRouteDestination[] } {
  const cookies = cookiesOf(canary, plan);
  const { primaryWeight: p, canaryWeight: c } = plan;
  const rule = (suffix: string, cookie: string, route: HTTPRouteDestination[]): HTTPRoute => ({
    name: `${prefix}${suffix}`,
    match: mergeMatches([cookieMatch(cookie)], managed.match),
    ...ruleBase(managed),
    route,
  });
  if (c === 0) {
    if (cookies.previous === undefined) return { rules: [], route: [f.primary(p), f.canary(c)] };
    const expire = rule('expire-cookie', cookies.previous, [f.primary(p), f.canary(c)]);
    expire.headers = {
      ...expire.headers,
      response: {
        ...expire.headers?.response,
        add: { ...expire.headers?.response?.add, 'Set-Cookie': setCookieValue(cookies.previous, -1, sa) },
      },
    };
    return { rules: [expire], route: [f.primary(p), f.canary(c)] };
  }
  if (cookies.canary === undefined)
    throw new Error('session affinity: the canary cookie is not set (status.sessionAffinityCookie)');
  const rules = [rule('sticky-canary', cookies.canary, [f.primary(0), f.canary(100)])];
  let primary = f.primary(p);
  if (sa.primaryCookieName !== undefined && cookies.primary !== undefined) {
    rules.push(rule('sticky-primary', cookies.primary, [f.primary(100), f.canary(0)]));
    const interval = analysisOf(canary)?.interval;
    primary = addSetCookie(
      primary,
      setCookieValue(
        cookies.primary,
        interval !== undefined ? Math.round(parseDuration(interval) / 1000) : 60,
        sa,
      ),
    );
  }
  return {
    rules,
    route: [primary, addSetCookie(f.canary(c), setCookieValue(cookies.canary, sa.maxAge ?? 86_400, sa))],
  };
}

function mergeHttp(
  canary: Canary,
  http: HTTPRoute[],
  plan: TrafficPlan,
  t: HostTests,
  namespace: string | undefined,
): HTTPRoute[] {
  const names = serviceNames(canary);
  const prefix = serinRulePrefix(names);
  const kept = http.filter((r) => !(r.name ?? '').startsWith(prefix));
  const index = findManaged(kept, t);
  if (index < 0)
    throw new Error(
      `no http route sends traffic to ${names.apex}, ${names.primary} or ${names.canary}${namespace ? ` in ${namespace}` : ''}`,
    );
  const managed = structuredClone(kept[index] as HTTPRoute);
  const sa = analysisOf(canary)?.sessionAffinity;
  const f = destinationFactory(managed, names, t, sa, `spec.http[${http.indexOf(kept[index] as HTTPRoute)}]`);
  let inserted: HTTPRoute[] = [];
  if (isHeaderRouted(canary)) {
    inserted = abRules(canary, managed, f, plan, prefix);
    managed.route = [f.primary(100)];
  } else if (sa !== undefined) {
    const sticky = stickyRules(canary, managed, f, plan, prefix, sa);
    inserted = sticky.rules;
    managed.route = sticky.route;
  } else {
    managed.route = [f.primary(plan.primaryWeight), f.canary(plan.canaryWeight)];
  }
  applyMirror(canary, managed, f, plan, t);
  return [...kept.slice(0, index), ...inserted, managed, ...kept.slice(index + 1)];
}

function applyMirror(
  canary: Canary,
  managed: HTTPRoute,
  f: DestinationFactory,
  plan: TrafficPlan,
  t: HostTests,
): void {
  if (plan.mirrored && !isHeaderRouted(canary)) {
    managed.mirror = f.mirror();
    const mw = analysisOf(canary)?.mirrorWeight;
    if (mw !== undefined && mw > 0) managed.mirrorPercentage = { value: mw };
    else delete managed.mirrorPercentage;
  } else if (managed.mirror !== undefined && t.canary(managed.mirror.host)) {
    // Only Serin mirrors to the canary Service; a mirror the user set elsewhere stays.
    delete managed.mirror;
    delete managed.mirrorPercentage;
  }
}

function mergeTcp(canary: Canary, tcp: TCPRoute[], plan: TrafficPlan, t: HostTests): TCPRoute[] {
  const names = serviceNames(canary);
  const index = findManaged(tcp, t);
  if (index < 0)
    throw new Error(`no tcp route sends traffic to ${names.apex}, ${names.primary} or ${names.canary}`);
  const out = structuredClone(tcp);
  const managed = out[index] as TCPRoute;
  const f = destinationFactory(managed, names, t, undefined, `spec.tcp[${index}]`);
  const strip = (d: HTTPRouteDestination): RouteDestination => ({
    destination: d.destination,
    ...(d.weight !== undefined ? { weight: d.weight } : {}),
  });
  managed.route = [strip(f.primary(plan.primaryWeight)), strip(f.canary(plan.canaryWeight))];
  return out;
}

/** Merge mode's `SetRoutes`: the user's VirtualService with only Serin's route changed. */
export function mergeVirtualServiceSpec(
  user: VirtualServiceSpec,
  canary: Canary,
  plan: TrafficPlan,
  namespace?: string,
): VirtualServiceSpec {
  validatePlan(plan);
  const t = hostTests(serviceNames(canary), namespace ?? canary.metadata.namespace);
  const spec = structuredClone(user);
  if ((spec.http?.length ?? 0) > 0) spec.http = mergeHttp(canary, spec.http ?? [], plan, t, namespace);
  else if ((spec.tcp?.length ?? 0) > 0) spec.tcp = mergeTcp(canary, spec.tcp ?? [], plan, t);
  else throw new Error('the VirtualService has no http or tcp routes to manage');
  return spec;
}
