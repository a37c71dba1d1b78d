import { compileRe2, Re2SyntaxError, type Re2Pattern } from './re2.js';
import type {
  Destination,
  HTTPMatchRequest,
  HTTPRoute,
  HTTPRouteDestination,
  Headers,
  StringMatch,
  VirtualServiceSpec,
} from './istio/types.js';

/**
 * Istio's HTTP request matching, compiled once per VirtualService. This is the single
 * implementation: the local router runs it on every request and `serin route explain` uses it to
 * answer "where would this request go?". Semantics (istio.io networking v1 VirtualService):
 * rules in order, the first rule with a matching block wins; blocks are OR-ed, fields inside a
 * block AND-ed; `regex` is RE2 and must match the whole value; `ignoreUriCase` affects `uri`
 * exact and prefix only.
 */

export interface RequestAttributes {
  /** Host header / :authority, with or without a port. */
  authority: string;
  /** Path including the query string. */
  path: string;
  method: string;
  scheme: 'http' | 'https';
  port?: number;
  /** Lower-case header names, as node:http gives them. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The gateway the request came through; `mesh` (the default) for sidecar traffic. */
  gateway?: string;
  /** Labels of the calling workload, for `sourceLabels` matches (mesh traffic only). */
  sourceLabels?: Readonly<Record<string, string>>;
}

export interface SelectedRoute {
  /** Index of the rule in `spec.http`. */
  index: number;
  /** Index of the matching block in the rule's `match`, undefined for a rule without matches. */
  matchIndex: number | undefined;
  route: HTTPRoute;
}

export interface CompiledVirtualService {
  readonly spec: VirtualServiceSpec;
  /** Whether this VirtualService handles requests for `host` arriving through `gateway` (default mesh). */
  appliesTo(host: string, gateway?: string): boolean;
  /** The first rule matching the request, or undefined (Istio answers 404 then). */
  select(req: RequestAttributes): SelectedRoute | undefined;
}

export interface CompileOptions {
  /** Namespace of the VirtualService: short host names are read relative to it, as Istio does. */
  namespace?: string;
  /** Cluster DNS suffix, `cluster.local` by default. */
  clusterDomain?: string;
}

export class VirtualServiceCompileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

type ValueTest = (value: string | undefined) => boolean;

const IGNORED_HEADER_KEYS = new Set(['uri', 'scheme', 'method', 'authority']);

function compileStringMatch(m: StringMatch, path: string, ignoreCase = false): ValueTest {
  if (m.exact !== undefined) {
    const want = ignoreCase ? m.exact.toLowerCase() : m.exact;
    return (v) => v !== undefined && (ignoreCase ? v.toLowerCase() : v) === want;
  }
  if (m.prefix !== undefined) {
    const want = ignoreCase ? m.prefix.toLowerCase() : m.prefix;
    return (v) => v !== undefined && (ignoreCase ? v.toLowerCase() : v).startsWith(want);
  }
  if (m.regex !== undefined) {
    let re: Re2Pattern;
    try {
      re = compileRe2(m.regex);
    } catch (error) {
      if (error instanceof Re2SyntaxError)
        throw new VirtualServiceCompileError(`${path}.regex`, error.message);
      throw error;
    }
    return (v) => v !== undefined && re.test(v);
  }
  // An empty StringMatch only asks for presence.
  return (v) => v !== undefined;
}

function headerValue(headers: RequestAttributes['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  // Envoy matches repeated headers against their values joined with a comma.
  return typeof value === 'string' ? value : value.join(',');
}

function splitPath(path: string): { pathOnly: string; query: Map<string, string> } {
  const q = path.indexOf('?');
  if (q < 0) return { pathOnly: path, query: new Map() };
  const query = new Map<string, string>();
  for (const part of path.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    // The first occurrence wins, as in Envoy's query parameter matcher.
    if (!query.has(key)) query.set(key, eq < 0 ? '' : decodeComponent(part.slice(eq + 1)));
  }
  return { pathOnly: path.slice(0, q), query };
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Normalised request data computed once per request, shared by every block of every rule. */
interface PreparedRequest {
  req: RequestAttributes;
  pathOnly: string;
  query: Map<string, string>;
  gateway: string;
}

type BlockTest = (r: PreparedRequest) => boolean;

function gatewayName(g: string): string {
  const slash = g.indexOf('/');
  return slash < 0 ? g : g.slice(slash + 1);
}

function compileMapTests(
  map: Record<string, StringMatch> | undefined,
  path: string,
  read: (r: PreparedRequest, key: string) => string | undefined,
  negate: boolean,
): BlockTest[] {
  const tests: BlockTest[] = [];
  for (const [rawKey, m] of Object.entries(map ?? {})) {
    const key = rawKey.toLowerCase();
    if (read === readHeader && IGNORED_HEADER_KEYS.has(key)) continue;
    // `regex: "*"` in withoutHeaders is Istio's spelling of "present".
    const test =
      negate && m.regex === '*'
        ? (v: string | undefined) => v !== undefined
        : compileStringMatch(m, `${path}.${rawKey}`);
    tests.push(negate ? (r) => !test(read(r, key)) : (r) => test(read(r, key)));
  }
  return tests;
}

const readHeader = (r: PreparedRequest, key: string) => headerValue(r.req.headers, key);
const readQuery = (r: PreparedRequest, key: string) => r.query.get(key);

function compileBlock(block: HTTPMatchRequest, path: string, vsGateways: readonly string[]): BlockTest {
  const tests: BlockTest[] = [];
  if (block.uri) {
    const t = compileStringMatch(
      block.uri,
      `${path}.uri`,
      block.ignoreUriCase === true && block.uri.regex === undefined,
    );
    tests.push((r) => t(r.pathOnly));
  }
  if (block.scheme) {
    const t = compileStringMatch(block.scheme, `${path}.scheme`);
    tests.push((r) => t(r.req.scheme));
  }
  if (block.method) {
    const t = compileStringMatch(block.method, `${path}.method`);
    tests.push((r) => t(r.req.method));
  }
  if (block.authority) {
    const t = compileStringMatch(block.authority, `${path}.authority`);
    tests.push((r) => t(r.req.authority));
  }
  tests.push(...compileMapTests(block.headers, `${path}.headers`, readHeader, false));
  tests.push(...compileMapTests(block.withoutHeaders, `${path}.withoutHeaders`, readHeader, true));
  tests.push(...compileMapTests(block.queryParams, `${path}.queryParams`, readQuery, false));
  if (block.port !== undefined) {
    const port = block.port;
    tests.push((r) => (r.req.port ?? portOf(r.req)) === port);
  }
  const gateways = (block.gateways ?? vsGateways).map(gatewayName);
  tests.push((r) => gateways.includes(r.gateway));
  if (block.sourceLabels && Object.keys(block.sourceLabels).length > 0) {
    const labels = Object.entries(block.sourceLabels);
    // sourceLabels select sidecars: they never match traffic entering through a gateway.
    tests.push(
      (r) =>
        r.gateway === 'mesh' &&
        r.req.sourceLabels !== undefined &&
        labels.every(([k, v]) => r.req.sourceLabels?.[k] === v),
    );
  }
  return (r) => tests.every((t) => t(r));
}

function portOf(req: RequestAttributes): number {
  const m = /:(\d+)$/.exec(req.authority);
  if (m) return Number(m[1]);
  return req.scheme === 'https' ? 443 : 80;
}

interface CompiledRule {
  index: number;
  route: HTTPRoute;
  blocks: BlockTest[];
}

/** Host matching as Istio reads `hosts`: exact, `*`, `*.suffix` wildcards, short names in the namespace. */
export function hostMatcher(
  hosts: readonly string[],
  options: CompileOptions = {},
): (host: string) => boolean {
  const domain = options.clusterDomain ?? 'cluster.local';
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const raw of hosts) {
    const h = raw.toLowerCase();
    if (h === '*') any = true;
    else if (h.startsWith('*.')) suffixes.push(h.slice(1));
    else for (const alias of hostAliases(h, options.namespace, domain)) exact.add(alias);
  }
  return (host) => {
    const h = stripPort(host).toLowerCase().replace(/\.$/, '');
    return any || exact.has(h) || suffixes.some((s) => h.endsWith(s));
  };
}

/**
 * The names under which a Kubernetes service is reachable from inside its namespace:
 * `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.<domain>`. Istio programs all of them.
 */
function hostAliases(host: string, namespace: string | undefined, domain: string): string[] {
  const fqdnSuffix = `.svc.${domain}`;
  if (host.endsWith(fqdnSuffix)) {
    const [svc, ns] = host.slice(0, -fqdnSuffix.length).split('.');
    if (svc !== undefined && ns !== undefined) return [host, svc, `${svc}.${ns}`, `${svc}.${ns}.svc`];
  }
  if (!host.includes('.')) {
    if (namespace === undefined) return [host];
    return [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}${fqdnSuffix}`];
  }
  return [host];
}

export function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 && /^\d+$/.test(authority.slice(colon + 1)) ? authority.slice(0, colon) : authority;
}

export function compileVirtualService(
  spec: VirtualServiceSpec,
  options: CompileOptions = {},
): CompiledVirtualService {
  const vsGateways = spec.gateways && spec.gateways.length > 0 ? spec.gateways : ['mesh'];
  const hostTest = hostMatcher(spec.hosts ?? [], options);
  const rules: CompiledRule[] = (spec.http ?? []).map((route, index) => ({
    index,
    route,
    blocks: (route.match ?? []).map((block, j) =>
      compileBlock(block, `http[${index}].match[${j}]`, vsGateways),
    ),
  }));
  const gatewayNames = vsGateways.map(gatewayName);
  const vsGatewayTest: BlockTest = (r) => gatewayNames.includes(r.gateway);

  return {
    spec,
    appliesTo(host, gateway = 'mesh') {
      return gatewayNames.includes(gatewayName(gateway)) && hostTest(host);
    },
    select(req) {
      const { pathOnly, query } = splitPath(req.path);
      const prepared: PreparedRequest = { req, pathOnly, query, gateway: gatewayName(req.gateway ?? 'mesh') };
      for (const rule of rules) {
        if (rule.blocks.length === 0) {
          if (vsGatewayTest(prepared)) return { index: rule.index, matchIndex: undefined, route: rule.route };
          continue;
        }
        const j = rule.blocks.findIndex((b) => b(prepared));
        if (j >= 0) return { index: rule.index, matchIndex: j, route: rule.route };
      }
      return undefined;
    },
  };
}

export interface DestinationShare {
  destination: Destination;
  /** Between 0 and 1. */
  probability: number;
  headers?: Headers;
}

/**
 * Istio weight semantics: a single destination receives all traffic whatever its weight; with
 * several, each receives weight / sum(weights), and a weight of 0 (or none) receives nothing.
 * When every weight is 0 Istio rejects the route; no destination gets traffic here either.
 */
export function destinationProbabilities(route: Pick<HTTPRoute, 'route'>): DestinationShare[] {
  const dests: readonly HTTPRouteDestination[] = route.route ?? [];
  const share = (d: HTTPRouteDestination, probability: number): DestinationShare =>
    d.headers === undefined
      ? { destination: d.destination, probability }
      : { destination: d.destination, probability, headers: d.headers };
  if (dests.length === 1 && dests[0]) return [share(dests[0], 1)];
  const total = dests.reduce((sum, d) => sum + Math.max(0, d.weight ?? 0), 0);
  return dests.map((d) => share(d, total > 0 ? Math.max(0, d.weight ?? 0) / total : 0));
}

/**
 * Picks a destination as Envoy does: one uniform draw over the cumulative weights.
 * `random` returns a number in [0, 1); pass a seeded one for reproducible runs.
 */
export function pickDestination(
  route: Pick<HTTPRoute, 'route'>,
  random: () => number = Math.random,
): DestinationShare | undefined {
  const shares = destinationProbabilities(route);
  let x = random();
  for (const s of shares) {
    if (s.probability <= 0) continue;
    if (x < s.probability) return s;
    x -= s.probability;
  }
  return shares.findLast((s) => s.probability > 0);
}

/** Mirror percentage as Istio reads it: absent means 100, `mirrorPercentage` wins over `mirrorPercent`. */
export function mirrorPercent(route: HTTPRoute): number {
  if (route.mirror === undefined) return 0;
  if (route.mirrorPercentage !== undefined) return route.mirrorPercentage.value ?? 0;
  if (route.mirrorPercent !== undefined) return route.mirrorPercent;
  return 100;
}
