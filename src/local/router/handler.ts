import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { RequestAttributes } from '../../routing/plan/index.js';
import { SOURCE_HEADER, type Caller } from './caller.js';
import type { CompiledConfig, CompiledRoute, RouteTarget } from './config.js';
import { Exchange } from './exchange.js';
import { forward } from './forward.js';
import { applyHeaderOperations, headerValue, upstreamRequestHeaders } from './headers.js';
import { startMirrors } from './mirror.js';
import { chance, redirectLocation, type CompiledCors } from './policies.js';
import type { RouterTelemetry } from './telemetry.js';

export interface HandlerDeps {
  current(): CompiledConfig;
  telemetry: RouterTelemetry;
  random: () => number;
  defaultTimeoutMs: number;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** CORS response headers for an allowed origin, or undefined. */
function corsHeaders(
  cors: CompiledCors | undefined,
  origin: string | undefined,
): OutgoingHttpHeaders | undefined {
  if (cors === undefined || origin === undefined || !cors.allowsOrigin(origin)) return undefined;
  const headers: OutgoingHttpHeaders = { 'access-control-allow-origin': origin };
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders !== undefined) headers['access-control-expose-headers'] = cors.exposeHeaders;
  return headers;
}

function preflightHeaders(cors: CompiledCors, base: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...base };
  if (cors.allowMethods !== undefined) headers['access-control-allow-methods'] = cors.allowMethods;
  if (cors.allowHeaders !== undefined) headers['access-control-allow-headers'] = cors.allowHeaders;
  if (cors.maxAgeSeconds !== undefined) headers['access-control-max-age'] = cors.maxAgeSeconds;
  return headers;
}

/** Answers the request from the route itself (redirect, direct response, CORS preflight); true if done. */
function answerLocally(ex: Exchange, route: CompiledRoute, attrs: RequestAttributes): boolean {
  const rule = route.source;
  if (rule?.redirect !== undefined) {
    const { status, location } = redirectLocation(rule.redirect, attrs);
    ex.reply(status, '', [], { location });
    return true;
  }
  if (rule?.directResponse !== undefined) {
    const body = (rule.directResponse as { body?: { string?: string } }).body?.string ?? '';
    ex.reply(rule.directResponse.status, body);
    return true;
  }
  const cors = route.cors;
  if (
    cors !== undefined &&
    attrs.method === 'OPTIONS' &&
    attrs.headers['access-control-request-method'] !== undefined
  ) {
    const allowed = corsHeaders(cors, headerValue(ex.req.headers, 'origin'));
    if (allowed !== undefined) {
      ex.reply(200, '', [], preflightHeaders(cors, allowed));
      return true;
    }
  }
  return false;
}

/** Waits `ms`, or less when the exchange is cancelled meanwhile (the client went away). */
function cancellableDelay(ex: Exchange, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ex.whileCancellable(undefined);
      resolve();
    }, ms);
    ex.whileCancellable(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Applies the route's fault policy; true when the request was aborted by it. */
async function injectFaults(ex: Exchange, route: CompiledRoute, random: () => number): Promise<boolean> {
  const fault = route.fault;
  if (fault === undefined) return false;
  if (fault.delayMs > 0 && chance(fault.delayPercent, random)) {
    ex.flags.add('DI');
    await cancellableDelay(ex, fault.delayMs);
    if (ex.clientGone) return true;
  }
  if (fault.abortStatus !== undefined && chance(fault.abortPercent, random)) {
    ex.reply(fault.abortStatus, 'fault filter abort', ['FI']);
    return true;
  }
  return false;
}

function requestAttributes(req: IncomingMessage, gateway: string, caller: Caller): RequestAttributes {
  return {
    authority: req.headers.host ?? '',
    path: req.url ?? '/',
    method: req.method ?? 'GET',
    scheme: 'http',
    headers: req.headers,
    gateway,
    sourceNamespace: caller.namespace,
    sourceLabels: caller.labels,
  };
}

/** The node:http request listener: route, apply policies, forward, never throw. */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const ex = new Exchange(req, res, deps.current(), deps.telemetry);
    handle(ex, deps).catch((error: unknown) => {
      // A bug must cost one request, not the router.
      ex.reply(500, `internal router error: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
}

async function handle(ex: Exchange, deps: HandlerDeps): Promise<void> {
  const { req } = ex;
  const caller = ex.config.callers.resolve(headerValue(req.headers, SOURCE_HEADER));
  ex.source = caller.identity;
  const attrs = requestAttributes(req, ex.config.gateway, caller);
  if (attrs.authority === '') {
    ex.reply(400, 'missing Host header');
    return;
  }
  const decision = ex.config.decide(attrs);
  if (decision.kind === 'no-route') {
    ex.reply(404, '', ['NR']);
    return;
  }
  const { route } = decision;
  if (answerLocally(ex, route, attrs)) return;
  const target: RouteTarget | undefined = route.picker?.pick();
  ex.cluster = target?.cluster;
  if (await injectFaults(ex, route, deps.random)) return;
  if (target === undefined) {
    ex.reply(404, '', ['NR']);
    return;
  }
  const cluster = target.cluster;
  if (cluster === undefined) {
    ex.reply(503, `no cluster for ${target.describe}`, ['NC']);
    return;
  }
  if (cluster.inFlight >= cluster.maxInFlight) {
    ex.reply(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', [
      'UO',
    ]);
    return;
  }
  await send(ex, route, target, attrs, decision.matchIndex, deps);
}

async function send(
  ex: Exchange,
  route: CompiledRoute,
  target: RouteTarget,
  attrs: RequestAttributes,
  matchIndex: number | undefined,
  deps: HandlerDeps,
): Promise<void> {
  const { req } = ex;
  const cluster = target.cluster;
  if (cluster === undefined) return;
  const headers = upstreamRequestHeaders(req.headers, req.socket.remoteAddress, attrs.scheme);
  const matched = matchIndex === undefined ? undefined : route.matchedPrefixes[matchIndex];
  const path = route.rewrite === undefined ? attrs.path : route.rewrite.path(attrs.path, matched);
  // Envoy order: route-level request mutations, then the destination's.
  applyHeaderOperations(headers, route.headers?.request);
  applyHeaderOperations(headers, target.headers?.request);
  const authority = route.rewrite?.authority ?? headerValue(headers, 'host') ?? attrs.authority;
  headers.host = authority;
  const method = attrs.method;
  let body: Readable | null = hasBody(req) ? req : null;
  if (route.mirrors.length > 0) {
    body = startMirrors(
      route.mirrors,
      req,
      { method, path, headers, authority, source: ex.source },
      body,
      deps,
    );
  }
  cluster.inFlight++;
  try {
    await forward(
      ex,
      route,
      cluster,
      {
        method,
        path,
        headers,
        body,
        responseHeaders: corsHeaders(route.cors, headerValue(req.headers, 'origin')),
        destinationHeaders: target.headers,
      },
      deps,
    );
  } finally {
    cluster.inFlight--;
  }
}
