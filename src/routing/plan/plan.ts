import { parseDuration } from '../../api/common.js';
import type {
  Destination,
  HTTPRoute,
  HTTPRouteDestination,
  Headers,
  VirtualServiceSpec,
} from '../istio/types.js';
import { mergeDelegateRule } from './delegate.js';
import { exportedTo, hostMatcher, MESH_GATEWAY, resolveGatewayName, type HostOptions } from './hosts.js';
import {
  compileBlock,
  prepareRequest,
  requestGateway,
  type BlockTest,
  type RequestAttributes,
} from './match.js';
import { abortPercent, delayPercent, mirrorsOf, type MirrorShare } from './percent.js';
import { RouteCompileError } from './string-match.js';

/**
 * The compiled route plan of one VirtualService: every rule with its match tests, destinations and
 * weights, mirrors, fault, timeout, retries, rewrite and headers, with Istio's rules on how they
 * combine applied once. The local router executes it, `serin route explain` prints it and lint
 * checks it; none of them reads the raw spec for a routing decision.
 */

export interface NamedVirtualService {
  name: string;
  namespace: string;
  spec: VirtualServiceSpec;
}

export interface DestinationShare {
  destination: Destination;
  /** As written, when written. */
  weight?: number;
  /** Between 0 and 1. */
  probability: number;
  headers?: Headers;
}

export interface PlannedFault {
  delay?: { fixedDelay: string; ms: number; percent: number };
  abort?: { httpStatus?: number; grpcStatus?: string; percent: number };
}

/** Where a planned rule comes from: the root's `spec.http[index]`, and the delegate's rule if any. */
export interface RuleOrigin {
  index: number;
  delegate?: { name: string; namespace: string; index: number };
}

export interface PlannedRule {
  origin: RuleOrigin;
  /** Dotted path for messages, e.g. `spec.http[1]` or `spec.http[1] → team/reviews spec.http[0]`. */
  path: string;
  name?: string;
  /** The effective rule (after delegate merging). */
  route: HTTPRoute;
  /** One test per match block; empty for a catch-all rule. */
  blocks: readonly BlockTest[];
  destinations: readonly DestinationShare[];
  /** Only mirrors that copy a share of traffic (0% mirrors are dropped, as pilot does). */
  mirrors: readonly MirrorShare[];
  fault?: PlannedFault;
  /** Route timeout; undefined when none applies (unset or 0, which Istio reads as "no timeout"). */
  timeoutMs?: number;
  /**
   * How the fault filter and the router interact (Envoy: the fault filter runs before the router):
   * an aborted request never reaches the router, so it is neither retried nor timed; a delayed one
   * reaches it after the delay, and the route timeout and retries apply from then on.
   */
  faultBypassesRetries: boolean;
}

export interface SelectedRule {
  rule: PlannedRule;
  /** Index of the matching block, undefined for a catch-all rule. */
  matchIndex: number | undefined;
}

export interface RoutePlan {
  readonly source: NamedVirtualService;
  /** `mesh` and/or `namespace/name`, as resolved by pilot. */
  readonly gateways: readonly string[];
  readonly rules: readonly PlannedRule[];
  /** Things Istio ignores with a warning (a missing delegate, a conflicting delegate rule). */
  readonly warnings: readonly string[];
  /**
   * Whether this VirtualService handles `host` arriving through `gateway` (default mesh) from a
   * caller in `namespace`: its `exportTo` must include the caller's namespace (on the mesh) or the
   * gateway's (through a gateway). Without a namespace, `exportTo` is not consulted.
   */
  appliesTo(host: string, gateway?: string, namespace?: string): boolean;
  /** The first rule matching the request, or undefined (Istio answers 404 then). */
  select(req: RequestAttributes): SelectedRule | undefined;
}

export interface PlanOptions extends HostOptions {
  /** Finds a VirtualService named by `delegate` (one level: a delegate's own delegates are refused). */
  delegates?: (name: string, namespace: string) => NamedVirtualService | undefined;
}

/**
 * Istio weight semantics: a single destination receives all traffic whatever its weight; with
 * several, each receives weight / sum(weights), and a weight of 0 (or none) receives nothing.
 * When every weight is 0 Istio rejects the route; no destination gets traffic here either.
 */
export function destinationShares(dests: readonly HTTPRouteDestination[]): DestinationShare[] {
  const share = (d: HTTPRouteDestination, probability: number): DestinationShare => ({
    destination: d.destination,
    probability,
    ...(d.weight !== undefined ? { weight: d.weight } : {}),
    ...(d.headers !== undefined ? { headers: d.headers } : {}),
  });
  if (dests.length === 1 && dests[0]) return [share(dests[0], 1)];
  const total = dests.reduce((sum, d) => sum + Math.max(0, d.weight ?? 0), 0);
  return dests.map((d) => share(d, total > 0 ? Math.max(0, d.weight ?? 0) / total : 0));
}

/**
 * Picks a destination as Envoy does: one uniform draw over the cumulative weights.
 * `random` returns a number in [0, 1); pass a seeded one for reproducible runs.
 */
export function pickShare(
  shares: readonly DestinationShare[],
  random: () => number = Math.random,
): DestinationShare | undefined {
  let x = random();
  for (const s of shares) {
    if (s.probability <= 0) continue;
    if (x < s.probability) return s;
    x -= s.probability;
  }
  return shares.findLast((s) => s.probability > 0);
}

function durationMs(value: string, path: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new RouteCompileError(path, (error as Error).message);
  }
}

function planFault(route: HTTPRoute, path: string): PlannedFault | undefined {
  const f = route.fault;
  if (f === undefined) return undefined;
  const out: PlannedFault = {};
  const dp = delayPercent(f, `${path}.fault`);
  if (f.delay !== undefined && dp !== undefined) {
    const fixed = f.delay.fixedDelay;
    if (fixed === undefined) {
      throw new RouteCompileError(
        `${path}.fault.delay.fixedDelay`,
        'expected a fixed delay (exponentialDelay is not supported by Istio)',
      );
    }
    out.delay = { fixedDelay: fixed, ms: durationMs(fixed, `${path}.fault.delay.fixedDelay`), percent: dp };
  }
  const ap = abortPercent(f, `${path}.fault`);
  if (f.abort !== undefined && ap !== undefined) {
    const { httpStatus, grpcStatus } = f.abort;
    if (httpStatus === undefined && grpcStatus === undefined) {
      throw new RouteCompileError(`${path}.fault.abort`, 'expected httpStatus or grpcStatus');
    }
    if (httpStatus !== undefined && (httpStatus < 200 || httpStatus > 599)) {
      throw new RouteCompileError(
        `${path}.fault.abort.httpStatus`,
        `expected an HTTP status in [200, 599], got ${httpStatus}`,
      );
    }
    out.abort = {
      ...(httpStatus !== undefined ? { httpStatus } : {}),
      ...(grpcStatus !== undefined ? { grpcStatus } : {}),
      percent: ap,
    };
  }
  return out;
}

function planRule(route: HTTPRoute, origin: RuleOrigin, path: string, namespace: string): PlannedRule {
  const fault = planFault(route, path);
  const timeout = route.timeout === undefined ? undefined : durationMs(route.timeout, `${path}.timeout`);
  return {
    origin,
    path,
    ...(route.name !== undefined ? { name: route.name } : {}),
    route,
    blocks: (route.match ?? []).map((block, j) => compileBlock(block, `${path}.match[${j}]`, namespace)),
    destinations: destinationShares(route.route ?? []),
    mirrors: mirrorsOf(route, path).filter((m) => m.percent > 0),
    ...(fault !== undefined ? { fault } : {}),
    ...(timeout !== undefined && timeout > 0 ? { timeoutMs: timeout } : {}),
    faultBypassesRetries: fault?.abort !== undefined && fault.abort.percent > 0,
  };
}

function expandDelegate(
  route: HTTPRoute,
  index: number,
  vs: NamedVirtualService,
  options: PlanOptions,
  warnings: string[],
): PlannedRule[] {
  const ref = route.delegate;
  if (ref === undefined) return [planRule(route, { index }, `spec.http[${index}]`, vs.namespace)];
  const namespace = ref.namespace ?? vs.namespace;
  const target = options.delegates?.(ref.name, namespace);
  if (target === undefined) {
    warnings.push(
      `spec.http[${index}].delegate: VirtualService ${namespace}/${ref.name} not found: Istio drops the rule`,
    );
    return [];
  }
  if ((target.spec.hosts?.length ?? 0) > 0) {
    throw new RouteCompileError(
      `spec.http[${index}].delegate`,
      `VirtualService ${namespace}/${ref.name} sets hosts: a delegate must not (Istio)`,
    );
  }
  return (target.spec.http ?? []).flatMap((leaf, j) => {
    const path = `spec.http[${index}] → ${namespace}/${ref.name} spec.http[${j}]`;
    if (leaf.delegate !== undefined) {
      throw new RouteCompileError(
        `${path}.delegate`,
        'Istio supports one level of delegation: a delegate cannot delegate',
      );
    }
    const merged = mergeDelegateRule(route, leaf);
    if ('conflict' in merged) {
      warnings.push(`${path}: ${merged.conflict}: Istio drops the rule`);
      return [];
    }
    // The delegate's own gateways do not count; its short names read in its namespace.
    return [
      planRule(merged.merged, { index, delegate: { name: ref.name, namespace, index: j } }, path, namespace),
    ];
  });
}

/** Compiles a VirtualService into its route plan; throws a {@link RouteCompileError} naming the field. */
export function compileRoutePlan(vs: NamedVirtualService, options: PlanOptions = {}): RoutePlan {
  const gateways = (vs.spec.gateways && vs.spec.gateways.length > 0 ? vs.spec.gateways : [MESH_GATEWAY]).map(
    (g) => resolveGatewayName(g, vs.namespace),
  );
  const hostTest = hostMatcher(vs.spec.hosts ?? [], { ...options, namespace: vs.namespace });
  const warnings: string[] = [];
  const rules = (vs.spec.http ?? []).flatMap((route, index) =>
    expandDelegate(route, index, vs, options, warnings),
  );
  const gatewaySet = new Set(gateways);
  const visible = exportedTo(vs.spec.exportTo, vs.namespace);
  return {
    source: vs,
    gateways,
    rules,
    warnings,
    appliesTo(host, gateway, namespace) {
      const g = requestGateway(gateway);
      if (!gatewaySet.has(g) || !hostTest(host)) return false;
      const viewer = g === MESH_GATEWAY ? namespace : g.slice(0, g.indexOf('/'));
      return viewer === undefined || visible(viewer);
    },
    select(req) {
      const prepared = prepareRequest(req);
      if (!gatewaySet.has(prepared.gateway)) return undefined;
      for (const rule of rules) {
        if (rule.blocks.length === 0) return { rule, matchIndex: undefined };
        const j = rule.blocks.findIndex((b) => b(prepared));
        if (j >= 0) return { rule, matchIndex: j };
      }
      return undefined;
    },
  };
}
