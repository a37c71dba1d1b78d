import type { Headers, HTTPRoute, VirtualServiceSpec } from '../../routing/istio/types.js';
import {
  compileRoutePlan,
  MESH_GATEWAY,
  resolveGatewayName,
  resolveServiceHost,
  RouteCompileError,
  type PlannedRule,
  type RequestAttributes,
  type RoutePlan,
} from '../../routing/plan/index.js';
import { randomPicker, smoothRoundRobinPicker, type WeightedPicker } from './balance.js';
import {
  compileCors,
  faultPolicy,
  compileRewrite,
  type CompiledCors,
  type CompiledRewrite,
  type FaultPolicy,
} from './policies.js';
import { compileRetryPolicy, type RetryPolicy } from './retry.js';
import { ClusterFactory, fqdn, type Cluster } from './services.js';
import { Callers } from './caller.js';
import type {
  NamedResource,
  RouterConfig,
  RouterIdentity,
  ServiceDefinition,
  WeightedChoice,
} from './types.js';
import type { UpstreamPools } from './upstreams.js';

/** A weighted destination of a route: its cluster (undefined: no such service/subset) and headers. */
export interface RouteTarget {
  cluster: Cluster | undefined;
  /** Human-readable destination, for errors and admin output. */
  describe: string;
  headers: Headers | undefined;
}

export interface MirrorTarget {
  cluster: Cluster | undefined;
  percent: number;
}

/** One HTTP rule, with everything the data plane needs precomputed. */
export interface CompiledRoute {
  source: HTTPRoute | undefined;
  /** Undefined when the rule has no weighted destinations (redirect, direct response). */
  picker: WeightedPicker<RouteTarget> | undefined;
  mirrors: readonly MirrorTarget[];
  retry: RetryPolicy;
  timeoutMs: number | undefined;
  fault: FaultPolicy | undefined;
  cors: CompiledCors | undefined;
  rewrite: CompiledRewrite | undefined;
  headers: Headers | undefined;
  /** For each match block, the uri prefix it matched by, so `rewrite.uri` can replace it. */
  matchedPrefixes: readonly (string | undefined)[];
}

export type RouteDecision =
  { kind: 'route'; route: CompiledRoute; matchIndex: number | undefined } | { kind: 'no-route' };

interface VirtualServiceEntry {
  plan: RoutePlan;
  routes: ReadonlyMap<PlannedRule, CompiledRoute>;
}

export interface CompileContext {
  pools: UpstreamPools;
  random: () => number;
  weightedChoice: WeightedChoice;
  identity: RouterIdentity;
}

const HOST_CACHE_LIMIT = 4096;

/**
 * An immutable, fully compiled router configuration. A request captures one of these when it
 * starts and keeps it until it ends, so swapping the router's reference never changes an
 * in-flight request's route, retries or telemetry identity.
 */
export class CompiledConfig {
  readonly liveEndpoints: ReadonlySet<string>;
  readonly callers: Callers;
  /** The gateway this router plays, as gateways are compared (`mesh` or `namespace/name`). */
  readonly gateway: string;
  private readonly entries: VirtualServiceEntry[];
  private readonly serviceRoutes = new Map<string, CompiledRoute>();
  private readonly hostCache = new Map<string, VirtualServiceEntry | null>();

  constructor(
    readonly version: number,
    readonly config: RouterConfig,
    private readonly context: CompileContext,
  ) {
    const services = new Map<string, ServiceDefinition>();
    config.services.forEach((s, i) => {
      if (!s.name || !s.namespace) throw new Error(`services[${i}]: expected a name and a namespace`);
      s.endpoints.forEach((e, j) => {
        if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
          throw new Error(
            `services[${i}].endpoints[${j}].port: expected a port in [1, 65535], got ${String(e.port)}`,
          );
        }
      });
      services.set(fqdn(s.name, s.namespace), s);
    });
    const clusters = new ClusterFactory({
      services,
      destinationRules: config.destinationRules ?? [],
      pools: context.pools,
      random: context.random,
    });
    const all = config.virtualServices ?? [];
    const delegates = (name: string, namespace: string) =>
      all.find((vs) => vs.name === name && vs.namespace === namespace);
    this.entries = all.map((vs, i) =>
      this.compileVirtualService(
        vs,
        `virtualServices[${i}] (${vs.namespace}/${vs.name})`,
        clusters,
        delegates,
      ),
    );
    for (const [host, service] of services) {
      const cluster = clusters.get(host, service.namespace, undefined);
      this.serviceRoutes.set(
        host,
        this.compileRoute(undefined, 'services', service.namespace, clusters, cluster),
      );
    }
    this.liveEndpoints = clusters.liveEndpoints;
    this.callers = new Callers(config.services, context.identity);
    this.gateway = resolveGatewayName(config.gateway ?? MESH_GATEWAY, context.identity.namespace);
  }

  /** Finds the route for a request: the first VirtualService for its host, else the service itself. */
  decide(req: RequestAttributes): RouteDecision {
    const entry = this.virtualServiceFor(req.authority, req.gateway, req.sourceNamespace);
    if (entry !== undefined) {
      const selected = entry.plan.select(req);
      const route = selected === undefined ? undefined : entry.routes.get(selected.rule);
      return route === undefined
        ? { kind: 'no-route' }
        : { kind: 'route', route, matchIndex: selected?.matchIndex };
    }
    const host = resolveServiceHost(req.authority, this.context.identity.namespace);
    const route = this.serviceRoutes.get(host);
    return route === undefined ? { kind: 'no-route' } : { kind: 'route', route, matchIndex: undefined };
  }

  /** The first VirtualService for the host that is exported to the caller's namespace (or the gateway's). */
  private virtualServiceFor(
    authority: string,
    gateway: string | undefined,
    namespace: string | undefined,
  ): VirtualServiceEntry | undefined {
    const key = `${gateway ?? 'mesh'}|${namespace ?? ''}|${authority}`;
    const cached = this.hostCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const entry = this.entries.find((e) => e.plan.appliesTo(authority, gateway, namespace));
    if (this.hostCache.size >= HOST_CACHE_LIMIT) this.hostCache.clear();
    this.hostCache.set(key, entry ?? null);
    return entry;
  }

  private compileVirtualService(
    vs: NamedResource<VirtualServiceSpec>,
    path: string,
    clusters: ClusterFactory,
    delegates: (name: string, namespace: string) => NamedResource<VirtualServiceSpec> | undefined,
  ): VirtualServiceEntry {
    let plan: RoutePlan;
    try {
      plan = compileRoutePlan(vs, { delegates });
    } catch (error) {
      const where =
        error instanceof RouteCompileError
          ? `${path}.${error.path}: ${error.reason}`
          : `${path}: ${(error as Error).message}`;
      throw new Error(where, { cause: error });
    }
    const routes = new Map<PlannedRule, CompiledRoute>();
    for (const rule of plan.rules) {
      // A delegated rule's short hosts read in the delegate's namespace, as pilot resolves them.
      const namespace = rule.origin.delegate?.namespace ?? vs.namespace;
      routes.set(rule, this.compileRoute(rule, `${path}.${rule.path}`, namespace, clusters, undefined));
    }
    return { plan, routes };
  }

  private compileRoute(
    planned: PlannedRule | undefined,
    path: string,
    namespace: string,
    clusters: ClusterFactory,
    serviceCluster: Cluster | undefined,
  ): CompiledRoute {
    const rule = planned?.route;
    const targets: { target: RouteTarget; probability: number }[] =
      planned === undefined
        ? [
            {
              target: { cluster: serviceCluster, describe: serviceCluster?.name ?? '', headers: undefined },
              probability: 1,
            },
          ]
        : planned.destinations
            .filter((share) => share.probability > 0)
            .map((share) => ({
              target: {
                cluster: clusters.get(share.destination.host, namespace, share.destination.subset),
                describe: `${share.destination.host}${share.destination.subset === undefined ? '' : `/${share.destination.subset}`}`,
                headers: share.headers,
              },
              probability: share.probability,
            }));
    return {
      source: rule,
      picker: this.picker(targets),
      mirrors: (planned?.mirrors ?? []).map((m) => ({
        cluster: clusters.get(m.destination.host, namespace, m.destination.subset),
        percent: m.percent,
      })),
      retry: compileRetryPolicy(rule?.retries, `${path}.retries`),
      timeoutMs: planned?.timeoutMs,
      fault: planned?.fault === undefined ? undefined : faultPolicy(planned.fault),
      cors: compileCors(rule?.corsPolicy, `${path}.corsPolicy`),
      rewrite: compileRewrite(rule?.rewrite, `${path}.rewrite`),
      headers: rule?.headers,
      matchedPrefixes: (rule?.match ?? []).map((m) => m.uri?.prefix),
    };
  }

  private picker(
    targets: { target: RouteTarget; probability: number }[],
  ): WeightedPicker<RouteTarget> | undefined {
    if (targets.length === 0) return undefined;
    const items = targets.map((t) => t.target);
    // Integer weights keep smooth round-robin exact (probabilities are weight / total).
    const weights = targets.map((t) => Math.round(t.probability * 1_000_000));
    if (this.context.weightedChoice === 'smooth-round-robin') return smoothRoundRobinPicker(items, weights);
    return randomPicker(items, weights, this.context.random);
  }
}
