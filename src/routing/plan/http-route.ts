import { parseDuration } from '../../api/duration.js';
import type { HTTPRouteSpec } from '../../api/gateway-api.js';
import type { Destination, HeaderOperations, Headers } from '../istio/types.js';
import { CLUSTER_DOMAIN, MESH_GATEWAY, normalizeHost, serviceFqdn, type HostOptions } from './hosts.js';
import { compileGatewayMatch, defaultGatewayMatch, type GatewayMatchRank } from './gateway-match.js';
import { prepareRequest, requestGateway, type BlockTest, type RequestAttributes } from './match.js';
import type { MirrorShare } from './percent.js';
import type { DestinationShare } from './plan.js';
import { RouteCompileError } from './string-match.js';

/**
 * Gateway API HTTPRoutes (standard channel, v1.6) compiled into the same route plan as Istio's
 * VirtualServices: destination shares, mirrors with percentages, header operations, timeouts; the
 * match tests and their precedence are in `gateway-match.ts`. Semantics are the Gateway API
 * specification's (HTTPRouteRule, HTTPBackendRef, HTTPRouteFilter), not Istio's: a backend's
 * weight defaults to 1 and a weight of 0 sends it nothing even when it is alone; a rule whose
 * backends get no traffic (none, all weights 0) answers 500.
 */

type Spec = HTTPRouteSpec;
type Rule = NonNullable<Spec['rules']>[number];
type Filter = NonNullable<Rule['filters']>[number];
type BackendRef = NonNullable<Rule['backendRefs']>[number];
type HeaderModifier = NonNullable<Filter['requestHeaderModifier']>;

export interface NamedHTTPRoute {
  name: string;
  namespace: string;
  spec: HTTPRouteSpec;
  /** `metadata.creationTimestamp`: the oldest route wins a tie in match precedence. */
  creationTimestamp?: string;
}

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** What a route attaches to: a Gateway (`namespace/name`) or, for mesh traffic (GAMMA), a Service FQDN. */
export type RouteParent = { kind: 'Gateway'; gateway: string } | { kind: 'Service'; host: string };

export interface PlannedGatewayRule {
  route: NamedHTTPRoute;
  /** Index in `spec.rules`. */
  index: number;
  path: string;
  name?: string;
  /** Backends with their share of the rule's requests (Gateway API weights: default 1, 0 gets none). */
  destinations: readonly DestinationShare[];
  /** `RequestMirror` filters, in order: percent, or fraction numerator/denominator, else 100%. */
  mirrors: readonly MirrorShare[];
  /** Request and response header operations of the rule (Istio's shape: set, add, remove). */
  headers?: Headers;
  rewrite?: NonNullable<Filter['urlRewrite']>;
  /** With `statusCode` defaulted to 302, as the CRD defaults it. */
  redirect?: NonNullable<Filter['requestRedirect']>;
  cors?: NonNullable<Filter['cors']>;
  /** `timeouts.request` (0s: none). */
  timeoutMs?: number;
  /** `timeouts.backendRequest` (0s: none): each try to a backend. */
  backendTimeoutMs?: number;
  /** True when the rule forwards nothing and redirects nothing: the Gateway API answers 500. */
  answers500: boolean;
}

export interface PlannedGatewayMatch {
  rule: PlannedGatewayRule;
  /** Index in the rule's `matches`; undefined when the rule has none (the default `PathPrefix /`). */
  matchIndex: number | undefined;
  test: BlockTest;
  rank: GatewayMatchRank;
}

export interface CompiledHTTPRoute {
  source: NamedHTTPRoute;
  parents: readonly RouteParent[];
  hostnames: readonly string[];
  rules: readonly PlannedGatewayRule[];
  matches: readonly PlannedGatewayMatch[];
}

function parentOf(
  ref: NonNullable<Spec['parentRefs']>[number],
  i: number,
  route: NamedHTTPRoute,
  domain: string,
): RouteParent {
  const group = ref.group ?? GATEWAY_GROUP;
  const kind = ref.kind ?? 'Gateway';
  const namespace = ref.namespace ?? route.namespace;
  if (group === GATEWAY_GROUP && kind === 'Gateway') return { kind, gateway: `${namespace}/${ref.name}` };
  if (group === '' && kind === 'Service') return { kind, host: serviceFqdn(ref.name, namespace, domain) };
  throw new RouteCompileError(
    `spec.parentRefs[${i}]`,
    `parent ${group}/${kind} is not supported by Serin: a route attaches to a Gateway (${GATEWAY_GROUP}) or, for mesh traffic, a Service (group "")`,
  );
}

function durationMs(value: string | undefined, path: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    const ms = parseDuration(value);
    return ms > 0 ? ms : undefined;
  } catch (error) {
    throw new RouteCompileError(path, (error as Error).message);
  }
}

function backendDestination(
  ref: BackendRef | NonNullable<Filter['requestMirror']>['backendRef'],
  path: string,
  route: NamedHTTPRoute,
  domain: string,
): Destination {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  if (group !== '' || kind !== 'Service') {
    throw new RouteCompileError(
      path,
      `backend ${group === '' ? 'core' : group}/${kind} is not supported by Serin: backends are Services (group "", kind Service)`,
    );
  }
  if (ref.port === undefined) throw new RouteCompileError(`${path}.port`, 'a Service backend needs a port');
  return {
    host: serviceFqdn(ref.name, ref.namespace ?? route.namespace, domain),
    port: { number: ref.port },
  };
}

/** Gateway API header modifiers in Istio's shape; a repeated `add` name keeps its last value. */
function headerOperations(m: HeaderModifier | undefined): HeaderOperations | undefined {
  if (m === undefined) return undefined;
  const ops: HeaderOperations = {};
  if (m.set !== undefined) ops.set = Object.fromEntries(m.set.map((h) => [h.name.toLowerCase(), h.value]));
  if (m.add !== undefined) ops.add = Object.fromEntries(m.add.map((h) => [h.name.toLowerCase(), h.value]));
  if (m.remove !== undefined) ops.remove = m.remove.map((h) => h.toLowerCase());
  return ops;
}

function filterHeaders(filters: readonly Filter[]): Headers | undefined {
  const request = headerOperations(
    filters.find((f) => f.type === 'RequestHeaderModifier')?.requestHeaderModifier,
  );
  const response = headerOperations(
    filters.find((f) => f.type === 'ResponseHeaderModifier')?.responseHeaderModifier,
  );
  if (request === undefined && response === undefined) return undefined;
  return { ...(request !== undefined ? { request } : {}), ...(response !== undefined ? { response } : {}) };
}

const FILTER_FIELD = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
  CORS: 'cors',
} as const;

/** The CRD's own rules on a filter list (its CEL rules), and what Serin cannot carry out. */
function checkFilters(filters: readonly Filter[], path: string, backendLevel: boolean): void {
  const seen = new Set<string>();
  filters.forEach((f, i) => {
    const at = `${path}[${i}]`;
    const field = FILTER_FIELD[f.type];
    for (const other of Object.values(FILTER_FIELD)) {
      if (other !== field && f[other] !== undefined)
        throw new RouteCompileError(`${at}.${other}`, `set only for type ${f.type}'s field ${field}`);
    }
    if (f[field] === undefined)
      throw new RouteCompileError(`${at}.${field}`, `type ${f.type} needs ${field}`);
    if (f.type === 'ExtensionRef')
      throw new RouteCompileError(
        `${at}.extensionRef`,
        'ExtensionRef filters are implementation-specific: Serin does not run any',
      );
    if (backendLevel && f.type !== 'RequestHeaderModifier' && f.type !== 'ResponseHeaderModifier')
      throw new RouteCompileError(
        `${at}.type`,
        `${f.type} on a backendRef is not supported by Serin: put it on the rule`,
      );
    if (f.type !== 'RequestMirror' && seen.has(f.type))
      throw new RouteCompileError(`${at}.type`, `${f.type} may appear only once in a filter list`);
    seen.add(f.type);
  });
  if (seen.has('RequestRedirect') && seen.has('URLRewrite'))
    throw new RouteCompileError(path, 'RequestRedirect and URLRewrite cannot be used together');
}

function mirrorPercent(m: NonNullable<Filter['requestMirror']>, path: string): number {
  if (m.percent !== undefined && m.fraction !== undefined)
    throw new RouteCompileError(path, 'set percent or fraction, not both');
  if (m.percent !== undefined) return m.percent;
  if (m.fraction === undefined) return 100;
  const denominator = m.fraction.denominator ?? 100;
  if (m.fraction.numerator > denominator)
    throw new RouteCompileError(`${path}.fraction`, 'numerator must not exceed denominator');
  return (100 * m.fraction.numerator) / denominator;
}

/** Gateway API weights: default 1; each backend gets weight / sum; 0 (or a sum of 0) gets nothing. */
export function gatewayShares(
  refs: readonly BackendRef[],
  path: string,
  route: NamedHTTPRoute,
  domain: string,
): DestinationShare[] {
  const total = refs.reduce((sum, r) => sum + (r.weight ?? 1), 0);
  return refs.map((r, k) => {
    const at = `${path}.backendRefs[${k}]`;
    checkFilters(r.filters ?? [], `${at}.filters`, true);
    const headers = filterHeaders(r.filters ?? []);
    const weight = r.weight ?? 1;
    return {
      destination: backendDestination(r, at, route, domain),
      weight,
      probability: total > 0 ? weight / total : 0,
      ...(headers !== undefined ? { headers } : {}),
    };
  });
}

function planRule(route: NamedHTTPRoute, rule: Rule, index: number, domain: string): PlannedGatewayRule {
  const path = `spec.rules[${index}]`;
  const filters = rule.filters ?? [];
  checkFilters(filters, `${path}.filters`, false);
  const redirect = filters.find((f) => f.type === 'RequestRedirect')?.requestRedirect;
  if (redirect !== undefined && (rule.backendRefs?.length ?? 0) > 0)
    throw new RouteCompileError(
      `${path}.backendRefs`,
      'a rule with a RequestRedirect filter cannot have backendRefs',
    );
  const destinations = gatewayShares(rule.backendRefs ?? [], path, route, domain);
  const mirrors = filters.flatMap((f, i) => {
    if (f.requestMirror === undefined) return [];
    const at = `${path}.filters[${i}].requestMirror`;
    const percent = mirrorPercent(f.requestMirror, at);
    const destination = backendDestination(f.requestMirror.backendRef, `${at}.backendRef`, route, domain);
    return percent > 0 ? [{ destination, percent, path: at }] : [];
  });
  const timeoutMs = durationMs(rule.timeouts?.request, `${path}.timeouts.request`);
  const backendTimeoutMs = durationMs(rule.timeouts?.backendRequest, `${path}.timeouts.backendRequest`);
  if (timeoutMs !== undefined && backendTimeoutMs !== undefined && backendTimeoutMs > timeoutMs)
    throw new RouteCompileError(
      `${path}.timeouts.backendRequest`,
      'must not be longer than timeouts.request',
    );
  return {
    route,
    index,
    path,
    ...(rule.name !== undefined ? { name: rule.name } : {}),
    destinations,
    mirrors,
    ...ruleFilters(filters),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(backendTimeoutMs !== undefined ? { backendTimeoutMs } : {}),
    answers500: redirect === undefined && !destinations.some((d) => d.probability > 0),
  };
}

/** The header operations, rewrite, redirect (302 by default, as the CRD defaults it) and CORS of a rule. */
function ruleFilters(
  filters: readonly Filter[],
): Pick<PlannedGatewayRule, 'headers' | 'rewrite' | 'redirect' | 'cors'> {
  const headers = filterHeaders(filters);
  const rewrite = filters.find((f) => f.type === 'URLRewrite')?.urlRewrite;
  const redirect = filters.find((f) => f.type === 'RequestRedirect')?.requestRedirect;
  const cors = filters.find((f) => f.type === 'CORS')?.cors;
  return {
    ...(headers !== undefined ? { headers } : {}),
    ...(rewrite !== undefined ? { rewrite } : {}),
    ...(redirect !== undefined ? { redirect: { ...redirect, statusCode: redirect.statusCode ?? 302 } } : {}),
    ...(cors !== undefined ? { cors } : {}),
  };
}

/** ReplacePrefixMatch rewrites the matched prefix: the CRD allows it only under one PathPrefix match. */
function checkPrefixReplacement(rule: Rule, path: string): void {
  const filters = [...(rule.filters ?? []), ...(rule.backendRefs ?? []).flatMap((b) => b.filters ?? [])];
  const replaces = filters.some(
    (f) => (f.urlRewrite ?? f.requestRedirect)?.path?.type === 'ReplacePrefixMatch',
  );
  if (!replaces) return;
  const matches = rule.matches ?? [];
  const prefixOnly = matches.length === 1 && (matches[0]?.path?.type ?? 'PathPrefix') === 'PathPrefix';
  if (!prefixOnly)
    throw new RouteCompileError(
      `${path}.matches`,
      'ReplacePrefixMatch needs exactly one match, of type PathPrefix',
    );
}

/** Compiles one HTTPRoute; throws a {@link RouteCompileError} naming the field. */
export function compileHTTPRoute(route: NamedHTTPRoute, options: HostOptions = {}): CompiledHTTPRoute {
  const domain = options.clusterDomain ?? CLUSTER_DOMAIN;
  const parents = (route.spec.parentRefs ?? []).map((ref, i) => parentOf(ref, i, route, domain));
  const rules = (route.spec.rules ?? []).map((rule, i) => {
    checkPrefixReplacement(rule, `spec.rules[${i}]`);
    return planRule(route, rule, i, domain);
  });
  const matches = rules.flatMap((planned, i): PlannedGatewayMatch[] => {
    const written = route.spec.rules?.[i]?.matches ?? [];
    if (written.length === 0) return [{ rule: planned, matchIndex: undefined, ...defaultGatewayMatch() }];
    return written.map((m, j) => ({
      rule: planned,
      matchIndex: j,
      ...compileGatewayMatch(m, `${planned.path}.matches[${j}]`),
    }));
  });
  return { source: route, parents, hostnames: route.spec.hostnames ?? [], rules, matches };
}

/**
 * How well a request host matches a route's hostnames (Gateway API: the route with the longest
 * matching non-wildcard hostname, then the longest matching hostname, wins); undefined when it
 * does not match. No hostnames match every host. `*.example.com` matches subdomains only.
 */
export function hostnameRank(hostnames: readonly string[], host: string): [number, number] | undefined {
  if (hostnames.length === 0) return [0, 0];
  const h = normalizeHost(host);
  let best: [number, number] | undefined;
  for (const raw of hostnames) {
    const name = raw.toLowerCase();
    const rank: [number, number] | undefined = name.startsWith('*.')
      ? h.endsWith(name.slice(1)) && h.length > name.length - 1
        ? [0, name.length]
        : undefined
      : h === name
        ? [name.length, name.length]
        : undefined;
    if (
      rank !== undefined &&
      (best === undefined || rank[0] > best[0] || (rank[0] === best[0] && rank[1] > best[1]))
    )
      best = rank;
  }
  return best;
}

/** Whether the route handles the request's parent: its Gateway, or (mesh) the Service it is sent to. */
function attaches(route: CompiledHTTPRoute, gateway: string, serviceHost: string): boolean {
  return route.parents.some((p) =>
    p.kind === 'Gateway'
      ? gateway !== MESH_GATEWAY && p.gateway === gateway
      : gateway === MESH_GATEWAY && p.host === serviceHost,
  );
}

export interface GatewaySelection {
  match: PlannedGatewayMatch;
  /** Routes that attach to the request's parent and host, in precedence order. */
  candidates: readonly CompiledHTTPRoute[];
}

/**
 * The HTTPRoutes that apply to a request: attached to its gateway (or, on the mesh, to the
 * Service its host names, resolved from `namespace`) and, for Gateway parents, matching its host.
 * Service parents ignore `hostnames`, as GAMMA specifies.
 */
export function applicableRoutes(
  routes: readonly CompiledHTTPRoute[],
  req: RequestAttributes,
  serviceHost: string,
): { route: CompiledHTTPRoute; host: [number, number] }[] {
  const gateway = requestGateway(req.gateway);
  return routes.flatMap((route) => {
    if (!attaches(route, gateway, serviceHost)) return [];
    const host =
      gateway === MESH_GATEWAY ? ([0, 0] as [number, number]) : hostnameRank(route.hostnames, req.authority);
    return host === undefined ? [] : [{ route, host }];
  });
}

function compareRoutes(a: CompiledHTTPRoute, b: CompiledHTTPRoute): number {
  const ta = a.source.creationTimestamp ?? '';
  const tb = b.source.creationTimestamp ?? '';
  if (ta !== tb && ta !== '' && tb !== '') return ta < tb ? -1 : 1;
  const ka = `${a.source.namespace}/${a.source.name}`;
  const kb = `${b.source.namespace}/${b.source.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function compareRanks(a: GatewayMatchRank, b: GatewayMatchRank): number {
  return (
    b.pathKind - a.pathKind ||
    b.pathLength - a.pathLength ||
    Number(b.method) - Number(a.method) ||
    b.headers - a.headers ||
    b.queryParams - a.queryParams
  );
}

/**
 * The match a request takes, by the Gateway API's precedence across every rule of every
 * applicable route (HTTPRouteRule `matches`): most specific hostname; then exact path, longest
 * prefix (a RegularExpression path, whose precedence the API leaves to implementations, after
 * prefixes, as Istio orders it); method; most header matches; most query parameter matches; then
 * the oldest route, then `namespace/name`; then the first rule and match in list order.
 */
export function selectHTTPRoute(
  routes: readonly CompiledHTTPRoute[],
  req: RequestAttributes,
  serviceHost: string,
): GatewaySelection | undefined {
  const applicable = applicableRoutes(routes, req, serviceHost);
  const prepared = prepareRequest(req);
  const ordered = applicable
    .flatMap(({ route, host }) => route.matches.map((match) => ({ route, host, match })))
    .sort(
      (a, b) =>
        b.host[0] - a.host[0] ||
        b.host[1] - a.host[1] ||
        compareRanks(a.match.rank, b.match.rank) ||
        compareRoutes(a.route, b.route) ||
        a.match.rule.index - b.match.rule.index ||
        (a.match.matchIndex ?? 0) - (b.match.matchIndex ?? 0),
    );
  const hit = ordered.find((o) => o.match.test(prepared));
  if (hit === undefined) return undefined;
  return { match: hit.match, candidates: [...new Set(applicable.map((a) => a.route))] };
}
