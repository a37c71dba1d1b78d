import type { HTTPMatchRequest, StringMatch } from '../istio/types.js';
import { MESH_GATEWAY, resolveGatewayName } from './hosts.js';
import {
  compileStringMatch,
  compileWithoutMatch,
  RouteCompileError,
  type ValueTest,
} from './string-match.js';

/**
 * One HTTPMatchRequest compiled into a test on a request. Semantics (istio.io networking v1
 * VirtualService, pilot `TranslateRouteMatch` and `sourceMatchHTTP`): fields inside a block are
 * AND-ed; `regex` is RE2 over the whole value; `ignoreUriCase` affects `uri` exact and prefix
 * only; a block that names `gateways` is selected by gateway alone (its `sourceLabels` and
 * `sourceNamespace` are then not consulted, as in pilot); otherwise the caller's labels must
 * include `sourceLabels` and its namespace equal `sourceNamespace`.
 */

export interface RequestAttributes {
  /** Host header / :authority, with or without a port. */
  authority: string;
  /** Path including the query string. */
  path: string;
  /** As sent: Istio compares methods case-sensitively. */
  method: string;
  scheme: 'http' | 'https';
  port?: number;
  /** Lower-case header names, as node:http gives them. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * The gateway the request came through: `mesh` (the default) for sidecar traffic, else
   * `namespace/name`. A bare name is read in the `default` namespace.
   */
  gateway?: string;
  /** Labels of the calling workload, for `sourceLabels` matches. */
  sourceLabels?: Readonly<Record<string, string>>;
  /** Namespace of the calling workload, for `sourceNamespace` matches. */
  sourceNamespace?: string;
}

/** Normalised request data computed once per request, shared by every block of every rule. */
export interface PreparedRequest {
  req: RequestAttributes;
  pathOnly: string;
  query: ReadonlyMap<string, string>;
  /** `mesh` or `namespace/name`. */
  gateway: string;
}

export type BlockTest = (r: PreparedRequest) => boolean;

/** The request's gateway in the form gateways are compared in. */
export function requestGateway(gateway: string | undefined): string {
  return resolveGatewayName(gateway ?? MESH_GATEWAY, 'default');
}

export function prepareRequest(req: RequestAttributes): PreparedRequest {
  const q = req.path.indexOf('?');
  const query = new Map<string, string>();
  if (q >= 0) {
    for (const part of req.path.slice(q + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
      // The first occurrence wins, as in Envoy's query parameter matcher.
      if (!query.has(key)) query.set(key, eq < 0 ? '' : decodeComponent(part.slice(eq + 1)));
    }
  }
  return {
    req,
    pathOnly: q < 0 ? req.path : req.path.slice(0, q),
    query,
    gateway: requestGateway(req.gateway),
  };
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function headerValue(headers: RequestAttributes['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  // Envoy matches repeated headers against their values joined with a comma.
  return typeof value === 'string' ? value : value.join(',');
}

/** Pseudo-headers Istio matches through their own fields, never as `headers` keys. */
const PSEUDO_HEADER_KEYS = new Set(['uri', 'scheme', 'method', 'authority']);

function mapTests(
  map: Record<string, StringMatch> | undefined,
  path: string,
  read: (r: PreparedRequest, key: string) => string | undefined,
  compile: (m: StringMatch, path: string) => ValueTest,
  skipPseudo: boolean,
): BlockTest[] {
  const tests: BlockTest[] = [];
  for (const [rawKey, m] of Object.entries(map ?? {})) {
    const key = rawKey.toLowerCase();
    if (skipPseudo && PSEUDO_HEADER_KEYS.has(key)) continue;
    if (rawKey.startsWith('@request.auth.claims')) {
      throw new RouteCompileError(
        `${path}.${rawKey}`,
        'JWT claim matching (@request.auth.claims) is not supported by Serin: it needs a RequestAuthentication',
      );
    }
    const test = compile(m, `${path}.${rawKey}`);
    tests.push((r) => test(read(r, key)));
  }
  return tests;
}

const readHeader = (r: PreparedRequest, key: string) => headerValue(r.req.headers, key);
const readQuery = (r: PreparedRequest, key: string) => r.query.get(key);

function portOf(req: RequestAttributes): number {
  const m = /:(\d+)$/.exec(req.authority);
  if (m) return Number(m[1]);
  return req.scheme === 'https' ? 443 : 80;
}

function fieldTests(block: HTTPMatchRequest, path: string): BlockTest[] {
  const tests: BlockTest[] = [];
  if (block.uri) {
    const ignoreCase = block.ignoreUriCase === true && block.uri.regex === undefined;
    const t = compileStringMatch(block.uri, `${path}.uri`, ignoreCase);
    tests.push((r) => t(r.pathOnly));
  }
  const pseudo: [StringMatch | undefined, string, (r: PreparedRequest) => string][] = [
    [block.scheme, 'scheme', (r) => r.req.scheme],
    [block.method, 'method', (r) => r.req.method],
    [block.authority, 'authority', (r) => r.req.authority],
  ];
  for (const [m, field, read] of pseudo) {
    if (m === undefined) continue;
    const t = compileStringMatch(m, `${path}.${field}`);
    tests.push((r) => t(read(r)));
  }
  tests.push(...mapTests(block.headers, `${path}.headers`, readHeader, compileStringMatch, true));
  tests.push(
    ...mapTests(block.withoutHeaders, `${path}.withoutHeaders`, readHeader, compileWithoutMatch, true),
  );
  tests.push(...mapTests(block.queryParams, `${path}.queryParams`, readQuery, compileStringMatch, false));
  if (block.port !== undefined) {
    const port = block.port;
    tests.push((r) => (r.req.port ?? portOf(r.req)) === port);
  }
  return tests;
}

/** pilot `sourceMatchHTTP`: which proxies (gateways or callers) a block is programmed on. */
function sourceTest(block: HTTPMatchRequest, namespace: string): BlockTest {
  if (block.gateways !== undefined && block.gateways.length > 0) {
    const gateways = new Set(block.gateways.map((g) => resolveGatewayName(g, namespace)));
    return (r) => gateways.has(r.gateway);
  }
  const labels = Object.entries(block.sourceLabels ?? {});
  const sourceNamespace = block.sourceNamespace ?? '';
  return (r) => {
    if (labels.length > 0) {
      // sourceLabels select sidecars: a gateway's own labels are not the caller's.
      if (r.gateway !== MESH_GATEWAY || r.req.sourceLabels === undefined) return false;
      if (!labels.every(([k, v]) => r.req.sourceLabels?.[k] === v)) return false;
    }
    return sourceNamespace === '' || r.req.sourceNamespace === sourceNamespace;
  };
}

/** Compiles one match block; `namespace` is the VirtualService's, for short gateway names. */
export function compileBlock(block: HTTPMatchRequest, path: string, namespace: string): BlockTest {
  const tests = [sourceTest(block, namespace), ...fieldTests(block, path)];
  return (r) => tests.every((t) => t(r));
}
