/**
 * Gloo Edge (`spec.provider: gloo`): a RouteTable `<svc>` (`gateway.solo.io/v1`), which the
 * user's Gloo VirtualService delegates to, splitting between two Upstreams (`gloo.solo.io/v1`)
 * Serin creates per Canary, as Flagger's pkg/router/gloo.go does: `<ns>-<svc>-primaryupstream-<port>`
 * and `<ns>-<svc>-canaryupstream-<port>`, kube upstreams on `<svc>-primary` and `<svc>-canary`
 * with those Services' selectors. With `spec.upstreamRef`, the named Upstream's connection
 * settings (TLS, circuit breakers, load balancing, HTTP/2, ...) are copied into both, as Flagger
 * copies them. Weights are on the route's destinations, a zero weight left out (Go's omitempty).
 *
 * A/B: the route's matchers are one per `analysis.match` entry (headers: exact as a value, prefix
 * and regex as an RE2 regex, which Gloo matches in full as Istio does; `method.exact` as a method),
 * the route inherits the delegating VirtualService's path matcher, and a second route keeps
 * everyone else on the primary. Flagger renders the matched route alone (requests without the
 * header find no route in the RouteTable) and merges every entry into one matcher (all must
 * hold): Serin keeps Istio's meaning. Mirroring and session affinity are refused: Flagger renders
 * neither for Gloo.
 */
import type { Canary } from '../../api/canary.js';
import { ignored, unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';
import type { StringMatch } from '../../api/istio.js';
import { Resources, type ResourceType } from '../../kubernetes/resources.js';
import { analysisOf, isHeaderRouted, serviceNames } from '../names.js';
import { routingAnnotations } from '../render/flux.js';
import { escapeRe2 } from '../render/istio.js';
import { ownerReferences } from '../render/kubernetes.js';
import { validatePlan, type TrafficPlan } from '../render/plan.js';
import { matchEntries } from './analysis-match.js';
import { unrenderedServiceFields } from './service-fields.js';
import {
  ALL_ON_PRIMARY,
  type KubeObject,
  type Lookup,
  type ObjectRef,
  type RoutingProvider,
} from './types.js';

export const ROUTE_TABLE: ResourceType = {
  group: 'gateway.solo.io',
  version: 'v1',
  plural: 'routetables',
  kind: 'RouteTable',
  namespaced: true,
};

export const UPSTREAM: ResourceType = {
  group: 'gloo.solo.io',
  version: 'v1',
  plural: 'upstreams',
  kind: 'Upstream',
  namespaced: true,
};

/** The Upstream settings Flagger copies from `spec.upstreamRef` (the kube target is Serin's). */
const COPIED_UPSTREAM_FIELDS = [
  'labels',
  'sslConfig',
  'circuitBreakers',
  'connectionConfig',
  'loadBalancerConfig',
  'useHttp2',
  'initialStreamWindowSize',
  'initialConnectionWindowSize',
  'httpProxyHostname',
] as const;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

export function upstreamNames(canary: Canary): { primary: string; canary: string } {
  const ns = canary.metadata.namespace ?? 'default';
  const { apex } = serviceNames(canary);
  const { port } = canary.spec.service;
  return {
    primary: `${ns}-${apex}-primaryupstream-${port}`,
    canary: `${ns}-${apex}-canaryupstream-${port}`,
  };
}

function configUpstreamRef(canary: Canary): ObjectRef | undefined {
  const ref = (canary.spec as { upstreamRef?: { name?: string; namespace?: string } }).upstreamRef;
  if (ref?.name === undefined) return undefined;
  return {
    resource: UPSTREAM,
    name: ref.name,
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
  };
}

function metadataOf(canary: Canary, name: string, withApex: boolean): KubeObject['metadata'] {
  const apex = withApex ? canary.spec.service.apex : undefined;
  const owners = ownerReferences(canary);
  return {
    name,
    ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
    ...(apex?.labels ? { labels: apex.labels } : {}),
    annotations: routingAnnotations(apex?.annotations),
    ...(owners ? { ownerReferences: owners } : {}),
  };
}

function renderUpstream(canary: Canary, name: string, serviceName: string, live: Lookup): KubeObject {
  const ref = configUpstreamRef(canary);
  const config = ref ? live(ref.resource, ref.name, ref.namespace) : undefined;
  if (ref && !config)
    throw new Error(
      `spec.upstreamRef: Upstream ${ref.namespace ?? canary.metadata.namespace}/${ref.name} not found`,
    );
  const configSpec = isRecord(config?.spec) ? config.spec : {};
  const copied = Object.fromEntries(
    COPIED_UPSTREAM_FIELDS.filter((f) => configSpec[f] !== undefined).map((f) => [
      f,
      structuredClone(configSpec[f]),
    ]),
  );
  const service = live(Resources.service, serviceName);
  const selector =
    isRecord(service?.spec) && isRecord(service.spec.selector) ? service.spec.selector : undefined;
  return {
    apiVersion: `${UPSTREAM.group}/${UPSTREAM.version}`,
    kind: UPSTREAM.kind,
    metadata: metadataOf(canary, name, false),
    spec: {
      ...copied,
      kube: {
        serviceName,
        serviceNamespace: canary.metadata.namespace ?? 'default',
        servicePort: canary.spec.service.port,
        ...(selector ? { selector } : {}),
      },
    },
  };
}

function headerMatcher(name: string, m: StringMatch, where: string): Json {
  if (m.exact !== undefined) return { name, value: m.exact };
  if (m.regex !== undefined) return { name, value: m.regex, regex: true };
  if (m.prefix !== undefined) return { name, value: `${escapeRe2(m.prefix)}.*`, regex: true };
  throw new Error(`${where}: Gloo has no presence-only header match here; give exact, prefix or regex`);
}

const MATCH_FIELDS = new Set(['headers', 'method', 'name']);

function matcher(match: Json, where: string): Json {
  const other = Object.keys(match).find((k) => !MATCH_FIELDS.has(k));
  if (other !== undefined)
    throw new Error(`${where}.${other}: a Gloo canary route matches on headers and method only`);
  const headers = Object.entries(isRecord(match.headers) ? match.headers : {}).map(([name, m]) =>
    headerMatcher(name, m as StringMatch, `${where}.headers.${name}`),
  );
  const method = isRecord(match.method) ? match.method : undefined;
  if (method && typeof method.exact !== 'string')
    throw new Error(`${where}.method: Gloo matches a method exactly only`);
  return {
    ...(headers.length > 0 ? { headers } : {}),
    ...(method ? { methods: [method.exact] } : {}),
  };
}

function weighted(canary: Canary, primaryWeight: number, canaryWeight: number): Json {
  const names = upstreamNames(canary);
  const namespace = canary.metadata.namespace ?? 'default';
  const destination = (name: string, weight: number) => ({
    destination: { upstream: { name, namespace } },
    ...(weight !== 0 ? { weight } : {}),
  });
  return {
    multi: {
      destinations: [destination(names.primary, primaryWeight), destination(names.canary, canaryWeight)],
    },
  };
}

function routes(canary: Canary, plan: TrafficPlan): Json[] {
  if (!isHeaderRouted(canary))
    return [
      { inheritablePathMatchers: true, routeAction: weighted(canary, plan.primaryWeight, plan.canaryWeight) },
    ];
  const matches = (analysisOf(canary)?.match ?? []) as unknown as Json[];
  return [
    {
      matchers: matches.map((m, i) => matcher(m, `spec.analysis.match[${i}]`)),
      inheritablePathMatchers: true,
      routeAction: weighted(canary, plan.primaryWeight, plan.canaryWeight),
    },
    { inheritablePathMatchers: true, routeAction: weighted(canary, 100, 0) },
  ];
}

function render(canary: Canary, plan: TrafficPlan, live: Lookup): KubeObject[] {
  validatePlan(plan);
  const names = serviceNames(canary);
  const upstreams = upstreamNames(canary);
  return [
    renderUpstream(canary, upstreams.primary, names.primary, live),
    renderUpstream(canary, upstreams.canary, names.canary, live),
    {
      apiVersion: `${ROUTE_TABLE.group}/${ROUTE_TABLE.version}`,
      kind: ROUTE_TABLE.kind,
      metadata: metadataOf(canary, names.apex, true),
      spec: { routes: routes(canary, plan) },
    },
  ];
}

/** The split as Flagger's GetRoutes reads it: the primary upstream's weight on the first route. */
function read(canary: Canary, live: Lookup) {
  const table = live(ROUTE_TABLE, serviceNames(canary).apex);
  const first = isRecord(table?.spec) ? records(table.spec.routes)[0] : undefined;
  const action = isRecord(first?.routeAction) ? first.routeAction : {};
  const multi = isRecord(action.multi) ? action.multi : {};
  const primaryName = upstreamNames(canary).primary;
  const primary = records(multi.destinations).find(
    (d) =>
      isRecord(d.destination) &&
      isRecord(d.destination.upstream) &&
      d.destination.upstream.name === primaryName,
  );
  if (!primary) return ALL_ON_PRIMARY;
  const primaryWeight = typeof primary.weight === 'number' ? primary.weight : 0;
  return { primaryWeight, canaryWeight: 100 - primaryWeight, mirrored: false };
}

function matchIssues(spec: Readonly<Json>): CapabilityIssue[] {
  return matchEntries(spec, 'gloo', ['headers', 'method']).flatMap(({ where, match, issues }) =>
    isRecord(match.method) && match.method.exact === undefined
      ? [...issues, unsupportedBy(`${where}.method`, 'gloo', 'a method match other than exact')]
      : issues,
  );
}

function issues(spec: Readonly<Json>): CapabilityIssue[] {
  const found = [...unrenderedServiceFields(spec, 'gloo'), ...matchIssues(spec)];
  const service = isRecord(spec.service) ? spec.service : {};
  for (const field of ['hosts', 'gateways', 'gatewayRefs'])
    if (Array.isArray(service[field]) && service[field].length > 0)
      found.push(
        ignored(
          `spec.service.${field}`,
          'the RouteTable Serin writes is delegated to by your Gloo VirtualService, which names the domains; ignored',
        ),
      );
  const ref = isRecord(spec.upstreamRef) ? spec.upstreamRef : undefined;
  if (ref && ref.kind !== undefined && ref.kind !== 'Upstream')
    found.push(
      unsupportedBy('spec.upstreamRef.kind', 'gloo', `a config upstream of kind ${JSON.stringify(ref.kind)}`),
    );
  return found;
}

const owned = (canary: Canary): ObjectRef[] => {
  const upstreams = upstreamNames(canary);
  return [
    { resource: ROUTE_TABLE, name: serviceNames(canary).apex },
    { resource: UPSTREAM, name: upstreams.primary },
    { resource: UPSTREAM, name: upstreams.canary },
  ];
};

export const glooProvider: RoutingProvider = {
  id: 'gloo',
  names: ['gloo'],
  features: { weights: true, headers: true, cookies: true, mirror: false, sessionAffinity: false },
  resources: [ROUTE_TABLE, UPSTREAM, Resources.service],
  issues,
  // The Services' selectors go into the upstreams, as Flagger copies them.
  inputs: (canary) => {
    const names = serviceNames(canary);
    const ref = configUpstreamRef(canary);
    return [
      { resource: Resources.service, name: names.primary },
      { resource: Resources.service, name: names.canary },
      ...(ref ? [ref] : []),
    ];
  },
  render,
  watched: owned,
  read,
  finalize: (canary) => ({ delete: owned(canary), apply: [] }),
};
