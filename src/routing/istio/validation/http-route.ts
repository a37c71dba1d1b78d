/**
 * Istio's validation of one VirtualService `http` rule (pilot's validateHTTPRoute and the checks
 * it calls), on a spec that already passed the schema.
 */
import type {
  CorsPolicy,
  Destination,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRedirect,
  HTTPRetry,
  HTTPRewrite,
  HTTPRoute,
  Headers,
  Percent,
  StringMatch,
} from '../types.js';
import { parseDuration } from '../../../api/common.js';
import { re2Error } from '../../re2.js';
import type { IssueList, Path } from './issues.js';
import {
  corsHeaderNameError,
  gatewayNameIssues,
  headerOperationError,
  headerValueError,
  isAuthorityHeader,
  isDns1123Label,
  labelsError,
  matchHeaderNameError,
  requestSetHeaderError,
  stringMatchError,
  wildcardDomainError,
} from './names.js';

const CORS_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  '*',
]);

const GRPC_STATUSES = new Set([
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
]);

/** Envoy's `x-envoy-retry-on` and `x-envoy-retry-grpc-on` conditions. */
const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** The status codes Go's net/http has a text for (Istio accepts those in `retryOn`). */
const KNOWN_HTTP_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307,
  308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421,
  422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

const MB = 1024 * 1024;

/** Istio's fractional percentage: 0, or from 0.0001 to 100. */
export function percentageError(p: Percent | undefined): string | undefined {
  const v = p?.value;
  if (v === undefined) return undefined;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001))
    return `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`;
  return undefined;
}

export const httpStatusError = (status: number): string | undefined =>
  status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;

export function destinationIssues(list: IssueList, d: Destination | undefined, path: Path): void {
  if (d === undefined) return;
  if (d.host === '*') list.error([...path, 'host'], 'invalid destination host *');
  else list.check([...path, 'host'], wildcardDomainError(d.host));
  if (d.subset !== undefined) {
    if (d.subset === '') list.error([...path, 'subset'], 'subset name cannot be empty');
    else if (!isDns1123Label(d.subset))
      list.error([...path, 'subset'], `subset name is invalid: ${d.subset}`);
  }
}

export function headerOperationIssues(list: IssueList, headers: Headers | undefined, path: Path): void {
  for (const side of ['request', 'response'] as const) {
    const ops = headers?.[side];
    if (ops === undefined) continue;
    const at: Path = [...path, side];
    for (const op of ['add', 'set'] as const) {
      for (const [name, value] of Object.entries(ops[op] ?? {})) {
        const p: Path = [...at, op, name];
        list.check(p, side === 'request' ? requestSetHeaderError(name) : headerOperationError(name));
        list.check(p, headerValueError(value));
      }
    }
    (ops.remove ?? []).forEach((name, i) => {
      list.check([...at, 'remove', i], headerOperationError(name));
    });
  }
}

function stringMatchIssues(
  list: IssueList,
  match: StringMatch | undefined,
  path: Path,
  where: string,
  emptyPrefixOk = false,
): void {
  const found = stringMatchError(match, where, emptyPrefixOk);
  if (found !== undefined)
    list.error(found.regex ? [...path, 'regex'] : path, found.message, found.regex ? 'SRN1130' : undefined);
}

function matchIssues(list: IssueList, match: HTTPMatchRequest, path: Path): void {
  for (const field of ['headers', 'withoutHeaders'] as const) {
    for (const [name, sm] of Object.entries(match[field] ?? {})) {
      list.check([...path, field, name], matchHeaderNameError(name));
      // `regex: "*"` in withoutHeaders is not a regex: it means "the header is absent".
      if (field === 'withoutHeaders' && sm.regex === '*') continue;
      stringMatchIssues(list, sm, [...path, field, name], field);
    }
  }
  stringMatchIssues(list, match.uri, [...path, 'uri'], 'uri', true);
  for (const field of ['scheme', 'method', 'authority'] as const)
    stringMatchIssues(list, match[field], [...path, field], field);
  for (const [name, sm] of Object.entries(match.queryParams ?? {}))
    stringMatchIssues(list, sm, [...path, 'queryParams', name], 'queryParams');
  list.check([...path, 'sourceLabels'], labelsError(match.sourceLabels));
  (match.gateways ?? []).forEach((g, i) => {
    const found = gatewayNameIssues(g);
    list.check([...path, 'gateways', i], found.error);
    if (found.warning !== undefined) list.warn([...path, 'gateways', i], found.warning);
  });
  if (
    match.sourceNamespace !== undefined &&
    match.sourceNamespace !== '' &&
    !isDns1123Label(match.sourceNamespace)
  )
    list.error([...path, 'sourceNamespace'], `sourceNamespace match ${match.sourceNamespace} is invalid`);
}

/** A rule with `delegate` (in a root VirtualService) hands the request on: nothing else may act. */
function delegateConflicts(list: IssueList, r: HTTPRoute, path: Path): void {
  if (r.redirect !== undefined) list.error(path, 'a rule with delegate must not specify redirect', 'SRN1173');
  if (r.route !== undefined) list.error(path, 'a rule with delegate must not specify route', 'SRN1173');
}

/** redirect and directResponse answer the request themselves: no route, fault or rewrite beside them. */
function terminalConflicts(list: IssueList, r: HTTPRoute, path: Path): void {
  const action = r.redirect !== undefined ? 'redirect' : 'directResponse';
  const others = [
    (r.route?.length ?? 0) > 0 ? 'route' : undefined,
    r.fault !== undefined ? 'fault' : undefined,
    r.rewrite !== undefined ? 'rewrite' : undefined,
    r.redirect !== undefined && r.directResponse !== undefined ? 'directResponse' : undefined,
  ].filter((x) => x !== undefined);
  for (const other of others)
    list.error(path, `a rule cannot contain both ${action} and ${other}`, 'SRN1173');
}

function conflictIssues(list: IssueList, r: HTTPRoute, path: Path, inDelegate: boolean): void {
  if (r.delegate !== undefined && !inDelegate) {
    delegateConflicts(list, r, path);
    return;
  }
  if (inDelegate && r.delegate !== undefined)
    list.error([...path, 'delegate'], 'a delegate VirtualService cannot delegate again');
  if (r.redirect !== undefined || r.directResponse !== undefined) terminalConflicts(list, r, path);
  else if ((r.route?.length ?? 0) === 0 && r.delegate === undefined)
    list.error(path, 'a rule needs route, redirect, directResponse or delegate', 'SRN1172');
  if (r.mirror !== undefined && (r.mirrors?.length ?? 0) > 0)
    list.error([...path, 'mirrors'], 'a rule cannot set both mirror and mirrors', 'SRN1170');
}

function corsIssues(list: IssueList, cors: CorsPolicy | undefined, path: Path): void {
  if (cors === undefined) return;
  (cors.allowOrigins ?? []).forEach((o, i) => {
    const value = o.exact ?? o.prefix ?? o.regex;
    if (value === undefined || value === '')
      list.error([...path, 'allowOrigins', i], 'an allowed origin needs a non-empty exact, prefix or regex');
    else if (o.regex !== undefined) {
      const why = re2Error(o.regex);
      if (why !== undefined)
        list.error(
          [...path, 'allowOrigins', i, 'regex'],
          `regex ${JSON.stringify(o.regex)}: ${why}`,
          'SRN1130',
        );
    }
  });
  (cors.allowMethods ?? []).forEach((m, i) => {
    if (!CORS_METHODS.has(m))
      list.error([...path, 'allowMethods', i], `${JSON.stringify(m)} is not a supported HTTP method`);
  });
  for (const field of ['allowHeaders', 'exposeHeaders'] as const)
    (cors[field] ?? []).forEach((h, i) => {
      list.check([...path, field, i], corsHeaderNameError(h));
    });
  if (cors.maxAge !== undefined && parseDuration(cors.maxAge) % 1000 !== 0)
    list.error([...path, 'maxAge'], `maxAge is accurate only to seconds: ${cors.maxAge}`);
}

function faultIssues(list: IssueList, fault: HTTPFaultInjection | undefined, path: Path): void {
  if (fault === undefined) return;
  if (fault.abort === undefined && fault.delay === undefined)
    list.error(path, 'fault injection needs an abort and/or a delay');
  const { abort, delay } = fault;
  if (abort !== undefined) {
    list.check([...path, 'abort', 'percentage', 'value'], percentageError(abort.percentage), 'SRN1171');
    if (abort.httpStatus !== undefined)
      list.check([...path, 'abort', 'httpStatus'], httpStatusError(abort.httpStatus));
    else if (abort.grpcStatus !== undefined) {
      if (!GRPC_STATUSES.has(abort.grpcStatus))
        list.error(
          [...path, 'abort', 'grpcStatus'],
          `gRPC status ${JSON.stringify(abort.grpcStatus)} is not supported (e.g. NOT_FOUND)`,
        );
    } else if (abort.http2Error !== undefined)
      list.error(
        [...path, 'abort', 'http2Error'],
        'HTTP/2 abort fault injection is not supported by Istio yet',
      );
    else list.warn([...path, 'abort'], 'abort configured, but error type not set');
  }
  if (delay !== undefined) {
    list.check([...path, 'delay', 'percentage', 'value'], percentageError(delay.percentage), 'SRN1171');
    if (delay.exponentialDelay !== undefined)
      list.error([...path, 'delay', 'exponentialDelay'], 'exponentialDelay is not supported by Istio yet');
  }
}

function redirectIssues(
  list: IssueList,
  redirect: HTTPRedirect | undefined,
  matches: HTTPMatchRequest[],
  path: Path,
): void {
  if (redirect === undefined) return;
  const { uri, prefixRewrite, authority, port, derivePort, scheme, redirectCode } = redirect;
  if (uri && prefixRewrite) list.error(path, 'redirect may only specify one of uri or prefixRewrite');
  if (prefixRewrite && matches.some((m) => m.uri !== undefined && m.uri.prefix === undefined))
    list.error(
      [...path, 'prefixRewrite'],
      'redirect prefixRewrite requires every uri match to be a prefix match',
    );
  if (!uri && !prefixRewrite && !authority && port === undefined && derivePort === undefined && !scheme)
    list.error(path, 'redirect must specify uri, authority, scheme or port');
  if (redirectCode !== undefined && redirectCode !== 0 && (redirectCode < 300 || redirectCode > 399))
    list.error([...path, 'redirectCode'], `${redirectCode} is not a valid redirect code, must be 3xx`);
  if (scheme && scheme !== 'http' && scheme !== 'https')
    list.error([...path, 'scheme'], 'invalid redirect scheme, must be "http" or "https"');
}

export function retryIssues(list: IssueList, retries: HTTPRetry | undefined, path: Path): void {
  if (retries === undefined) return;
  const attempts = retries.attempts ?? 0;
  if (
    attempts === 0 &&
    (retries.perTryTimeout !== undefined ||
      (retries.retryOn ?? '') !== '' ||
      retries.retryRemoteLocalities !== undefined)
  )
    list.error(path, 'retry policy configured while attempts is 0 (retries disabled)');
  if ((retries.retryOn ?? '') === '') return;
  // Istio splits on commas without trimming: "5xx, reset" is refused for " reset".
  for (const policy of (retries.retryOn ?? '').split(',')) {
    const status = /^\d+$/.test(policy) ? Number(policy) : NaN;
    if (!KNOWN_HTTP_STATUS.has(status) && !RETRY_ON.has(policy))
      list.error([...path, 'retryOn'], `${JSON.stringify(policy)} is not a valid retryOn policy`);
  }
}

function rewriteIssues(
  list: IssueList,
  rewrite: HTTPRewrite | undefined,
  headers: Headers | undefined,
  path: Path,
): void {
  if (rewrite !== undefined) {
    if (rewrite.uri && rewrite.uriRegexRewrite !== undefined)
      list.error(path, 'rewrite may only contain one of uri or uriRegexRewrite');
    if (!rewrite.uri && rewrite.uriRegexRewrite === undefined && !rewrite.authority)
      list.error(path, 'rewrite must specify at least one of uri, uriRegexRewrite or authority');
    const rr = rewrite.uriRegexRewrite;
    if (rr !== undefined) {
      if (rr.match === '' || rr.rewrite === '')
        list.error([...path, 'uriRegexRewrite'], 'uriRegexRewrite requires both match and rewrite');
      else {
        const why = re2Error(rr.match);
        if (why !== undefined)
          list.error(
            [...path, 'uriRegexRewrite', 'match'],
            `regex ${JSON.stringify(rr.match)}: ${why}`,
            'SRN1130',
          );
      }
    }
  }
  // The authority may be rewritten in one place only.
  let authority = rewrite?.authority ?? '';
  for (const op of ['set', 'add'] as const) {
    for (const [name, value] of Object.entries(headers?.request?.[op] ?? {})) {
      if (!isAuthorityHeader(name)) continue;
      if (authority !== '')
        list.error(
          [...path.slice(0, -1), 'headers', 'request', op, name],
          `authority header cannot be set multiple times: have ${JSON.stringify(authority)}, attempting to set ${JSON.stringify(value)}`,
        );
      authority = value;
    }
  }
}

export function routeDestinationIssues(
  list: IssueList,
  dests: readonly { destination: Destination; weight?: number | undefined; headers?: Headers | undefined }[],
  path: Path,
): void {
  let total = 0;
  dests.forEach((d, k) => {
    headerOperationIssues(list, d.headers, [...path, k, 'headers']);
    destinationIssues(list, d.destination, [...path, k, 'destination']);
    const w = d.weight ?? 0;
    if (!Number.isInteger(w))
      list.error([...path, k, 'weight'], `weight ${w} is not a whole number`, 'SRN1111');
    if (w < 0) list.error([...path, k, 'weight'], `weight ${w} is negative`, 'SRN1110');
    total += w;
  });
  if (dests.length > 1 && total === 0)
    list.error(path, 'every destination has weight 0 (Istio: "total destination weight = 0")', 'SRN1112');
}

function mirrorIssues(list: IssueList, r: HTTPRoute, path: Path): void {
  if (r.mirrorPercent !== undefined) {
    if (r.mirrorPercent > 100)
      list.error([...path, 'mirrorPercent'], `mirrorPercent ${r.mirrorPercent} is above 100`, 'SRN1170');
    list.warn([...path, 'mirrorPercent'], 'mirrorPercent is deprecated, use mirrorPercentage');
  }
  const mp = r.mirrorPercentage?.value;
  if (mp !== undefined && (mp < 0 || mp > 100))
    list.error([...path, 'mirrorPercentage', 'value'], `mirrorPercentage ${mp} is outside 0–100`, 'SRN1170');
  destinationIssues(list, r.mirror, [...path, 'mirror']);
  (r.mirrors ?? []).forEach((m, i) => {
    destinationIssues(list, m.destination, [...path, 'mirrors', i, 'destination']);
    const v = m.percentage?.value;
    if (v !== undefined && (v < 0 || v > 100))
      list.error(
        [...path, 'mirrors', i, 'percentage', 'value'],
        `mirror percentage ${v} is outside 0–100`,
        'SRN1170',
      );
  });
}

/** Every check Istio makes on one http rule; `inDelegate` when the VirtualService has no hosts. */
export function httpRouteIssues(list: IssueList, r: HTTPRoute, path: Path, inDelegate: boolean): void {
  conflictIssues(list, r, path, inDelegate);
  (r.match ?? []).forEach((m, j) => {
    matchIssues(list, m, [...path, 'match', j]);
  });
  headerOperationIssues(list, r.headers, [...path, 'headers']);
  corsIssues(list, r.corsPolicy, [...path, 'corsPolicy']);
  faultIssues(list, r.fault, [...path, 'fault']);
  mirrorIssues(list, r, path);
  redirectIssues(list, r.redirect, r.match ?? [], [...path, 'redirect']);
  if (r.directResponse !== undefined) {
    const body = r.directResponse.body?.string ?? r.directResponse.body?.bytes ?? '';
    if (body.length > MB)
      list.error([...path, 'directResponse', 'body'], 'directResponse body must be less than 1MB');
    else if (body.length > 100 * 1024)
      list.warn(
        [...path, 'directResponse', 'body'],
        'a large directResponse body may slow the control plane',
      );
    list.check([...path, 'directResponse', 'status'], httpStatusError(r.directResponse.status));
  }
  retryIssues(list, r.retries, [...path, 'retries']);
  rewriteIssues(list, r.rewrite, r.headers, [...path, 'rewrite']);
  routeDestinationIssues(list, r.route ?? [], [...path, 'route']);
}
