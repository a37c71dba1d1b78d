import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { Headers } from '../../routing/istio/types.js';
import type { CompiledRoute } from './config.js';
import type { Exchange } from './exchange.js';
import { classifyUpstreamError, flagForFailure, type AttemptFailure } from './flags.js';
import {
  applyHeaderOperations,
  downstreamResponseHeaderList,
  downstreamResponseHeaders,
  type HeaderMap,
} from './headers.js';
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
          ex.cancel();
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

/**
 * The response headers for the client: the upstream's without hop-by-hop headers, then the
 * route's and destination's mutations and the CORS headers, when there are any.
 */
function buildResponseHeaders(
  upstream: IncomingHttpHeaders,
  route: CompiledRoute,
  request: ForwardRequest,
): string[] | OutgoingHttpHeaders {
  const responseOps = request.destinationHeaders?.response ?? route.headers?.response;
  // The common case, a route without response mutations: one pass over the list, no object.
  if (responseOps === undefined && request.responseHeaders === undefined)
    return downstreamResponseHeaderList(upstream);
  const headers = downstreamResponseHeaders(upstream);
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

/**
 * One upstream attempt, as an undici dispatch handler that writes the response straight into
 * the client response (or discards it, when it is to be retried). `done` resolves when the
 * attempt is over: with undefined once the whole response was passed on, or with the error that
 * ended it. Plain callbacks instead of `pool.stream`: no async resource, AbortSignal, Writable
 * factory or end-of-stream listeners per request.
 */
class Attempt implements Dispatcher.DispatchHandler {
  /** The upstream's status, once its response head arrived (0 before). */
  status = 0;
  /** The response is being discarded for a retry. */
  retry = false;
  /** The per-try timeout ended the attempt. */
  timedOut = false;
  readonly done: Promise<Error | undefined>;
  private settle: (error: Error | undefined) => void = () => undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private stopped = false;
  private readonly onDrain = () => {
    this.controller?.resume();
  };

  constructor(
    private readonly ex: Exchange,
    private readonly route: CompiledRoute,
    private readonly request: ForwardRequest,
    private readonly attempt: number,
    private readonly mayRetry: boolean,
    /** Runs when the response head arrives (it ends the per-try timeout). */
    private readonly onResponseHead: () => void,
  ) {
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** Aborts the attempt; one still waiting for a connection is aborted as soon as it gets one. */
  stop(): void {
    this.stopped = true;
    this.controller?.abort(new Error('attempt aborted'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopped) controller.abort(new Error('attempt aborted'));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // 1xx informational answers are not passed on.
    if (statusCode < 200) return;
    this.onResponseHead();
    this.status = statusCode;
    if (retriableStatus(this.route.retry, statusCode)) {
      if (this.mayRetry) {
        this.retry = true;
        return;
      }
      // A retriable answer after retries ran out is passed through, flagged as Envoy does.
      if (this.attempt > 1) this.ex.flags.add('URX');
    }
    this.ex.res.writeHead(statusCode, buildResponseHeaders(headers, this.route, this.request));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.retry) return;
    const { res } = this.ex;
    if (res.write(chunk)) return;
    // Backpressure from the client: the upstream is paused until the response drains.
    controller.pause();
    res.once('drain', this.onDrain);
  }

  onResponseEnd(): void {
    if (!this.retry) this.ex.res.end();
    this.settle(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  /** Ends the attempt with `error` (a later end or error changes nothing). */
  fail(error: Error): void {
    this.settle(error);
  }
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
  let tryTimer: NodeJS.Timeout | undefined;
  const handler = new Attempt(ex, route, request, attempt, mayRetry, () => {
    if (tryTimer !== undefined) clearTimeout(tryTimer);
  });
  if (perTry !== undefined) {
    tryTimer = setTimeout(() => {
      handler.timedOut = true;
      handler.stop();
    }, perTry);
  }
  // undici destroys the body it was given when the attempt fails: it gets a view of the
  // request body that reads it only once the upstream takes it, so a refused attempt leaves the
  // body whole for the next.
  const body = request.body === null ? null : attemptBody(request.body);
  body?.on('error', (error) => {
    handler.fail(error);
  });
  ex.whileCancellable(() => {
    handler.stop();
  });
  target.pool.dispatch(
    {
      method: request.method,
      path: request.path,
      headers: request.headers,
      body,
    },
    handler,
  );
  const error = await handler.done;
  ex.whileCancellable(undefined);
  if (tryTimer !== undefined) clearTimeout(tryTimer);
  const status = handler.status;
  if (error === undefined) {
    recordDestination(telemetry, ex, target, status, '-', startedAt);
    return handler.retry ? { kind: 'retry-status', status } : { kind: 'responded' };
  }
  if (status !== 0) {
    // The upstream answered, then the exchange broke mid-body: nothing left to retry.
    recordDestination(telemetry, ex, target, status, ex.clientGone ? 'DC' : 'UC', startedAt);
    if (!ex.clientGone && !handler.retry) ex.cut();
    return handler.retry && !ex.clientGone ? { kind: 'retry-status', status } : { kind: 'responded' };
  }
  if (handler.timedOut && !ex.routeTimedOut) return { kind: 'failed', failure: 'per-try-timeout' };
  return { kind: 'failed', failure: classifyUpstreamError(error) };
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
