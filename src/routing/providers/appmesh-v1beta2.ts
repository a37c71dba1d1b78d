/**
 * AWS App Mesh (`spec.provider: appmesh:v1beta2`): the `appmesh.k8s.aws/v1beta2` objects Flagger's
 * App Mesh v1beta2 router writes (pkg/router/appmesh_v1beta2.go), which the App Mesh controller
 * turns into mesh resources and its Envoy sidecars obey:
 *
 * - VirtualNodes `<svc>-primary` and `<svc>-canary`: one HTTP listener on the container port
 *   (`targetPort` when it is a number, `port` otherwise), DNS discovery on the Service of the same
 *   name, the pods that Service selects, `spec.service.backends` as virtual-service backends (by
 *   ARN when the entry starts with `arn:aws`), an access log on stdout when the Canary carries
 *   `appmesh.flagger.app/accesslog: enabled`, and the apex labels and annotations.
 * - VirtualRouters `<svc>` (the split) and `<svc>-canary` (all on the canary, so
 *   `<svc>-canary.<ns>` always reaches the canary pods): one HTTP route on the prefix
 *   (`spec.service.match[0].uri.prefix`, `/` otherwise) with weighted targets on both nodes, the
 *   request timeout and retry policy of `spec.service`.
 * - VirtualServices `<svc>` and `<svc>-canary`, each provided by the router of its name; the apex
 *   one carries the App Mesh gateway's annotations when `spec.service.hosts` is set.
 *
 * A/B: one route per `analysis.match` entry (priority 10 upwards) whose header matches carry the
 * split, then `<svc>-b` (priority 20 or after them) keeping everyone else on the primary. Flagger
 * puts the headers of every entry into one route; Serin keeps Istio's meaning, any entry matching.
 *
 * The App Mesh controller's webhook sets `spec.awsName` and `spec.meshRef` on create and rejects
 * an update that changes them, so they are carried over from the live object, as Flagger does.
 *
 * Differences from Flagger, on purpose: a node selects the pods its Service selects (Flagger
 * writes `<targetRef.name>`, wrong when the selector label's value differs from the target's
 * name); the gateway annotations follow the Canary (Flagger sets them on create only); the
 * routers and virtual services also carry Flux's opt-outs.
 */
import type { Canary } from '../../api/canary.js';
import { ignored, invalid, unsupportedBy, type CapabilityIssue } from '../../api/capability-issue.js';
import { parseDuration } from '../../api/duration.js';
import type { StringMatch } from '../../api/istio.js';
import { Resources, type ResourceType } from '../../kubernetes/resources.js';
import { analysisOf, isHeaderRouted, serviceNames } from '../names.js';
import { selectorOf } from '../render/kubernetes.js';
import { validatePlan } from '../render/plan.js';
import { suffixLiteral } from './contour.js';
import { ownedMetadata } from './owned-metadata.js';
import { matchEntries } from './analysis-match.js';
import { prefixOnlyMatch, unrenderedServiceFields } from './service-fields.js';
import {
  ALL_ON_PRIMARY,
  type KubeObject,
  type Lookup,
  type ObjectRef,
  type RoutingProvider,
  type TrafficPlan,
} from './types.js';

/** Serin's id (messages, `--provider`); Flagger's `spec.provider` spelling is `appmesh:v1beta2`. */
const PROVIDER = 'appmesh-v1beta2';
const GROUP = 'appmesh.k8s.aws';
const VERSION = 'v1beta2';

const kind = (k: string, plural: string): ResourceType => ({
  group: GROUP,
  version: VERSION,
  plural,
  kind: k,
  namespaced: true,
});

export const APPMESH_VIRTUAL_NODE = kind('VirtualNode', 'virtualnodes');
export const APPMESH_VIRTUAL_ROUTER = kind('VirtualRouter', 'virtualrouters');
export const APPMESH_VIRTUAL_SERVICE = kind('VirtualService', 'virtualservices');

/** The Canary annotation that turns on Envoy's access log (Flagger's `appmesh.AccessLogAnnotation`). */
export const ACCESS_LOG_ANNOTATION = 'appmesh.flagger.app/accesslog';

/** The HTTP retry events of App Mesh's route API (the CRD's enum). */
export const APPMESH_HTTP_RETRY_EVENTS = ['server-error', 'gateway-error', 'client-error', 'stream-error'];

/** App Mesh's limits on a header match (the CRD's schema): names and values, and headers per route. */
const HEADER_NAME_MAX = 50;
const HEADER_VALUE_MAX = 255;
const HEADERS_PER_ROUTE = 10;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);

const ms = (value: number): Json => ({ unit: 'ms', value: Math.floor(value) });

/** The container port App Mesh's listener takes: a numeric targetPort, else the Service port. */
function containerPort(canary: Canary): number {
  const { port, targetPort } = canary.spec.service;
  return typeof targetPort === 'number' && targetPort > 0 ? targetPort : port;
}

function prefixOf(canary: Canary): string {
  const prefix = canary.spec.service.match?.[0]?.uri?.prefix;
  return prefix !== undefined && prefix !== '' ? prefix : '/';
}

function perRequestTimeout(canary: Canary): Json | undefined {
  const { timeout } = canary.spec.service;
  return timeout === undefined ? undefined : { perRequest: ms(parseDuration(timeout)) };
}

/** Flagger's defaults: one retry, 250ms per try, on gateway errors. */
function retryPolicy(canary: Canary): Json | undefined {
  const retries = canary.spec.service.retries;
  if (retries === undefined) return undefined;
  const events =
    retries.retryOn !== undefined && retries.retryOn !== ''
      ? retries.retryOn.split(',').map((e) => e.trim())
      : ['gateway-error'];
  const unknown = events.find((e) => !APPMESH_HTTP_RETRY_EVENTS.includes(e));
  if (unknown !== undefined)
    throw new Error(
      `spec.service.retries.retryOn: App Mesh cannot retry on "${unknown}" (expected ${APPMESH_HTTP_RETRY_EVENTS.join(', ')})`,
    );
  return {
    maxRetries: retries.attempts !== undefined && retries.attempts > 0 ? retries.attempts : 1,
    perRetryTimeout: ms(retries.perTryTimeout !== undefined ? parseDuration(retries.perTryTimeout) : 250),
    httpRetryEvents: events,
  };
}

/** One App Mesh header match from an `analysis.match` header (Flagger's suffix arrives as a regex). */
function headerMatch(name: string, m: StringMatch, where: string): Json {
  const method = (): Json => {
    if (m.exact !== undefined) return { exact: m.exact };
    if (m.prefix !== undefined) return { prefix: m.prefix };
    if (m.regex !== undefined) {
      const suffix = suffixLiteral(m.regex);
      return suffix !== undefined && suffix !== '' ? { suffix } : { regex: m.regex };
    }
    throw new Error(`${where}: expected exact, prefix, suffix or regex`);
  };
  return { name, match: method() };
}

function headerRoutes(canary: Canary): Json[][] {
  const matches = (analysisOf(canary)?.match ?? []) as unknown as Json[];
  return matches.map((match, i) => {
    const where = `spec.analysis.match[${i}]`;
    const other = Object.keys(match).filter((k) => k !== 'headers' && k !== 'name');
    if (other.length > 0) throw new Error(`${where}.${other[0]}: an App Mesh route matches on headers only`);
    const headers = isRecord(match.headers) ? match.headers : {};
    return Object.entries(headers).map(([name, m]) =>
      headerMatch(name, m as StringMatch, `${where}.headers.${name}`),
    );
  });
}

function targets(names: { primary: string; canary: string }, canaryWeight: number): Json[] {
  return [
    { virtualNodeRef: { name: names.canary }, weight: canaryWeight },
    { virtualNodeRef: { name: names.primary }, weight: 100 - canaryWeight },
  ];
}

function routes(canary: Canary, routeName: string, canaryWeight: number, abTesting: boolean): Json[] {
  const names = serviceNames(canary);
  const timeout = perRequestTimeout(canary);
  const retries = retryPolicy(canary);
  const route = (name: string, headers: Json[] | undefined, weighted: Json[], priority?: number): Json => ({
    name,
    ...(priority !== undefined ? { priority } : {}),
    httpRoute: {
      match: { prefix: prefixOf(canary), ...(headers ? { headers } : {}) },
      action: { weightedTargets: weighted },
      ...(retries ? { retryPolicy: retries } : {}),
      ...(timeout ? { timeout } : {}),
    },
  });
  if (!abTesting) return [route(routeName, undefined, targets(names, canaryWeight))];
  const matched = headerRoutes(canary);
  return [
    ...matched.map((headers, i) =>
      route(
        i === 0 ? `${names.apex}-a` : `${names.apex}-a${i + 1}`,
        headers,
        targets(names, canaryWeight),
        10 + i,
      ),
    ),
    route(
      `${names.apex}-b`,
      undefined,
      [{ virtualNodeRef: { name: names.primary }, weight: 100 }],
      Math.max(20, 10 + matched.length),
    ),
  ];
}

/** The labels of the pods a Service selects: the live or rendered Service's, else Serin's default. */
function podSelector(canary: Canary, service: string, live: Lookup, primary: boolean): Json {
  const selector = live(Resources.service, service)?.spec?.selector;
  if (isRecord(selector) && Object.keys(selector).length > 0) return { matchLabels: selector };
  const sel = selectorOf(canary);
  return { matchLabels: { [sel.label]: primary ? `${sel.value}-primary` : sel.value } };
}

function backends(canary: Canary): Json[] {
  return (canary.spec.service.backends ?? []).map((b) => ({
    virtualService: b.startsWith('arn:aws') ? { virtualServiceARN: b } : { virtualServiceRef: { name: b } },
  }));
}

/** `spec.awsName` and `spec.meshRef` as App Mesh's webhook set them on the live object. */
function meshFields(resource: ResourceType, name: string, live: Lookup): Json {
  const spec = live(resource, name)?.spec;
  if (!isRecord(spec)) return {};
  return {
    ...(spec.awsName !== undefined ? { awsName: spec.awsName } : {}),
    ...(spec.meshRef !== undefined ? { meshRef: spec.meshRef } : {}),
  };
}

function virtualNode(canary: Canary, name: string, live: Lookup, primary: boolean): KubeObject {
  const ns = canary.metadata.namespace ?? 'default';
  const timeout = perRequestTimeout(canary);
  const accessLog = canary.metadata.annotations?.[ACCESS_LOG_ANNOTATION] === 'enabled';
  const nodeBackends = backends(canary);
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: APPMESH_VIRTUAL_NODE.kind,
    metadata: ownedMetadata(canary, name),
    spec: {
      ...meshFields(APPMESH_VIRTUAL_NODE, name, live),
      listeners: [
        {
          portMapping: { port: containerPort(canary), protocol: 'http' },
          ...(timeout ? { timeout: { http: timeout } } : {}),
        },
      ],
      serviceDiscovery: { dns: { hostname: `${name}.${ns}.svc.cluster.local.` } },
      podSelector: podSelector(canary, name, live, primary),
      ...(nodeBackends.length > 0 ? { backends: nodeBackends } : {}),
      ...(accessLog ? { logging: { accessLog: { file: { path: '/dev/stdout' } } } } : {}),
    },
  };
}

function virtualRouter(canary: Canary, name: string, canaryWeight: number, live: Lookup): KubeObject {
  const names = serviceNames(canary);
  const apex = name === names.apex;
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: APPMESH_VIRTUAL_ROUTER.kind,
    metadata: ownedMetadata(canary, name, {}),
    spec: {
      ...meshFields(APPMESH_VIRTUAL_ROUTER, name, live),
      listeners: [{ portMapping: { port: containerPort(canary), protocol: 'http' } }],
      routes: routes(canary, name, canaryWeight, apex && isHeaderRouted(canary)),
    },
  };
}

/** What the App Mesh gateway reads off the apex virtual service to expose it on `hosts`. */
function gatewayAnnotations(canary: Canary): Record<string, string> {
  const { hosts, timeout, retries } = canary.spec.service;
  if (hosts === undefined || hosts.length === 0) return {};
  return {
    'gateway.appmesh.k8s.aws/expose': 'true',
    'gateway.appmesh.k8s.aws/domain': hosts.join(','),
    ...(timeout !== undefined ? { 'gateway.appmesh.k8s.aws/timeout': timeout } : {}),
    ...(retries?.attempts !== undefined && retries.attempts > 0
      ? { 'gateway.appmesh.k8s.aws/retries': String(retries.attempts) }
      : {}),
  };
}

function virtualService(canary: Canary, name: string, live: Lookup): KubeObject {
  const apex = name === serviceNames(canary).apex;
  const metadata = ownedMetadata(canary, name, {});
  if (apex) metadata.annotations = { ...metadata.annotations, ...gatewayAnnotations(canary) };
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: APPMESH_VIRTUAL_SERVICE.kind,
    metadata,
    spec: {
      ...meshFields(APPMESH_VIRTUAL_SERVICE, name, live),
      provider: { virtualRouter: { virtualRouterRef: { name } } },
    },
  };
}

/** Nodes, then routers, then the virtual services they provide: each exists before it is referenced. */
export function renderAppMesh(
  canary: Canary,
  plan: TrafficPlan,
  live: Lookup = () => undefined,
): KubeObject[] {
  validatePlan(plan);
  const names = serviceNames(canary);
  return [
    virtualNode(canary, names.primary, live, true),
    virtualNode(canary, names.canary, live, false),
    virtualRouter(canary, names.apex, plan.canaryWeight, live),
    virtualRouter(canary, names.canary, 100, live),
    virtualService(canary, names.apex, live),
    virtualService(canary, names.canary, live),
  ];
}

function own(canary: Canary): ObjectRef[] {
  const names = serviceNames(canary);
  return [
    { resource: APPMESH_VIRTUAL_NODE, name: names.primary },
    { resource: APPMESH_VIRTUAL_NODE, name: names.canary },
    { resource: APPMESH_VIRTUAL_ROUTER, name: names.apex },
    { resource: APPMESH_VIRTUAL_ROUTER, name: names.canary },
    { resource: APPMESH_VIRTUAL_SERVICE, name: names.apex },
    { resource: APPMESH_VIRTUAL_SERVICE, name: names.canary },
  ];
}

/** What render reads: the Services whose pods the nodes select (with rendersFromLive, render gets its own live objects too). */
function inputs(canary: Canary): ObjectRef[] {
  const names = serviceNames(canary);
  return [
    { resource: Resources.service, name: names.primary },
    { resource: Resources.service, name: names.canary },
  ];
}

/** The split as Flagger's GetRoutes reads it: the weighted targets of the apex router's first route. */
function read(canary: Canary, live: Lookup) {
  const names = serviceNames(canary);
  const router = live(APPMESH_VIRTUAL_ROUTER, names.apex);
  const first = isRecord(router?.spec) ? records(router.spec.routes)[0] : undefined;
  const action = isRecord(first?.httpRoute) && isRecord(first.httpRoute.action) ? first.httpRoute.action : {};
  const weighted = records(action.weightedTargets);
  const weightOf = (node: string) => {
    const target = weighted.find((t) => isRecord(t.virtualNodeRef) && t.virtualNodeRef.name === node);
    return typeof target?.weight === 'number' ? target.weight : undefined;
  };
  const primaryWeight = weightOf(names.primary);
  const canaryWeight = weightOf(names.canary);
  if (primaryWeight === undefined || canaryWeight === undefined || primaryWeight + canaryWeight !== 100)
    return ALL_ON_PRIMARY;
  return { primaryWeight, canaryWeight, mirrored: false };
}

// ---- Capability findings: what the App Mesh objects cannot carry, naming the field.

function durationIssue(path: string, value: unknown): CapabilityIssue[] {
  if (typeof value !== 'string') return [];
  try {
    parseDuration(value);
    return [];
  } catch {
    return [invalid(path, `"${value}" is not a duration App Mesh's milliseconds can carry`)];
  }
}

function retryIssues(retries: Json): CapabilityIssue[] {
  const found: CapabilityIssue[] = [];
  if (typeof retries.retryOn === 'string' && retries.retryOn !== '')
    for (const value of retries.retryOn.split(',').map((v) => v.trim()))
      if (!APPMESH_HTTP_RETRY_EVENTS.includes(value))
        found.push(
          unsupportedBy(
            'spec.service.retries.retryOn',
            PROVIDER,
            `retrying on "${value}" (App Mesh retries on ${APPMESH_HTTP_RETRY_EVENTS.join(', ')})`,
          ),
        );
  for (const field of ['retryRemoteLocalities', 'retryIgnorePreviousHosts', 'backoff'])
    if (retries[field] !== undefined)
      found.push(unsupportedBy(`spec.service.retries.${field}`, PROVIDER, `retries.${field}`));
  found.push(...durationIssue('spec.service.retries.perTryTimeout', retries.perTryTimeout));
  return found;
}

/** A rewrite of the route prefix to itself changes nothing (Flagger's App Mesh tutorial has one). */
function rewriteIssues(service: Json, prefix: string): CapabilityIssue[] {
  if (!isRecord(service.rewrite)) return [];
  const keys = Object.keys(service.rewrite);
  if (keys.length === 1 && keys[0] === 'uri' && service.rewrite.uri === prefix)
    return [
      ignored(
        'spec.service.rewrite',
        `rewriting the prefix ${prefix} to itself changes nothing; App Mesh routes have no rewrite`,
      ),
    ];
  return [unsupportedBy('spec.service.rewrite', PROVIDER, 'a URI or authority rewrite')];
}

function serviceIssues(spec: Readonly<Json>): CapabilityIssue[] {
  const service = isRecord(spec.service) ? spec.service : {};
  const found = unrenderedServiceFields(spec, PROVIDER, ['timeout', 'retries', 'match', 'rewrite']);
  const { issues, prefix } = prefixOnlyMatch(service, PROVIDER);
  found.push(...issues);
  found.push(...rewriteIssues(service, prefix));
  found.push(...durationIssue('spec.service.timeout', service.timeout));
  found.push(...retryIssues(isRecord(service.retries) ? service.retries : {}));
  if (typeof service.portName === 'string' && service.portName.includes('grpc'))
    found.push(
      unsupportedBy(
        'spec.service.portName',
        PROVIDER,
        'a gRPC port (Serin writes App Mesh HTTP routes only)',
      ),
    );
  if (typeof service.targetPort === 'string')
    found.push(
      ignored(
        'spec.service.targetPort',
        'App Mesh listens on a port number; a named targetPort is not resolved, spec.service.port is the listener port (as Flagger does)',
      ),
    );
  if (service.meshName !== undefined)
    found.push(
      ignored(
        'spec.service.meshName',
        "App Mesh v1beta2 puts objects in the Mesh whose namespaceSelector matches the Canary's namespace; ignored",
      ),
    );
  for (const field of ['gateways', 'gatewayRefs'])
    if (Array.isArray(service[field]) && service[field].length > 0)
      found.push(
        ignored(`spec.service.${field}`, 'used by other providers; App Mesh has no gateway binding'),
      );
  return found;
}

function headerIssues(spec: Readonly<Json>): CapabilityIssue[] {
  const found: CapabilityIssue[] = [];
  for (const { where, headers, issues } of matchEntries(spec, PROVIDER, ['headers'])) {
    found.push(...issues);
    if (headers.length > HEADERS_PER_ROUTE)
      found.push(
        invalid(`${where}.headers`, `App Mesh matches at most ${HEADERS_PER_ROUTE} headers per route`),
      );
    for (const [name, m] of headers) {
      const path = `${where}.headers.${name}`;
      if (name.length > HEADER_NAME_MAX)
        found.push(invalid(path, `App Mesh header names are at most ${HEADER_NAME_MAX} characters`));
      if (!isRecord(m)) continue;
      for (const [op, value] of Object.entries(m))
        if (typeof value === 'string' && (value.length === 0 || value.length > HEADER_VALUE_MAX))
          found.push(invalid(`${path}.${op}`, `App Mesh matches 1 to ${HEADER_VALUE_MAX} characters`));
    }
  }
  return found;
}

/**
 * Flagger's plain `appmesh` is its v1beta1 router (`appmesh.k8s.aws/v1beta1`, App Mesh controller
 * releases before 1.0, whose objects have another shape): refused, pointing at `appmesh:v1beta2`.
 */
export function appMeshV1beta1Refusal(): CapabilityIssue {
  return {
    path: 'spec.provider',
    message:
      "provider appmesh is not supported by Serin: it is Flagger's App Mesh v1beta1 router (appmesh.k8s.aws/v1beta1, App Mesh controller before 1.0); for the v1beta2 API set spec.provider: appmesh:v1beta2",
    severity: 'error',
    reason: 'NotSupported',
  };
}

export const appMeshProvider: RoutingProvider = {
  id: PROVIDER,
  names: ['appmesh:v1beta2'],
  features: { weights: true, headers: true, cookies: true, mirror: false, sessionAffinity: false },
  // Services are read (the nodes select their pods), never written.
  resources: [APPMESH_VIRTUAL_NODE, APPMESH_VIRTUAL_ROUTER, APPMESH_VIRTUAL_SERVICE, Resources.service],
  issues: (spec) => [...serviceIssues(spec), ...headerIssues(spec)],
  inputs,
  rendersFromLive: true,
  render: (canary, plan, live) => renderAppMesh(canary, plan, live),
  watched: own,
  read,
  finalize: (canary) => ({ delete: own(canary), apply: [] }),
};
