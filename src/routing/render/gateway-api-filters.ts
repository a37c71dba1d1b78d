/**
 * The Canary service fields that become HTTPRoute filters, in the Gateway API standard channel
 * (v1.6): header modifiers, `URLRewrite` (path and hostname), `CORS` and `RequestMirror`. A value
 * the standard channel cannot carry is an error naming the Canary field, never dropped: the
 * checks here are the ones the HTTPRoute CRD (schema and CEL rules) would make on apply, made
 * before anything is written.
 */
import type { CanaryService } from '../../api/canary.js';
import { parseDuration } from '../../api/common.js';

export type Filter = Record<string, unknown>;

/** Gateway API `PreciseHostname` (a lower-case DNS name, no wildcard, no port). */
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Gateway API `CORSOrigin`: `*`, or scheme://host[:port] with an optional leading `*.` label. */
const CORS_ORIGIN = /^(\*|https?:\/\/((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:[0-9]{1,5})?)$/;
/** Gateway API `HTTPHeaderName` (an RFC 7230 token). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const CORS_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  '*',
]);
const MAX_CORS_ENTRIES = 64;

export const GATEWAY_SERVICE_REF = { group: '', kind: 'Service' } as const;

function headerModifiers(service: CanaryService): Filter[] {
  const out: Filter[] = [];
  const toList = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {}).map(([name, value]) => ({ name, value }));
  for (const [side, type] of [
    ['request', 'RequestHeaderModifier'],
    ['response', 'ResponseHeaderModifier'],
  ] as const) {
    const ops = service.headers?.[side];
    if (!ops) continue;
    const modifier: Record<string, unknown> = {};
    if (ops.set) modifier.set = toList(ops.set);
    if (ops.add) modifier.add = toList(ops.add);
    if (ops.remove) modifier.remove = [...ops.remove];
    const key = side === 'request' ? 'requestHeaderModifier' : 'responseHeaderModifier';
    out.push({ type, [key]: modifier });
  }
  return out;
}

export type PathRewrite = 'ReplaceFullPath' | 'ReplacePrefixMatch';

/** How `rewrite.uri` rewrites the path (Flagger's default: the matched prefix), or none. */
export function pathRewriteOf(service: CanaryService): PathRewrite | undefined {
  const rewrite = service.rewrite;
  if (rewrite?.uri === undefined) return undefined;
  if (rewrite.type === undefined || rewrite.type === 'ReplacePrefixMatch') return 'ReplacePrefixMatch';
  if (rewrite.type === 'ReplaceFullPath') return 'ReplaceFullPath';
  throw new Error(
    `spec.service.rewrite.type: expected ReplaceFullPath or ReplacePrefixMatch, got "${rewrite.type}"`,
  );
}

function urlRewrite(service: CanaryService): Filter[] {
  const rewrite = service.rewrite;
  if (!rewrite) return [];
  if (rewrite.uriRegexRewrite !== undefined)
    throw new Error(
      'spec.service.rewrite.uriRegexRewrite: Gateway API rewrites a full path or a matched prefix, not by regex',
    );
  const out: Record<string, unknown> = {};
  if (rewrite.authority !== undefined) {
    if (!PRECISE_HOSTNAME.test(rewrite.authority))
      throw new Error(
        `spec.service.rewrite.authority: Gateway API rewrites to a lower-case DNS name without port, got "${rewrite.authority}"`,
      );
    out.hostname = rewrite.authority;
  }
  const type = pathRewriteOf(service);
  if (type !== undefined && rewrite.uri !== undefined) {
    if (!rewrite.uri.startsWith('/'))
      throw new Error(`spec.service.rewrite.uri: a Gateway API path starts with /, got "${rewrite.uri}"`);
    out.path =
      type === 'ReplaceFullPath'
        ? { type, replaceFullPath: rewrite.uri }
        : { type, replacePrefixMatch: rewrite.uri };
  }
  return Object.keys(out).length > 0 ? [{ type: 'URLRewrite', urlRewrite: out }] : [];
}

function checkedList(
  values: string[],
  field: string,
  valid: (value: string) => boolean,
  what: string,
): string[] {
  if (values.length > MAX_CORS_ENTRIES)
    throw new Error(`${field}: Gateway API allows at most ${MAX_CORS_ENTRIES} entries, got ${values.length}`);
  values.forEach((value, index) => {
    if (!valid(value)) throw new Error(`${field}[${index}]: expected ${what}, got "${value}"`);
  });
  if (values.includes('*') && values.length > 1)
    throw new Error(`${field}: Gateway API takes "*" only as the single entry`);
  return [...values];
}

function corsOrigins(cors: NonNullable<CanaryService['corsPolicy']>): string[] {
  const field = 'spec.service.corsPolicy';
  const exact = (cors.allowOrigins ?? []).map((match, index) => {
    if (match.exact !== undefined) return match.exact;
    throw new Error(
      `${field}.allowOrigins[${index}]: Gateway API matches origins exactly (or by a leading *.), not by prefix or regex`,
    );
  });
  const origins = [...(cors.allowOrigin ?? []), ...exact];
  return checkedList(
    origins,
    `${field}.allowOrigins`,
    (o) => CORS_ORIGIN.test(o),
    'an origin such as https://app.example.com',
  );
}

function corsMaxAge(maxAge: string): number {
  const ms = parseDuration(maxAge);
  if (ms < 1000 || ms % 1000 !== 0)
    throw new Error(
      `spec.service.corsPolicy.maxAge: Gateway API takes whole seconds (1s or more), got "${maxAge}"`,
    );
  return ms / 1000;
}

/** Istio's CorsPolicy as the standard channel's `CORS` filter. */
function corsFilter(service: CanaryService): Filter[] {
  const cors = service.corsPolicy;
  if (!cors) return [];
  const field = 'spec.service.corsPolicy';
  if (cors.unmatchedPreflights !== undefined)
    throw new Error(`${field}.unmatchedPreflights: Gateway API's CORS filter has no such setting`);
  const out: Record<string, unknown> = {};
  const origins = corsOrigins(cors);
  if (origins.length > 0) out.allowOrigins = origins;
  if (cors.allowMethods)
    out.allowMethods = checkedList(
      cors.allowMethods,
      `${field}.allowMethods`,
      (m) => CORS_METHODS.has(m),
      'an upper-case HTTP method or *',
    );
  const headers = (name: 'allowHeaders' | 'exposeHeaders') => {
    const values = cors[name];
    if (values)
      out[name] = checkedList(
        values,
        `${field}.${name}`,
        (h) => h === '*' || HEADER_NAME.test(h),
        'a header name',
      );
  };
  headers('allowHeaders');
  headers('exposeHeaders');
  if (cors.maxAge !== undefined) out.maxAge = corsMaxAge(cors.maxAge);
  if (cors.allowCredentials !== undefined) out.allowCredentials = cors.allowCredentials;
  return [{ type: 'CORS', cors: out }];
}

const MIRROR_KEYS = new Set(['backendRef', 'percent', 'fraction']);

/** Flagger's `service.mirror`: Gateway API `RequestMirror` filters, as given. */
function serviceMirrors(service: CanaryService): Filter[] {
  return (service.mirror ?? []).map((mirror, index) => {
    const field = `spec.service.mirror[${index}]`;
    for (const key of Object.keys(mirror)) {
      if (!MIRROR_KEYS.has(key))
        throw new Error(`${field}.${key}: not a field of Gateway API's RequestMirror filter`);
    }
    if (mirror.backendRef === undefined) throw new Error(`${field}.backendRef: required`);
    if (mirror.percent !== undefined && mirror.fraction !== undefined)
      throw new Error(`${field}: give percent or fraction, not both`);
    return { type: 'RequestMirror', requestMirror: structuredClone(mirror) };
  });
}

/** Mirrors the canary Service, at `mirrorWeight` percent of requests when one is set (as Istio's mirrorPercentage). */
export function canaryMirror(canaryService: string, port: number, mirrorWeight: number | undefined): Filter {
  return {
    type: 'RequestMirror',
    requestMirror: {
      backendRef: { ...GATEWAY_SERVICE_REF, name: canaryService, port },
      ...(mirrorWeight !== undefined && mirrorWeight > 0 ? { percent: mirrorWeight } : {}),
    },
  };
}

/** The filters every rule of a Canary's HTTPRoute carries. */
export function serviceFilters(service: CanaryService): Filter[] {
  return [
    ...headerModifiers(service),
    ...urlRewrite(service),
    ...corsFilter(service),
    ...serviceMirrors(service),
  ];
}
