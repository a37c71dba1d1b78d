import { routingAnnotations } from './flux.js';
import type { Canary, CanaryService, SessionAffinity } from '../../api/canary.js';
import type { HTTPMatchRequest, StringMatch } from '../istio/types.js';
import { analysisOf, isHeaderRouted, serviceNames, type ServiceNames } from '../names.js';
import { cookieMatch, escapeRe2, mergeMatches, setCookieValue } from './istio.js';
import { canaryMirror, GATEWAY_SERVICE_REF, pathRewriteOf, serviceFilters } from './gateway-api-filters.js';
import { ownerReferences, type KubeObject } from './kubernetes.js';
import { cookiesOf, validatePlan, type TrafficPlan } from './plan.js';
import { parseDuration } from '../../api/common.js';

/**
 * Gateway API `HTTPRoute` for a Canary, in the standard channel (v1.6): the same traffic plan as
 * the Istio VirtualService, in weighted `backendRefs`, header/path/query matches and filters
 * (gateway-api-filters.ts). Every Canary field either maps to a standard-channel field or is an
 * error naming it; every route rendered passes the HTTPRoute CRD's schema and CEL rules
 * (test/kubernetes/httproute-acceptance.test.ts applies them).
 */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

interface GatewayStringMatch {
  type: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export interface HTTPRouteMatch {
  path?: { type: 'Exact' | 'PathPrefix' | 'RegularExpression'; value: string };
  headers?: GatewayStringMatch[];
  queryParams?: GatewayStringMatch[];
  method?: string;
}

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  port: number;
  weight: number;
  filters?: Record<string, unknown>[];
}

export interface HTTPRouteRule {
  matches?: HTTPRouteMatch[];
  filters?: Record<string, unknown>[];
  backendRefs: BackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
}

const UNSUPPORTED_MATCH_FIELDS = [
  'scheme',
  'authority',
  'withoutHeaders',
  'port',
  'sourceLabels',
  'gateways',
] as const;

/** Exact and PathPrefix values the HTTPRoute CRD accepts: normalised absolute paths. */
const PATH_CHARACTERS = /^([-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
const PATH_PARTS_REFUSED = ['//', '/./', '/../', '%2f', '%2F', '#'];

function pathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return 'a Gateway API path starts with /';
  const part = PATH_PARTS_REFUSED.find((p) => value.includes(p));
  if (part !== undefined) return `a Gateway API path may not contain ${part}`;
  if (value.endsWith('/..') || value.endsWith('/.')) return 'a Gateway API path may not end in a dot segment';
  if (!PATH_CHARACTERS.test(value)) return 'a Gateway API path holds URL path characters and %-escapes only';
  return undefined;
}

function stringMatch(name: string, m: StringMatch, where: string): GatewayStringMatch {
  if (m.exact !== undefined) return { type: 'Exact', name, value: m.exact };
  if (m.regex !== undefined) return { type: 'RegularExpression', name, value: m.regex };
  if (m.prefix !== undefined) return { type: 'RegularExpression', name, value: `${escapeRe2(m.prefix)}.*` };
  throw new Error(`${where}: Gateway API has no presence-only match; give exact, prefix or regex`);
}

/** Istio's HTTPMatchRequest in Gateway API terms; fields Gateway API cannot express are errors. */
export function toGatewayMatch(m: HTTPMatchRequest, where: string): HTTPRouteMatch {
  for (const field of UNSUPPORTED_MATCH_FIELDS) {
    if (m[field] !== undefined)
      throw new Error(`${where}.${field}: not expressible in a Gateway API HTTPRoute`);
  }
  if (m.ignoreUriCase === true)
    throw new Error(`${where}.ignoreUriCase: not expressible in a Gateway API HTTPRoute`);
  const out: HTTPRouteMatch = {};
  if (m.uri) {
    if (m.uri.exact !== undefined) out.path = { type: 'Exact', value: m.uri.exact };
    else if (m.uri.prefix !== undefined) out.path = { type: 'PathPrefix', value: m.uri.prefix };
    else if (m.uri.regex !== undefined) out.path = { type: 'RegularExpression', value: m.uri.regex };
    if (out.path && out.path.type !== 'RegularExpression') {
      const problem = pathProblem(out.path.value);
      if (problem !== undefined) throw new Error(`${where}.uri: ${problem}, got "${out.path.value}"`);
    }
  }
  const headers = Object.entries(m.headers ?? {}).map(([k, v]) => stringMatch(k, v, `${where}.headers.${k}`));
  if (headers.length > 0) out.headers = headers;
  const query = Object.entries(m.queryParams ?? {}).map(([k, v]) =>
    stringMatch(k, v, `${where}.queryParams.${k}`),
  );
  if (query.length > 0) out.queryParams = query;
  if (m.method) {
    if (m.method.exact === undefined)
      throw new Error(`${where}.method: Gateway API matches a method exactly only`);
    out.method = m.method.exact;
  }
  return out;
}

function backend(name: string, port: number, weight: number): BackendRef {
  return { ...GATEWAY_SERVICE_REF, name, port, weight };
}

function baseRule(
  service: CanaryService,
  matches: HTTPMatchRequest[] | undefined,
  where: string,
): Omit<HTTPRouteRule, 'backendRefs'> {
  const rule: Omit<HTTPRouteRule, 'backendRefs'> = {};
  if (matches && matches.length > 0) {
    rule.matches = matches.map((m, i) => toGatewayMatch(m, `${where}[${i}]`));
    if (pathRewriteOf(service) === 'ReplacePrefixMatch') {
      rule.matches.forEach((m, i) => {
        if (m.path !== undefined && m.path.type !== 'PathPrefix')
          throw new Error(
            `${where}[${i}].uri: rewrite.uri replaces the matched prefix, and Gateway API has one only under a uri.prefix match (set spec.service.rewrite.type: ReplaceFullPath)`,
          );
      });
    }
  }
  const filters = serviceFilters(service);
  if (filters.length > 0) rule.filters = filters;
  const timeouts = timeoutsOf(service);
  if (timeouts) rule.timeouts = timeouts;
  return rule;
}

/** Gateway API `Duration`: up to four whole h/m/s/ms units (Go's decimals and µs are not accepted). */
const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

function timeoutsOf(service: CanaryService): HTTPRouteRule['timeouts'] {
  const { timeout, backendTimeout } = service;
  if (timeout === undefined && backendTimeout === undefined) return undefined;
  for (const [field, value] of [
    ['timeout', timeout],
    ['backendTimeout', backendTimeout],
  ] as const) {
    if (value !== undefined && !GATEWAY_DURATION.test(value))
      throw new Error(
        `spec.service.${field}: a Gateway API duration is whole h/m/s/ms units such as 1m30s or 500ms, got "${value}"`,
      );
  }
  if (
    timeout !== undefined &&
    backendTimeout !== undefined &&
    parseDuration(timeout) > 0 &&
    parseDuration(backendTimeout) > parseDuration(timeout)
  )
    throw new Error(
      `spec.service.backendTimeout: ${backendTimeout} is longer than spec.service.timeout ${timeout}, which Gateway API refuses`,
    );
  return {
    ...(timeout !== undefined ? { request: timeout } : {}),
    ...(backendTimeout !== undefined ? { backendRequest: backendTimeout } : {}),
  };
}

/** Canary fields that have no HTTPRoute counterpart in the standard channel: refused, never dropped. */
function refuseUnmappable(canary: Canary): void {
  const s = canary.spec.service;
  if (s.retries !== undefined)
    throw new Error(
      'spec.service.retries: the Gateway API standard channel has no retry policy (HTTPRoute retry is experimental); remove it or use the istio provider',
    );
  if (s.trafficPolicy !== undefined)
    throw new Error(
      'spec.service.trafficPolicy: an HTTPRoute has no traffic policy (an Istio DestinationRule does); remove it or use the istio provider',
    );
  if (s.delegation === true)
    throw new Error(
      'spec.service.delegation: delegation is an Istio VirtualService feature; an HTTPRoute has none',
    );
  if (s.routing === 'merge')
    throw new Error(
      'spec.service.routing: merge edits a user VirtualService; with Gateway API Serin owns the HTTPRoute',
    );
}

/**
 * A rule that replaces the matched prefix may have only one match (the CRD's CEL rule): one rule
 * per match instead, with the same backends and filters. Gateway API picks among matches by
 * precedence across all rules, so the split routes every request as the single rule did.
 */
function splitPrefixRewrites(rules: HTTPRouteRule[]): HTTPRouteRule[] {
  return rules.flatMap((rule) => {
    const replacesPrefix = (rule.filters ?? []).some(
      (f) =>
        f.type === 'URLRewrite' &&
        (f.urlRewrite as { path?: { type?: string } }).path?.type === 'ReplacePrefixMatch',
    );
    if (!replacesPrefix || (rule.matches?.length ?? 0) < 2) return [rule];
    return (rule.matches ?? []).map((match) => ({ ...structuredClone(rule), matches: [match] }));
  });
}

const MAX_RULES = 16;
const MAX_MATCHES_PER_RULE = 64;
const MAX_MATCHES = 128;

/** The HTTPRoute CRD's size limits, checked where the Canary can still be named. */
function checkLimits(rules: HTTPRouteRule[]): HTTPRouteRule[] {
  const field = 'spec.service.match';
  if (rules.length > MAX_RULES)
    throw new Error(`${field}: renders ${rules.length} HTTPRoute rules, Gateway API allows ${MAX_RULES}`);
  const counts = rules.map((rule) => rule.matches?.length ?? 1);
  if (counts.some((count) => count > MAX_MATCHES_PER_RULE))
    throw new Error(`${field}: more than ${MAX_MATCHES_PER_RULE} matches in one HTTPRoute rule`);
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total > MAX_MATCHES)
    throw new Error(`${field}: renders ${total} matches, Gateway API allows ${MAX_MATCHES} per HTTPRoute`);
  return rules;
}

function setCookieFilter(value: string): Record<string, unknown> {
  return { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value }] } };
}

function stickyRules(
  canary: Canary,
  names: ServiceNames,
  plan: TrafficPlan,
  sa: SessionAffinity,
): HTTPRouteRule[] {
  const s = canary.spec.service;
  const cookies = cookiesOf(canary, plan);
  const rule = (m: HTTPMatchRequest[] | undefined, where: string) => baseRule(s, m, where);
  const { primaryWeight: p, canaryWeight: c } = plan;
  if (c === 0) {
    const main: HTTPRouteRule = {
      ...rule(s.match, 'spec.service.match'),
      backendRefs: [backend(names.primary, s.port, p), backend(names.canary, s.port, c)],
    };
    if (cookies.previous === undefined) return [main];
    const expire = rule(mergeMatches([cookieMatch(cookies.previous)], s.match), 'session cookie match');
    expire.filters = [...(expire.filters ?? []), setCookieFilter(setCookieValue(cookies.previous, -1, sa))];
    return [
      { ...expire, backendRefs: [backend(names.primary, s.port, p), backend(names.canary, s.port, c)] },
      main,
    ];
  }
  if (cookies.canary === undefined)
    throw new Error('session affinity: the canary cookie is not set (status.sessionAffinityCookie)');
  const rules: HTTPRouteRule[] = [
    {
      ...rule(mergeMatches([cookieMatch(cookies.canary)], s.match), 'session cookie match'),
      backendRefs: [backend(names.canary, s.port, 100)],
    },
  ];
  const primaryRef = backend(names.primary, s.port, p);
  if (sa.primaryCookieName !== undefined && cookies.primary !== undefined) {
    rules.push({
      ...rule(mergeMatches([cookieMatch(cookies.primary)], s.match), 'session cookie match'),
      backendRefs: [backend(names.primary, s.port, 100)],
    });
    const interval = analysisOf(canary)?.interval;
    const maxAge = interval !== undefined ? Math.round(parseDuration(interval) / 1000) : 60;
    primaryRef.filters = [setCookieFilter(setCookieValue(cookies.primary, maxAge, sa))];
  }
  const canaryRef = backend(names.canary, s.port, c);
  canaryRef.filters = [setCookieFilter(setCookieValue(cookies.canary, sa.maxAge ?? 86_400, sa))];
  rules.push({ ...rule(s.match, 'spec.service.match'), backendRefs: [primaryRef, canaryRef] });
  return rules;
}

export function renderHttpRouteRules(canary: Canary, plan: TrafficPlan): HTTPRouteRule[] {
  validatePlan(plan);
  refuseUnmappable(canary);
  return checkLimits(splitPrefixRewrites(planRules(canary, plan)));
}

function planRules(canary: Canary, plan: TrafficPlan): HTTPRouteRule[] {
  const names = serviceNames(canary);
  const s = canary.spec.service;
  const weightedRefs = () => [
    backend(names.primary, s.port, plan.primaryWeight),
    backend(names.canary, s.port, plan.canaryWeight),
  ];
  if (isHeaderRouted(canary)) {
    const match = mergeMatches(analysisOf(canary)?.match ?? [], s.match);
    return [
      { ...baseRule(s, match, 'spec.analysis.match'), backendRefs: weightedRefs() },
      // A lone backend with weight 0 receives nothing in Gateway API (unlike Istio): keep it at 100.
      { ...baseRule(s, s.match, 'spec.service.match'), backendRefs: [backend(names.primary, s.port, 100)] },
    ];
  }
  const sa = analysisOf(canary)?.sessionAffinity;
  if (sa !== undefined) return stickyRules(canary, names, plan, sa);
  const rule: HTTPRouteRule = { ...baseRule(s, s.match, 'spec.service.match'), backendRefs: weightedRefs() };
  if (plan.mirrored)
    rule.filters = [
      ...(rule.filters ?? []),
      canaryMirror(names.canary, s.port, analysisOf(canary)?.mirrorWeight),
    ];
  return [rule];
}

/** Gateway API `Hostname`: a lower-case DNS name, optionally with a leading `*.` label. */
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function hostnamesOf(s: CanaryService): string[] {
  const hosts = s.hosts ?? [];
  hosts.forEach((host, index) => {
    if (host !== '*' && !HOSTNAME.test(host))
      throw new Error(
        `spec.service.hosts[${index}]: a Gateway API hostname is a lower-case DNS name (a leading *. allowed), got "${host}"`,
      );
  });
  return hosts.filter((h) => h !== '*');
}

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Where the route attaches: `gatewayRefs` as given (Gateway API parent references), and each
 * Istio-style `gateways` entry: `mesh` is the apex Service (a GAMMA mesh route), `ns/name` and
 * `name` a Gateway (in the Canary's namespace when none is given). Neither given means `mesh`,
 * as in Istio, so a route always attaches somewhere.
 */
function parentRefsOf(canary: Canary): Record<string, unknown>[] {
  const s = canary.spec.service;
  const namespace = canary.metadata.namespace;
  const meshRef = { ...GATEWAY_SERVICE_REF, name: serviceNames(canary).apex };
  const fromGateways = (s.gateways ?? []).map((entry, index): Record<string, unknown> => {
    if (entry === 'mesh') return meshRef;
    const slash = entry.indexOf('/');
    const ns = slash >= 0 ? entry.slice(0, slash) : namespace;
    const name = slash >= 0 ? entry.slice(slash + 1) : entry;
    if (ns !== undefined && !NAMESPACE.test(ns))
      throw new Error(`spec.service.gateways[${index}]: "${ns}" is not a namespace name`);
    if (name === '' || name.includes('/'))
      throw new Error(`spec.service.gateways[${index}]: expected name or namespace/name, got "${entry}"`);
    return { group: GATEWAY_GROUP, kind: 'Gateway', ...(ns !== undefined ? { namespace: ns } : {}), name };
  });
  const refs = [...structuredClone(s.gatewayRefs ?? []), ...fromGateways];
  if (refs.length === 0) return [meshRef];
  const key = (ref: Record<string, unknown>) =>
    JSON.stringify([
      ref.group ?? GATEWAY_GROUP,
      ref.kind ?? 'Gateway',
      ref.namespace ?? namespace ?? '',
      ref.name,
      ref.sectionName ?? '',
      ref.port ?? '',
    ]);
  return refs.filter((ref, index) => refs.findIndex((other) => key(other) === key(ref)) === index);
}

export function renderHttpRoute(canary: Canary, plan: TrafficPlan): KubeObject {
  const names = serviceNames(canary);
  const s = canary.spec.service;
  const owners = ownerReferences(canary);
  const hostnames = hostnamesOf(s);
  const parentRefs = parentRefsOf(canary);
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: {
      name: names.apex,
      ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
      ...(s.apex?.labels ? { labels: s.apex.labels } : {}),
      annotations: routingAnnotations(s.apex?.annotations),
      ...(owners ? { ownerReferences: owners } : {}),
    },
    spec: {
      parentRefs,
      ...(hostnames.length > 0 ? { hostnames } : {}),
      rules: renderHttpRouteRules(canary, plan),
    },
  };
}
