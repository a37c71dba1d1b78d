import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type HeaderMap = Record<string, string | string[] | undefined>;

/** RFC 9110 §7.6.1 connection-specific headers: they describe one hop and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers undici refuses or manages itself on an outgoing request. */
// `x-serin-source` names the caller to this router only (caller.ts).
const NOT_FORWARDED_UPSTREAM = new Set(['expect', 'host', 'x-serin-source']);

function connectionTokens(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'close' && t !== 'keep-alive');
}

/** Copies `headers` without hop-by-hop headers and without those named in `Connection`. */
export function withoutHopByHop(headers: HeaderMap | IncomingHttpHeaders): HeaderMap {
  const extra = connectionTokens(headers.connection);
  const out: HeaderMap = {};
  for (const name of Object.keys(headers)) {
    if (HOP_BY_HOP.has(name) || extra.includes(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

/**
 * Builds the upstream request headers: hop-by-hop headers dropped, `x-forwarded-for` extended
 * with the client address, `x-forwarded-proto` and `x-request-id` set when absent, as Envoy does.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  clientAddress: string | undefined,
  scheme: 'http' | 'https',
): HeaderMap {
  const out = withoutHopByHop(incoming);
  for (const name of NOT_FORWARDED_UPSTREAM) out[name] = undefined;
  if (clientAddress !== undefined) {
    const prior = headerValue(incoming, 'x-forwarded-for');
    out['x-forwarded-for'] =
      prior === undefined || prior === '' ? clientAddress : `${prior}, ${clientAddress}`;
  }
  out['x-forwarded-proto'] ??= scheme;
  out['x-request-id'] ??= randomUUID();
  return out;
}

export interface HeaderOperations {
  set?: Readonly<Record<string, string>>;
  add?: Readonly<Record<string, string>>;
  remove?: readonly string[];
}

/**
 * Applies Istio header operations in Envoy's order: remove, then set (overwrite), then add
 * (append to an existing value). Names are case-insensitive, so they are lower-cased.
 */
export function applyHeaderOperations(headers: HeaderMap, ops: HeaderOperations | undefined): void {
  if (ops === undefined) return;
  // undefined values are skipped by undici and node:http alike, so this removes the header.
  for (const name of ops.remove ?? []) headers[name.toLowerCase()] = undefined;
  for (const [name, value] of Object.entries(ops.set ?? {})) headers[name.toLowerCase()] = value;
  for (const [rawName, value] of Object.entries(ops.add ?? {})) {
    const name = rawName.toLowerCase();
    const prior = headers[name];
    if (prior === undefined) headers[name] = value;
    else if (Array.isArray(prior)) headers[name] = [...prior, value];
    else if (name === 'set-cookie') headers[name] = [prior, value];
    else headers[name] = `${prior},${value}`;
  }
}

/**
 * Response headers from an upstream, ready for `res.writeHead` as a flat `[name, value, ...]`
 * list: hop-by-hop headers and those named in `Connection` dropped, repeated headers (lists)
 * written one line each. One pass, no intermediate object: every proxied response pays this.
 */
export function downstreamResponseHeaderList(upstream: IncomingHttpHeaders): string[] {
  const extra = upstream.connection === undefined ? undefined : connectionTokens(upstream.connection);
  const out: string[] = [];
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) || extra?.includes(name) === true) continue;
    const value = upstream[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  return out;
}

/** Response headers from an upstream as a map (hop-by-hop removed), for header mutations. */
export function downstreamResponseHeaders(upstream: IncomingHttpHeaders): HeaderMap {
  return withoutHopByHop(upstream);
}

/** A single header value as a string (first value of a list), or undefined. */
export function headerValue(headers: HeaderMap | IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
