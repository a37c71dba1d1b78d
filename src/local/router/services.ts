import type { Pool } from 'undici';
import type { DestinationRuleSpec } from '../../routing/istio/types.js';
import { resolveServiceHost, serviceFqdn } from '../../routing/plan/index.js';
import { roundRobinPicker, type WeightedPicker } from './balance.js';
import { peerIdentity, type DestinationIdentity } from './telemetry.js';
import type { Endpoint, NamedResource, ServiceDefinition } from './types.js';
import { endpointKey, type UpstreamPools } from './upstreams.js';
import type { HeaderMap } from './headers.js';
import { headerValue } from './headers.js';

/** One endpoint ready to receive requests: its pool and its telemetry identity. */
export interface EndpointTarget {
  endpoint: Endpoint;
  key: string;
  pool: Pool;
  identity: DestinationIdentity;
}

/** Envoy's cluster: a service, optionally narrowed to a DestinationRule subset. */
export interface Cluster {
  /** `outbound|<port>|<subset>|<fqdn>`, Envoy's cluster name. */
  name: string;
  service: ServiceDefinition;
  targets: readonly EndpointTarget[];
  /** Picks an endpoint for a request, or undefined when the cluster has none (UH). */
  pick(headers: HeaderMap): EndpointTarget | undefined;
  /** Requests allowed in flight before new ones overflow with 503 UO (DestinationRule connectionPool). */
  maxInFlight: number;
  inFlight: number;
  /** DestinationRule consistentHash: retries then stay free to pick the same host (Istio drops previous_hosts). */
  consistentHash: boolean;
}

export function fqdn(name: string, namespace: string): string {
  return serviceFqdn(name, namespace);
}

export function destinationIdentity(service: ServiceDefinition, endpoint: Endpoint): DestinationIdentity {
  const labels =
    endpoint.version === undefined
      ? (endpoint.labels ?? {})
      : { ...endpoint.labels, version: endpoint.version };
  const peer = peerIdentity(endpoint.workload, service.namespace, labels);
  return { ...peer, serviceName: service.name, serviceNamespace: service.namespace };
}

type Policy = Record<string, unknown>;

function objectAt(value: unknown, key: string): Policy | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const inner = (value as Policy)[key];
  return typeof inner === 'object' && inner !== null ? (inner as Policy) : undefined;
}

function numberAt(value: Policy | undefined, key: string): number | undefined {
  const n = value?.[key];
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** Subset policy overrides the rule's policy field by field, as Istio merges them. */
function effectivePolicy(rule: DestinationRuleSpec | undefined, subset: string | undefined): Policy {
  const base = rule?.trafficPolicy ?? {};
  const sub = rule?.subsets?.find((s) => s.name === subset)?.trafficPolicy ?? {};
  return { ...base, ...sub };
}

function hashString(value: string): number {
  let h = 2166136261;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 16777619);
  return h >>> 0;
}

function cookieValue(headers: HeaderMap, name: string): string | undefined {
  const raw = headerValue(headers, 'cookie');
  if (raw === undefined) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function endpointPicker(
  targets: readonly EndpointTarget[],
  policy: Policy,
  random: () => number,
): (headers: HeaderMap) => EndpointTarget | undefined {
  if (targets.length === 0) return () => undefined;
  const first = targets[0];
  if (targets.length === 1) return () => first;
  const lb = objectAt(policy, 'loadBalancer');
  const hash = objectAt(lb, 'consistentHash');
  const headerName = typeof hash?.httpHeaderName === 'string' ? hash.httpHeaderName.toLowerCase() : undefined;
  const cookieName = objectAt(hash, 'httpCookie')?.name;
  const rr: WeightedPicker<EndpointTarget> =
    lb?.simple === 'RANDOM'
      ? { pick: () => targets[Math.floor(random() * targets.length)] ?? (first as EndpointTarget) }
      : roundRobinPicker(targets, random);
  return (headers) => {
    const key =
      headerName !== undefined
        ? headerValue(headers, headerName)
        : typeof cookieName === 'string'
          ? cookieValue(headers, cookieName)
          : undefined;
    if (key === undefined) return rr.pick();
    return targets[hashString(key) % targets.length];
  };
}

export interface ClusterFactoryInput {
  services: ReadonlyMap<string, ServiceDefinition>;
  destinationRules: readonly NamedResource<DestinationRuleSpec>[];
  pools: UpstreamPools;
  random: () => number;
}

/** Builds (and caches within one configuration version) the clusters routes refer to. */
export class ClusterFactory {
  private readonly clusters = new Map<string, Cluster | undefined>();
  readonly liveEndpoints = new Set<string>();

  constructor(private readonly input: ClusterFactoryInput) {}

  private ruleFor(host: string): DestinationRuleSpec | undefined {
    return this.input.destinationRules.find((r) => resolveServiceHost(r.spec.host, r.namespace) === host)
      ?.spec;
  }

  /**
   * The cluster for `host` (resolved from `namespace`) and `subset`, or undefined when the service
   * or the subset does not exist: Envoy has no such cluster and answers 503 NC.
   */
  get(host: string, namespace: string, subset: string | undefined): Cluster | undefined {
    const serviceHost = resolveServiceHost(host, namespace);
    const name = `outbound||${subset ?? ''}|${serviceHost}`;
    if (this.clusters.has(name)) return this.clusters.get(name);
    const cluster = this.build(name, serviceHost, subset);
    this.clusters.set(name, cluster);
    return cluster;
  }

  private build(name: string, serviceHost: string, subset: string | undefined): Cluster | undefined {
    const service = this.input.services.get(serviceHost);
    if (service === undefined) return undefined;
    const rule = this.ruleFor(serviceHost);
    let selector: Readonly<Record<string, string>> = {};
    if (subset !== undefined) {
      const found = rule?.subsets?.find((s) => s.name === subset);
      if (found === undefined) return undefined;
      selector = found.labels ?? {};
    }
    const selected = service.endpoints.filter((e) =>
      Object.entries(selector).every(([k, v]) => (e.labels ?? {})[k] === v),
    );
    const targets = selected.map((endpoint) => {
      const key = endpointKey(endpoint.address, endpoint.port);
      this.liveEndpoints.add(key);
      return {
        endpoint,
        key,
        pool: this.input.pools.get(endpoint.address, endpoint.port),
        identity: destinationIdentity(service, endpoint),
      };
    });
    const policy = effectivePolicy(rule, subset);
    const pool = objectAt(policy, 'connectionPool');
    const maxConnections = numberAt(objectAt(pool, 'tcp'), 'maxConnections');
    const maxPending = numberAt(objectAt(pool, 'http'), 'http1MaxPendingRequests');
    const maxInFlight =
      maxConnections === undefined && maxPending === undefined
        ? Number.POSITIVE_INFINITY
        : (maxConnections ?? 2 ** 32) + (maxPending ?? 2 ** 32);
    return {
      name,
      service,
      targets,
      pick: endpointPicker(targets, policy, this.input.random),
      maxInFlight,
      inFlight: 0,
      consistentHash: objectAt(objectAt(policy, 'loadBalancer'), 'consistentHash') !== undefined,
    };
  }
}
