import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateServer } from '../analysis/gates/server.js';
import { redactForRead } from '../analysis/redact.js';
import { createEndpointGuard, createGuardedServer, type EndpointGuard } from '../http/guard.js';
import { createDashboardServer, type DashboardServer } from '../dashboard/server.js';
import { ManifestError, type ManifestSource } from './manifest.js';
import type { LocalRuntime, RuntimeEvent } from './runtime.js';

export interface LocalApiOptions {
  runtime: LocalRuntime;
  token: string;
  /** Who holds the token: actions taken with it are recorded as this name (see src/local/token.ts). */
  tokenOwner?: string;
  port: number;
  host?: string;
  /** Build the dashboard's web UI when it is missing (slow; off in tests). */
  buildDashboard?: boolean;
  /** Host names answered besides loopback names. */
  allowedHosts?: readonly string[];
  /** Most open connections and live event streams (defaults in src/http/guard.ts). */
  maxConnections?: number;
  maxStreams?: number;
  log?: (line: string) => void;
}

export interface LocalApi {
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new ApiError(413, `request body larger than ${BODY_LIMIT} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseApplyBody(text: string): ManifestSource[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'expected a JSON body such as {"sources":[{"name":"serin.yaml","text":"..."}]}');
  }
  const sources = (body as { sources?: unknown }).sources;
  if (!Array.isArray(sources) || sources.length === 0)
    throw new ApiError(400, 'sources: expected a non-empty list of {name, text, baseDir?}');
  return sources.map((s: unknown, i) => {
    const { name, text: content, baseDir } = (s ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || name === '')
      throw new ApiError(400, `sources[${i}].name: expected a string`);
    if (typeof content !== 'string')
      throw new ApiError(400, `sources[${i}].text: expected the manifest text`);
    if (baseDir !== undefined && typeof baseDir !== 'string')
      throw new ApiError(400, `sources[${i}].baseDir: expected a directory path`);
    return { name, text: content, ...(baseDir !== undefined ? { baseDir } : {}) };
  });
}

/** One policy for every route on this port, the dashboard's included. */
function guardFor(options: LocalApiOptions, host: string): EndpointGuard {
  return createEndpointGuard({
    bindHost: host,
    allowedHosts: options.allowedHosts,
    maxConnections: options.maxConnections,
    maxStreams: options.maxStreams,
  });
}

/**
 * The local API on one port: `/api/local/*` (status with live per-version numbers, logs, apply, a
 * stream of events), `/metrics` (the router's Istio telemetry, for a Prometheus to scrape), and
 * everything else served by the dashboard (its UI, `/api/canaries`, actions, `/api/events`).
 * Actions and apply need `Authorization: Bearer <token>`.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const { runtime } = options;
  const host = options.host ?? '127.0.0.1';
  const expected = sha256(options.token);
  const guard = guardFor(options, host);
  const dashboard: DashboardServer = await createDashboardServer({
    backend: runtime.backend,
    token: options.token,
    ...(options.tokenOwner !== undefined ? { tokenName: options.tokenOwner } : {}),
    port: 0,
    host,
    guard,
    buildUiIfMissing: options.buildDashboard ?? true,
    ...(options.log ? { log: options.log } : {}),
  });

  const gates = createGateServer({
    store: runtime.gates,
    token: options.token,
    ...(options.tokenOwner !== undefined ? { tokenOwner: options.tokenOwner } : {}),
    ...(options.log ? { log: options.log } : {}),
  });

  const authorize = (req: IncomingMessage): void => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) throw new ApiError(401, 'this action needs a token: send Authorization: Bearer <token>');
    if (!timingSafeEqual(sha256(match[1]), expected)) throw new ApiError(401, 'the token was not accepted');
  };

  const handleLocal = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    if (path === '/api/local/status' && method === 'GET') {
      sendJson(res, 200, {
        router: runtime.urls.router,
        api: url,
        dashboard: `${url}/`,
        canaries: runtime.canaries().map((c) => redactForRead(runtime.view(c))),
      });
      return;
    }
    if (path === '/api/local/events' && method === 'GET') {
      const release = guard.openStream(res);
      if (release !== undefined) streamEvents(runtime, req, res, release);
      return;
    }
    if (path === '/api/local/apply') {
      if (method !== 'POST') throw new ApiError(405, 'use POST to apply manifests');
      authorize(req);
      const sources = parseApplyBody(await readBody(req));
      try {
        sendJson(res, 200, await runtime.apply(sources));
      } catch (error) {
        if (error instanceof ManifestError)
          throw new ApiError(400, 'the manifest is invalid', { problems: error.problems });
        throw error;
      }
      return;
    }
    const one = method === 'GET' ? await canaryWithRevision(runtime, path) : undefined;
    if (one) {
      sendJson(res, 200, one);
      return;
    }
    const logs = method === 'GET' ? canaryLogs(runtime, path) : undefined;
    if (logs) {
      sendJson(res, 200, logs);
      return;
    }
    throw new ApiError(404, `no such endpoint: ${method} ${path}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://local.invalid').pathname;
    try {
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/metrics' && req.method === 'GET') {
        const text = await runtime.router.metrics();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
      } else if (path.startsWith('/gate/') || path.startsWith('/rollback/')) {
        // Flagger's load-tester gate API: hooks check without a token, opening needs it.
        gates(req, res);
      } else if (path.startsWith('/api/local/')) {
        await handleLocal(req, res, path);
      } else {
        dashboard.server.emit('request', req, res);
      }
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ApiError) {
        const challenge: Record<string, string> =
          error.status === 401 ? { 'www-authenticate': 'Bearer realm="serin"' } : {};
        sendJson(res, error.status, { error: error.message, ...error.details }, challenge);
        return;
      }
      options.log?.(`api error: ${error instanceof Error ? error.message : String(error)}`);
      sendJson(res, 500, { error: 'internal error' });
    }
  };

  const server: Server = createGuardedServer(guard, (req, res) => void handle(req, res));
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    async close() {
      await new Promise<void>((done) => {
        server.close(() => {
          done();
        });
        server.closeAllConnections();
      });
      await dashboard.close();
    },
  };
}

/** The last log lines of a Canary's replicas, for `/api/local/canaries/<ns>/<name>/logs`. */
function canaryLogs(runtime: LocalRuntime, path: string): { replicas: unknown } | undefined {
  const logs = /^\/api\/local\/canaries\/([^/]+)\/([^/]+)\/logs$/.exec(path);
  if (!logs) return undefined;
  const canary = runtime
    .canaries()
    .find((c) => c.metadata.namespace === logs[1] && c.metadata.name === logs[2]);
  if (!canary) throw new ApiError(404, `canary ${logs[1] ?? ''}/${logs[2] ?? ''} not found`);
  return { replicas: runtime.logs(canary, 200) };
}

/**
 * One Canary with the revision its target runs now (hashed by the WorkloadPort, as the engine
 * hashes it): what `serin status --wait` compares with the status' `lastAppliedSpec`.
 */
async function canaryWithRevision(
  runtime: LocalRuntime,
  path: string,
): Promise<Record<string, unknown> | undefined> {
  const match = /^\/api\/local\/canaries\/([^/]+)\/([^/]+)$/.exec(path);
  if (!match) return undefined;
  const [namespace, name] = [decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? '')];
  const canary = runtime
    .canaries()
    .find((c) => c.metadata.namespace === namespace && c.metadata.name === name);
  if (!canary) throw new ApiError(404, `canary ${namespace}/${name} not found`);
  try {
    return { canary, revision: await runtime.workloads.targetRevision(canary) };
  } catch (error) {
    return { canary, revisionError: error instanceof Error ? error.message : String(error) };
  }
}

/** Server-sent events: every runtime event (`event`, `status`, `manifest`) as it happens. */
function streamEvents(
  runtime: LocalRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  release: () => void,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write(': connected\n\n');
  const send = (event: RuntimeEvent) => {
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(redactForRead(event))}\n\n`);
  };
  for (const canary of runtime.canaries()) send({ type: 'status', canary: runtime.view(canary) });
  const unsubscribe = runtime.subscribe(send);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  heartbeat.unref();
  req.on('close', () => {
    unsubscribe();
    clearInterval(heartbeat);
    release();
  });
}
