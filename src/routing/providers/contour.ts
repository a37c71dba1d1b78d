/**
 * Contour (`spec.provider: contour`): one HTTPProxy `<svc>` (`projectcontour.io/v1`), included by
 * the user's root HTTPProxy, as Flagger's pkg/router/contour.go writes it: a route on the prefix
 * (`spec.service.match[0].uri.prefix`, `/` otherwise) to `<svc>-primary` and `<svc>-canary` with
 * weights on the services (a zero weight left out, as Go's omitempty does), each service setting
 * `l5d-dst-override` so Linkerd behind Contour routes to that Service; `timeoutPolicy` from
 * `spec.service.timeout` (idle 5m), `retryPolicy` from `spec.service.retries`.
 *
 * A/B: one route per `analysis.match` entry whose header conditions carry the split, then the
 * prefix route at 100/0 for everyone else. Contour matches a header exactly or by substring:
 * `exact` is rendered as is, `prefix` and `suffix` as `contains` (what Flagger does and its
 * Contour tutorial documents, reported as a warning since it matches more than asked), a regex
 * is refused. Flagger puts the headers of every match entry into one route (so all must hold);
 * Serin keeps Istio's meaning, any entry matching. Mirroring and session affinity are refused:
 * Flagger renders neither for Contour.
 */
import type { Canary } from '../../api/canary.js';
import { ignored, invalid, unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';
import type { StringMatch } from '../../api/istio.js';
import type { ResourceType } from '../../kubernetes/resources.js';
import { analysisOf, isHeaderRouted, serviceNames } from '../names.js';
import { routingAnnotations } from '../render/flux.js';
import { escapeRe2 } from '../render/istio.js';
import { ownerReferences } from '../render/kubernetes.js';
import { validatePlan, type TrafficPlan } from '../render/plan.js';
import { matchEntries } from './analysis-match.js';
import { prefixOnlyMatch, unrenderedServiceFields } from './service-fields.js';
import { ALL_ON_PRIMARY, type KubeObject, type Lookup, type RoutingProvider } from './types.js';

export const HTTP_PROXY: ResourceType = {
  group: 'projectcontour.io',
  version: 'v1',
  plural: 'httpproxies',
  kind: 'HTTPProxy',
  namespaced: true,
};

/** Contour's RetryOn enum (HTTP and gRPC conditions). */
export const CONTOUR_RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

/** Contour's duration pattern for timeouts (Go durations, or `infinity`). */
const CONTOUR_DURATION =
  /^(((\d*(\.\d*)?h)|(\d*(\.\d*)?m)|(\d*(\.\d*)?s)|(\d*(\.\d*)?ms)|(\d*(\.\d*)?us)|(\d*(\.\d*)?µs)|(\d*(\.\d*)?ns))+|infinity|infinite)$/;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** `.*<literal>`, the regex a Flagger `suffix` header match becomes: the literal, or undefined. */
export function suffixLiteral(regex: string): string | undefined {
  if (!regex.startsWith('.*')) return undefined;
  const literal = regex.slice(2).replace(/\\(.)/g, '$1');
  return escapeRe2(literal) === regex.slice(2) ? literal : undefined;
}

type HeaderCondition = { name: string } & ({ exact: string } | { contains: string });

function headerCondition(name: string, m: StringMatch, where: string): HeaderCondition {
  if (m.exact !== undefined) return { name, exact: m.exact };
  if (m.prefix !== undefined) return { name, contains: m.prefix };
  const suffix = m.regex !== undefined ? suffixLiteral(m.regex) : undefined;
  if (suffix !== undefined) return { name, contains: suffix };
  throw new Error(
    `${where}: Contour matches a header exactly or by substring; a regex has no HTTPProxy condition`,
  );
}

/** Header conditions of one `analysis.match` entry; any other field of the entry is refused. */
function matchConditions(match: Json, where: string): HeaderCondition[] {
  const other = Object.keys(match).filter((k) => k !== 'headers' && k !== 'name');
  if (other.length > 0)
    throw new Error(`${where}.${other[0]}: a Contour canary route matches on headers only`);
  const headers = isRecord(match.headers) ? match.headers : {};
  return Object.entries(headers).map(([name, m]) =>
    headerCondition(name, m as StringMatch, `${where}.headers.${name}`),
  );
}

function prefixOf(canary: Canary): string {
  return canary.spec.service.match?.[0]?.uri?.prefix ?? '/';
}

function services(canary: Canary, primaryWeight: number, canaryWeight: number): Json[] {
  const names = serviceNames(canary);
  const { port } = canary.spec.service;
  const namespace = canary.metadata.namespace ?? 'default';
  const service = (name: string, weight: number): Json => ({
    name,
    port,
    ...(weight !== 0 ? { weight } : {}),
    requestHeadersPolicy: {
      set: [{ name: 'l5d-dst-override', value: `${name}.${namespace}.svc.cluster.local:${port}` }],
    },
  });
  return [service(names.primary, primaryWeight), service(names.canary, canaryWeight)];
}

function timeoutPolicy(canary: Canary): Json | undefined {
  const { timeout } = canary.spec.service;
  if (timeout === undefined) return undefined;
  if (!CONTOUR_DURATION.test(timeout))
    throw new Error(`spec.service.timeout: "${timeout}" is not a Contour duration`);
  return { response: timeout, idle: '5m' };
}

function retryOnOf(retryOn: string | undefined): string[] | undefined {
  if (retryOn === undefined || retryOn === '') return undefined;
  const values = retryOn.split(',').map((v) => v.trim());
  const unknown = values.find((v) => !(CONTOUR_RETRY_ON as readonly string[]).includes(v));
  if (unknown !== undefined)
    throw new Error(
      `spec.service.retries.retryOn: Contour cannot retry on "${unknown}" (expected ${CONTOUR_RETRY_ON.join(', ')})`,
    );
  return values;
}

function retryPolicy(canary: Canary): Json | undefined {
  const retries = canary.spec.service.retries;
  if (retries === undefined) return undefined;
  const retryOn = retryOnOf(retries.retryOn);
  return {
    count: retries.attempts ?? 0,
    ...(retries.perTryTimeout !== undefined ? { perTryTimeout: retries.perTryTimeout } : {}),
    ...(retryOn !== undefined ? { retryOn } : {}),
  };
}

function routes(canary: Canary, plan: TrafficPlan): Json[] {
  const prefix = prefixOf(canary);
  const policies = {
    ...(timeoutPolicy(canary) !== undefined ? { timeoutPolicy: timeoutPolicy(canary) } : {}),
    ...(retryPolicy(canary) !== undefined ? { retryPolicy: retryPolicy(canary) } : {}),
  };
  const route = (conditions: Json[], p: number, c: number): Json => ({
    conditions: [{ prefix }, ...conditions],
    ...policies,
    services: services(canary, p, c),
  });
  if (!isHeaderRouted(canary)) return [route([], plan.primaryWeight, plan.canaryWeight)];
  const matches = (analysisOf(canary)?.match ?? []) as unknown as Json[];
  return [
    ...matches.map((m, i) =>
      route(
        matchConditions(m, `spec.analysis.match[${i}]`).map((header) => ({ header })),
        plan.primaryWeight,
        plan.canaryWeight,
      ),
    ),
    route([], 100, 0),
  ];
}

export function renderHttpProxy(canary: Canary, plan: TrafficPlan): KubeObject {
  validatePlan(plan);
  const apex = canary.spec.service.apex;
  const owners = ownerReferences(canary);
  return {
    apiVersion: `${HTTP_PROXY.group}/${HTTP_PROXY.version}`,
    kind: HTTP_PROXY.kind,
    metadata: {
      name: serviceNames(canary).apex,
      ...(canary.metadata.namespace !== undefined ? { namespace: canary.metadata.namespace } : {}),
      ...(apex?.labels ? { labels: apex.labels } : {}),
      annotations: routingAnnotations(apex?.annotations),
      ...(owners ? { ownerReferences: owners } : {}),
    },
    spec: { routes: routes(canary, plan) },
  };
}

/** The split as Flagger's GetRoutes reads it: the primary's weight on the first route, the rest the canary's. */
function read(canary: Canary, live: Lookup) {
  const names = serviceNames(canary);
  const proxy = live(HTTP_PROXY, names.apex);
  const first = isRecord(proxy?.spec) ? records(proxy.spec.routes)[0] : undefined;
  const primary = records(first?.services).find((s) => s.name === names.primary);
  if (!primary) return ALL_ON_PRIMARY;
  const primaryWeight = typeof primary.weight === 'number' ? primary.weight : 0;
  return { primaryWeight, canaryWeight: 100 - primaryWeight, mirrored: false };
}

function headerIssues(spec: Readonly<Json>): CapabilityIssue[] {
  const found: CapabilityIssue[] = [];
  for (const { where, headers, issues } of matchEntries(spec, 'contour', ['headers'])) {
    found.push(...issues);
    for (const [name, m] of headers) {
      const path = `${where}.headers.${name}`;
      if (!isRecord(m)) continue;
      if (m.regex !== undefined) found.push(unsupportedBy(path, 'contour', 'a regex header match'));
      for (const kind of ['prefix', 'suffix'])
        if (m[kind] !== undefined)
          found.push(
            ignored(
              path,
              `Contour has no ${kind} header match: rendered as contains, as Flagger does (matches more)`,
            ),
          );
    }
  }
  return found;
}

/** What of Istio's retry policy a Contour RetryPolicy has no place for. */
function retryIssues(retries: Json): CapabilityIssue[] {
  const found: CapabilityIssue[] = [];
  if (typeof retries.retryOn === 'string' && retries.retryOn !== '')
    for (const value of retries.retryOn.split(',').map((v) => v.trim()))
      if (!(CONTOUR_RETRY_ON as readonly string[]).includes(value))
        found.push(unsupportedBy('spec.service.retries.retryOn', 'contour', `retrying on "${value}"`));
  for (const field of ['retryRemoteLocalities', 'retryIgnorePreviousHosts', 'backoff'])
    if (retries[field] !== undefined)
      found.push(unsupportedBy(`spec.service.retries.${field}`, 'contour', `retries.${field}`));
  return found;
}

function serviceIssues(spec: Readonly<Json>): CapabilityIssue[] {
  const service = isRecord(spec.service) ? spec.service : {};
  const found = unrenderedServiceFields(spec, 'contour', ['timeout', 'retries', 'match']);
  found.push(...prefixOnlyMatch(service, 'contour').issues);
  if (typeof service.timeout === 'string' && !CONTOUR_DURATION.test(service.timeout))
    found.push(invalid('spec.service.timeout', `"${service.timeout}" is not a Contour duration`));
  found.push(...retryIssues(isRecord(service.retries) ? service.retries : {}));
  for (const field of ['hosts', 'gateways', 'gatewayRefs'])
    if (Array.isArray(service[field]) && service[field].length > 0)
      found.push(
        ignored(
          `spec.service.${field}`,
          'the HTTPProxy Serin writes is included by your root HTTPProxy, which names the host; ignored',
        ),
      );
  return found;
}

const ref = (canary: Canary) => [{ resource: HTTP_PROXY, name: serviceNames(canary).apex }];

export const contourProvider: RoutingProvider = {
  id: 'contour',
  names: ['contour'],
  features: { weights: true, headers: true, cookies: true, mirror: false, sessionAffinity: false },
  resources: [HTTP_PROXY],
  issues: (spec) => [...serviceIssues(spec), ...headerIssues(spec)],
  inputs: () => [],
  render: (canary, plan) => [renderHttpProxy(canary, plan)],
  watched: ref,
  read,
  finalize: (canary) => ({ delete: ref(canary), apply: [] }),
};
