import { parseDuration } from '../../api/common.js';
import { compileRe2, type Re2Pattern } from '../../routing/re2.js';
import type { PlannedFault } from '../../routing/plan/index.js';
import type { CorsPolicy, HTTPRedirect, HTTPRewrite, StringMatch } from '../../routing/istio/types.js';

/** Fault injection of one route: percentages are in [0, 100]; unset percentage means never. */
export interface FaultPolicy {
  delayMs: number;
  delayPercent: number;
  abortStatus: number | undefined;
  abortPercent: number;
}

function durationAt(value: string, path: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The data plane's view of a planned fault (percentages and statuses were checked by the plan). */
export function faultPolicy(fault: PlannedFault): FaultPolicy {
  const abort = fault.abort;
  return {
    delayMs: fault.delay?.ms ?? 0,
    delayPercent: fault.delay?.percent ?? 0,
    // gRPC aborts answer HTTP 200 with grpc-status in Envoy; local mode has no gRPC, so use 503.
    abortStatus: abort === undefined ? undefined : (abort.httpStatus ?? 503),
    abortPercent: abort?.percent ?? 0,
  };
}

export { chance } from '../../routing/plan/index.js';

export interface CompiledCors {
  allowsOrigin(origin: string): boolean;
  allowMethods: string | undefined;
  allowHeaders: string | undefined;
  exposeHeaders: string | undefined;
  maxAgeSeconds: string | undefined;
  allowCredentials: boolean;
}

function compileOriginMatch(m: StringMatch, path: string): (origin: string) => boolean {
  if (m.exact !== undefined) {
    const exact = m.exact;
    return (o) => exact === '*' || o === exact;
  }
  if (m.prefix !== undefined) {
    const prefix = m.prefix;
    return (o) => o.startsWith(prefix);
  }
  if (m.regex !== undefined) {
    let re: Re2Pattern;
    try {
      re = compileRe2(m.regex);
    } catch (error) {
      throw new Error(`${path}.regex: ${(error as Error).message}`, { cause: error });
    }
    return (o) => re.test(o);
  }
  throw new Error(`${path}: expected one of exact, prefix or regex`);
}

export function compileCors(cors: CorsPolicy | undefined, path: string): CompiledCors | undefined {
  if (cors === undefined) return undefined;
  const legacy = (cors as { allowOrigin?: string[] }).allowOrigin ?? [];
  const tests = [
    ...(cors.allowOrigins ?? []).map((m, i) => compileOriginMatch(m, `${path}.allowOrigins[${i}]`)),
    ...legacy.map((o) => (origin: string) => o === '*' || origin === o),
  ];
  const join = (list: string[] | undefined) => (list && list.length > 0 ? list.join(',') : undefined);
  return {
    allowsOrigin: (origin) => tests.some((t) => t(origin)),
    allowMethods: join(cors.allowMethods),
    allowHeaders: join(cors.allowHeaders),
    exposeHeaders: join(cors.exposeHeaders),
    maxAgeSeconds:
      cors.maxAge === undefined
        ? undefined
        : String(Math.floor(durationAt(cors.maxAge, `${path}.maxAge`) / 1000)),
    allowCredentials: cors.allowCredentials === true,
  };
}

export interface CompiledRewrite {
  /** New path for `path` (query preserved); `prefix` is the matched uri prefix, if any. */
  path(pathWithQuery: string, matchedPrefix: string | undefined): string;
  authority: string | undefined;
}

export function compileRewrite(rewrite: HTTPRewrite | undefined, path: string): CompiledRewrite | undefined {
  if (rewrite === undefined) return undefined;
  const uri = rewrite.uri;
  const regexRewrite = rewrite.uriRegexRewrite;
  let regex: Re2Pattern | undefined;
  if (regexRewrite !== undefined) {
    try {
      regex = compileRe2(regexRewrite.match);
    } catch (error) {
      throw new Error(`${path}.uriRegexRewrite.match: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    authority: rewrite.authority,
    path(pathWithQuery, matchedPrefix) {
      const q = pathWithQuery.indexOf('?');
      const pathOnly = q < 0 ? pathWithQuery : pathWithQuery.slice(0, q);
      const query = q < 0 ? '' : pathWithQuery.slice(q);
      if (regex !== undefined && regexRewrite !== undefined) {
        return regex.replaceAll(pathOnly, regexRewrite.rewrite) + query;
      }
      if (uri === undefined) return pathWithQuery;
      if (matchedPrefix !== undefined && pathOnly.startsWith(matchedPrefix)) {
        return uri + pathOnly.slice(matchedPrefix.length) + query;
      }
      return uri + query;
    },
  };
}

export interface RedirectTarget {
  status: number;
  location: string;
}

/** Builds the Location of an Istio `redirect` for a request (scheme/authority/port/uri replaced). */
export function redirectLocation(
  redirect: HTTPRedirect,
  request: { scheme: string; authority: string; path: string },
): RedirectTarget {
  const scheme = redirect.scheme ?? request.scheme;
  let authority = redirect.authority ?? request.authority;
  if (redirect.port !== undefined) authority = `${authority.replace(/:\d+$/, '')}:${redirect.port}`;
  const q = request.path.indexOf('?');
  const query = q < 0 ? '' : request.path.slice(q);
  const path =
    redirect.uri === undefined
      ? request.path
      : redirect.uri.includes('?')
        ? redirect.uri
        : redirect.uri + query;
  return { status: redirect.redirectCode ?? 301, location: `${scheme}://${authority}${path}` };
}
