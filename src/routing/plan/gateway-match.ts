import type { HTTPRouteSpec } from '../../api/gateway-api.js';
import { headerValue, type BlockTest, type PreparedRequest } from './match.js';
import { compileRegex } from './string-match.js';

/**
 * One Gateway API HTTPRouteMatch compiled into a test on a request, with what its precedence is
 * ranked by. Semantics (HTTPRouteMatch, HTTPPathMatch, HTTPHeaderMatch, HTTPQueryParamMatch):
 * conditions are AND-ed; a path defaults to `PathPrefix /`; `PathPrefix` matches whole path
 * elements (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`; a trailing `/` is ignored);
 * `RegularExpression` is RE2 over the whole value; header names are case-insensitive, query
 * parameter names are not; of several entries with an equivalent name only the first counts.
 */

type Match = NonNullable<NonNullable<HTTPRouteSpec['rules']>[number]['matches']>[number];

export interface GatewayMatchRank {
  /** 3 Exact, 2 PathPrefix, 1 RegularExpression. */
  pathKind: number;
  pathLength: number;
  method: boolean;
  headers: number;
  queryParams: number;
}

function pathTest(path: Match['path'], at: string): { test: BlockTest; kind: number; length: number } {
  const type = path?.type ?? 'PathPrefix';
  const value = path?.value ?? '/';
  if (type === 'Exact') return { test: (r) => r.pathOnly === value, kind: 3, length: value.length };
  if (type === 'RegularExpression') {
    const re = compileRegex(value, `${at}.value`);
    return { test: (r) => re.test(r.pathOnly), kind: 1, length: value.length };
  }
  const prefix = value.replace(/\/+$/, '');
  if (prefix === '') return { test: () => true, kind: 2, length: value.length };
  return {
    test: (r) => r.pathOnly === prefix || r.pathOnly.startsWith(`${prefix}/`),
    kind: 2,
    length: value.length,
  };
}

type NameValueMatch = NonNullable<Match['headers']>[number];

function firstByName(entries: readonly NameValueMatch[], key: (n: string) => string): NameValueMatch[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const k = key(e.name);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function valueTest(m: NameValueMatch, at: string): (v: string | undefined) => boolean {
  if ((m.type ?? 'Exact') === 'Exact') return (v) => v === m.value;
  const re = compileRegex(m.value, `${at}.value`);
  return (v) => v !== undefined && re.test(v);
}

function headerTests(entries: readonly NameValueMatch[], at: string): BlockTest[] {
  return firstByName(entries, (n) => n.toLowerCase()).map((m) => {
    const name = m.name.toLowerCase();
    const test = valueTest(m, `${at}[${entries.indexOf(m)}]`);
    return (r: PreparedRequest) => test(headerValue(r.req.headers, name));
  });
}

function queryTests(entries: readonly NameValueMatch[], at: string): BlockTest[] {
  return firstByName(entries, (n) => n).map((m) => {
    const test = valueTest(m, `${at}[${entries.indexOf(m)}]`);
    return (r: PreparedRequest) => test(r.query.get(m.name));
  });
}

export function compileGatewayMatch(m: Match, at: string): { test: BlockTest; rank: GatewayMatchRank } {
  const path = pathTest(m.path, `${at}.path`);
  const headers = headerTests(m.headers ?? [], `${at}.headers`);
  const query = queryTests(m.queryParams ?? [], `${at}.queryParams`);
  const method = m.method;
  const tests: BlockTest[] = [path.test, ...headers, ...query];
  if (method !== undefined) tests.push((r) => r.req.method === method);
  return {
    test: (r) => tests.every((t) => t(r)),
    rank: {
      pathKind: path.kind,
      pathLength: path.length,
      method: method !== undefined,
      headers: headers.length,
      queryParams: query.length,
    },
  };
}

/** A rule without `matches` matches as `PathPrefix /` (the CRD's default). */
export function defaultGatewayMatch(): { test: BlockTest; rank: GatewayMatchRank } {
  return compileGatewayMatch({}, 'matches');
}
