import type { DestinationRuleSpec, VirtualServiceSpec } from '../../routing/istio/types.js';

/** One upstream process or pod that serves a service. */
export interface Endpoint {
  /** IP address or host name the router connects to (loopback in local mode). */
  address: string;
  port: number;
  /** Workload (Deployment-like) name: becomes `destination_workload` in telemetry. */
  workload: string;
  /** Pod-style labels; DestinationRule subsets select endpoints by these. */
  labels?: Readonly<Record<string, string>>;
  /** Version label for telemetry; defaults to `labels.version`, then `unknown`. */
  version?: string;
}

/** A Kubernetes-style service: a name in a namespace and the endpoints behind it. */
export interface ServiceDefinition {
  name: string;
  namespace: string;
  endpoints: readonly Endpoint[];
}

/** A VirtualService or DestinationRule with the object metadata routing needs. */
export interface NamedResource<Spec> {
  name: string;
  namespace: string;
  spec: Spec;
}

/**
 * The router's own identity: the namespace short request hosts resolve in, and the caller of
 * requests that do not name one in `x-serin-source` (see `caller.ts`), for `sourceLabels` and
 * `sourceNamespace` matches and the `source_*` telemetry labels.
 */
export interface RouterIdentity {
  /** Namespace the router lives in; short request hosts resolve here. Default `default`. */
  namespace: string;
  /** `source_workload` of requests that name no caller. Default `unknown`, as Istio reports a caller outside the mesh. */
  workload: string;
  /** Labels of that default caller (`app`, `version`, `service.istio.io/canonical-*`). */
  labels?: Readonly<Record<string, string>>;
  /** `source_cluster` and `destination_cluster`. Default `Kubernetes`, Istio's default cluster ID. */
  cluster?: string;
}

export interface RouterConfig {
  virtualServices?: readonly NamedResource<VirtualServiceSpec>[];
  destinationRules?: readonly NamedResource<DestinationRuleSpec>[];
  services: readonly ServiceDefinition[];
  /**
   * The gateway the router plays. `mesh` (default) means it acts as the client-side sidecar of
   * every caller; a gateway name (`istio-system/public-gateway` or `public-gateway`) makes it apply
   * the VirtualServices bound to that gateway instead.
   */
  gateway?: string;
}

export type WeightedChoice = 'random' | 'smooth-round-robin';

export interface RouterOptions {
  identity?: Partial<RouterIdentity>;
  /**
   * How a request picks among a route's weighted destinations: `random` (default) draws
   * independently per request as Envoy does; `smooth-round-robin` is deterministic (as haproxy).
   */
  weightedChoice?: WeightedChoice;
  /** Upper bound on open connections per upstream endpoint (default 256). */
  maxConnectionsPerEndpoint?: number;
  /** Largest request header block accepted from clients, in bytes (default 16 KiB). */
  maxHeaderSize?: number;
  /** Time allowed for a client to send its request headers (default 30 s). */
  headersTimeoutMs?: number;
  /** Time allowed for a client to send a whole request (default 300 s; 0 disables it). */
  requestTimeoutMs?: number;
  /** Idle time before a client keep-alive connection is closed (default 60 s). */
  keepAliveTimeoutMs?: number;
  /** Time to wait for an upstream's response headers when the route sets no timeout (default 60 s). */
  upstreamTimeoutMs?: number;
  /** Source of randomness in [0, 1); tests may inject a seeded one. */
  random?: () => number;
}
