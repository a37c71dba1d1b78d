import type { OutgoingHttpHeaders } from 'node:http';
import { Writable, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Headers } from '../../routing/istio/types.js';
import type { CompiledRoute } from './config.js';
import type { Exchange } from './exchange.js';
import { classifyUpstreamError, flagForFailure, type AttemptFailure } from './flags.js';
import { applyHeaderOperations, downstreamResponseHeaders, type HeaderMap } from './headers.js';
import { attemptBody } from './attempt-body.js';
import { backoffMs, retriableFailure, retriableStatus } from './retry.js';
import type { Cluster, EndpointTarget } from './services.js';
import type { RouterTelemetry } from './telemetry.js';

export interface ForwardRequest {
  method: string;
  path: string;
  headers: HeaderMap;
  /** The request body stream, or null when the request has none (then it can be replayed). */
  body: Readable | null;
  /** Extra response headers to add (CORS). */
  responseHeaders: OutgoingHttpHeaders | undefined;
  destinationHeaders: Headers | undefined;
}

type AttemptOutcome =
  | { kind: 'responded' }
  | { kind: 'retry-status'; status: number }
  | { kind: 'failed'; failure: AttemptFailure };

const discard = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

/**
 * Sends a request upstream with the route's retry policy and timeout, streaming the response
 * straight into the client response. Retries stay inside the chosen cluster (as in Envoy) and
 * happen only while nothing has been sent to the client and the request body can be replayed.
 */
export async function forward(
  ex: Exchange,
  route: CompiledRoute,
  cluster: Cluster,
  request: ForwardRequest,
  deps: { telemetry: RouterTelemetry; random: () => number; defaultTimeoutMs: number },
): Promise<void> {
  const timeoutMs = route.timeoutMs ?? (deps.defaultTimeoutMs > 0 ? deps.defaultTimeoutMs : undefined);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          ex.routeTimedOut = true;
          ex.abort.abort();
        }, timeoutMs);
  try {
    await attemptsLoop(ex, route, cluster, request, deps);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

async function attemptsLoop(
  ex: Exchange,
  route: CompiledRoute,
  cluster: Cluster,
  request: ForwardRequest,
  deps: { telemetry: RouterTelemetry; random: () => number },
): Promise<void> {
  const policy = route.retry;
  const tried = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const target = pickHost(cluster, request.headers, policy.ignorePreviousHosts ? tried : undefined);
    if (target === undefined) {
      ex.reply(503, 'no healthy upstream', ['UH']);
      return;
    }
    tried.add(target.key);
    ex.target = target;
    const retriesLeft = policy.retries - (attempt - 1);
    request.headers['x-envoy-attempt-count'] = String(attempt);
    const outcome = await attemptOnce(
      ex,
      route,
      target,
      request,
      // An answer can only be discarded for a retry when the request can be sent again.
      { attempt, mayRetry: retriesLeft > 0 && request.body === null },
      deps.telemetry,
    );
    if (outcome.kind === 'responded' || ex.clientGone) return;
    if (ex.routeTimedOut) {
      ex.reply(504, 'upstream request timeout', ['UT']);
      return;
    }
    if (outcome.kind === 'failed') ex.flags.add(flagForFailure(outcome.failure));
    const wantsRetry =
      outcome.kind === 'retry-status' ||
      (retriableFailure(policy, outcome.failure) && replayable(request.body, outcome.failure));
    if (wantsRetry && retriesLeft > 0) {
      await sleep(backoffMs(policy, attempt, deps.random), undefined, { ref: false }).catch(() => undefined);
      continue;
    }
    if (wantsRetry && attempt > 1) ex.flags.add('URX');
    if (outcome.kind === 'failed') replyForFailure(ex, outcome.failure);
    return;
  }
}

/**
 * Envoy's `previous_hosts` retry predicate with `host_selection_retry_max_attempts: 5`, as Istio
 * configures it: a retry picks again (up to five times) while the pick is a host already tried.
 */
function pickHost(
  cluster: Cluster,
  headers: ForwardRequest['headers'],
  tried: ReadonlySet<string> | undefined,
): EndpointTarget | undefined {
  let target = cluster.pick(headers);
  if (tried === undefined || cluster.consistentHash) return target;
  for (let i = 0; i < HOST_SELECTION_RETRY_MAX_ATTEMPTS && target !== undefined && tried.has(target.key); i++)
    target = cluster.pick(headers);
  return target;
}

const HOST_SELECTION_RETRY_MAX_ATTEMPTS = 5;

/**
 * Whether the request can be sent again. Without a body it always can. With one, only when none
 * of it was consumed: the connection failed before the request was sent, or the upstream reset it
 * with the request unread; a body already streamed upstream cannot be replayed.
 */
function replayable(body: Readable | null, failure: AttemptFailure): boolean {
  if (body === null) return true;
  return (failure === 'connect-failure' || failure === 'reset-before-request') && !body.readableDidRead;
}

function replyForFailure(ex: Exchange, failure: AttemptFailure): void {
  if (failure === 'per-try-timeout') {
    ex.reply(504, 'upstream request timeout');
    return;
  }
  const reason = failure === 'connect-failure' ? 'connection failure' : 'connection termination';
  ex.reply(503, `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`);
}

function buildResponseHeaders(
  upstream: HeaderMap,
  route: CompiledRoute,
  request: ForwardRequest,
): OutgoingHttpHeaders {
  const headers = downstreamResponseHeaders(upstream) as HeaderMap;
  // Envoy applies the more specific (destination) mutations first, so route-level ones win.
  applyHeaderOperations(headers, request.destinationHeaders?.response);
  applyHeaderOperations(headers, route.headers?.response);
  if (request.responseHeaders !== undefined) Object.assign(headers, request.responseHeaders);
  // node:http rejects undefined values, which mark removed headers here.
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

async function attemptOnce(
  ex: Exchange,
  route: CompiledRoute,
  target: EndpointTarget,
  request: ForwardRequest,
  { attempt, mayRetry }: { attempt: number; mayRetry: boolean },
  telemetry: RouterTelemetry,
): Promise<AttemptOutcome> {
  const startedAt = performance.now();
  const perTry = route.retry.perTryTimeoutMs;
  const tryAbort = perTry === undefined ? undefined : new AbortController();
  const tryTimer =
    tryAbort === undefined
      ? undefined
      : setTimeout(() => {
          tryAbort.abort();
        }, perTry);
  const signal =
    tryAbort === undefined ? ex.abort.signal : AbortSignal.any([ex.abort.signal, tryAbort.signal]);
  // Written from the response callback; an object keeps TypeScript from narrowing it to its initial value.
  const seen = { status: 0, retry: false };
  try {
    await target.pool.stream(
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        // undici destroys the body it was given when the attempt fails: it gets a view of the
        // request body that reads it only once the upstream takes it, so a refused attempt
        // leaves the body whole for the next.
        body: request.body === null ? null : attemptBody(request.body),
        signal,
      },
      ({ statusCode, headers }) => {
        if (tryTimer !== undefined) clearTimeout(tryTimer);
        seen.status = statusCode;
        if (retriableStatus(route.retry, statusCode)) {
          if (mayRetry) {
            seen.retry = true;
            return discard();
          }
          // A retriable answer after retries ran out is passed through, flagged as Envoy does.
          if (attempt > 1) ex.flags.add('URX');
        }
        ex.res.writeHead(statusCode, buildResponseHeaders(headers, route, request));
        return ex.res;
      },
    );
    recordDestination(telemetry, ex, target, seen.status, '-', startedAt);
    return seen.retry ? { kind: 'retry-status', status: seen.status } : { kind: 'responded' };
  } catch (error) {
    if (tryTimer !== undefined) clearTimeout(tryTimer);
    if (seen.status !== 0) {
      // The upstream answered, then the exchange broke mid-body: nothing left to retry.
      recordDestination(telemetry, ex, target, seen.status, ex.clientGone ? 'DC' : 'UC', startedAt);
      if (!ex.clientGone && !seen.retry) ex.cut();
      return seen.retry && !ex.clientGone
        ? { kind: 'retry-status', status: seen.status }
        : { kind: 'responded' };
    }
    if (tryAbort?.signal.aborted === true && !ex.routeTimedOut)
      return { kind: 'failed', failure: 'per-try-timeout' };
    return { kind: 'failed', failure: classifyUpstreamError(error) };
  }
}

function recordDestination(
  telemetry: RouterTelemetry,
  ex: Exchange,
  target: EndpointTarget,
  status: number,
  flags: string,
  startedAt: number,
): void {
  telemetry.record({
    reporter: 'destination',
    source: ex.source,
    destination: target.identity,
    responseCode: status,
    responseFlags: flags,
    durationMs: performance.now() - startedAt,
  });
}
