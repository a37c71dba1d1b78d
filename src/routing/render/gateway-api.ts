import { routingAnnotations } from './flux.js';
import type { Canary, CanaryService, SessionAffinity } from '../../api/canary.js';
import type { HTTPMatchRequest, StringMatch } from '../istio/types.js';
import { analysisOf, isHeaderRouted, serviceNames, type ServiceNames } from '../names.js';
import { cookieMatch, escapeRe2, mergeMatches, setCookieValue } from './istio.js';
import { ownerReferences, type KubeObject } from './kubernetes.js';
import { cookiesOf, validatePlan, type TrafficPlan } from './plan.js';
import { parseDuration } from '../../api/common.js';

/**
 * Gateway API `HTTPRoute` for a Canary: the same traffic plan as the Istio VirtualService, in
 * weighted `backendRefs`, header/path/query matches and a `RequestMirror` filter.
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
  return { group: '', kind: 'Service', name, port, weight };
}

function headerFilters(service: CanaryService): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const toList = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {}).map(([name, value]) => ({ name, value }));
  for (const [side, type] of [
    ['request', 'RequestHeaderModifier'],
    ['response', 'ResponseHeaderModifier'],
  ] as const) {
    const ops = service.headers?.[side];
    if (!ops) continue;
    const modifier: Record<string, unknown> = {};
    if (ops.set) modifier.set = toList(ops.set);
    if (ops.add) modifier.add = toList(ops.add);
    if (ops.remove) modifier.remove = [...ops.remove];
    const key = side === 'request' ? 'requestHeaderModifier' : 'responseHeaderModifier';
    out.push({ type, [key]: modifier });
  }
  if (service.rewrite?.uri !== undefined) {
    const path =
      service.rewrite.type === 'ReplaceFullPath'
        ? { type: 'ReplaceFullPath', replaceFullPath: service.rewrite.uri }
        : { type: 'ReplacePrefixMatch', replacePrefixMatch: service.rewrite.uri };
    out.push({ type: 'URLRewrite', urlRewrite: { path } });
  }
  return out;
}

function baseRule(
  service: CanaryService,
  matches: HTTPMatchRequest[] | undefined,
  where: string,
): Omit<HTTPRouteRule, 'backendRefs'> {
  const rule: Omit<HTTPRouteRule, 'backendRefs'> = {};
  if (matches && matches.length > 0)
    rule.matches = matches.map((m, i) => toGatewayMatch(m, `${where}[${i}]`));
  const filters = headerFilters(service);
  if (filters.length > 0) rule.filters = filters;
  if (service.timeout !== undefined || service.backendTimeout !== undefined) {
    rule.timeouts = {
      ...(service.timeout !== undefined ? { request: service.timeout } : {}),
      ...(service.backendTimeout !== undefined ? { backendRequest: service.backendTimeout } : {}),
    };
  }
  return rule;
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
  if (plan.mirrored) {
    rule.filters = [
      ...(rule.filters ?? []),
      {
        type: 'RequestMirror',
        requestMirror: { backendRef: { group: '', kind: 'Service', name: names.canary, port: s.port } },
      },
    ];
  }
  return [rule];
}

export function renderHttpRoute(canary: Canary, plan: TrafficPlan): KubeObject {
  const names = serviceNames(canary);
  const s = canary.spec.service;
  const owners = ownerReferences(canary);
  const hostnames = (s.hosts ?? []).filter((h) => h !== '*');
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
      ...(s.gatewayRefs && s.gatewayRefs.length > 0 ? { parentRefs: structuredClone(s.gatewayRefs) } : {}),
      ...(hostnames.length > 0 ? { hostnames } : {}),
      rules: renderHttpRouteRules(canary, plan),
    },
  };
}
