/**
 * The dashboard server: a JSON API, a server-sent-events stream and the built web UI, on one
 * port, over any {@link DashboardBackend}. Read-only unless a token is configured.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactForRead } from '../analysis/redact.js';
import { createEndpointGuard, createGuardedServer, pathProblem, type EndpointGuard } from '../http/guard.js';
import { createAuthorizer, type Authorizer } from './auth.js';
import type { DashboardBackend } from './backend.js';
import { createEventHub, type EventHub } from './events.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http.js';
import { parseActionRequest, parseRef } from './requests.js';
import { buildUi, DEFAULT_UI_DIR, serveStatic, uiIsBuilt } from './static-files.js';

export interface DashboardServerOptions {
  backend: DashboardBackend;
  /** Bearer token that allows actions. Without one the dashboard is read-only. */
  token?: string;
  /** Recorded as who acted; defaults to `token:` and the first 4 hex digits of the token's SHA-256. */
  tokenName?: string;
  /** Defaults to true without a token, false with one. */
  readOnly?: boolean;
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Where the built UI lives; defaults to the package's `dist/dashboard-ui` (ui-dir.ts). */
  uiDir?: string;
  /** Builds the UI on start when it is missing (needs Vite). Defaults to true for the default `uiDir`. */
  buildUiIfMissing?: boolean;
  /** Host names answered besides loopback names (and, off loopback, addresses and cluster names). */
  allowedHosts?: readonly string[];
  heartbeatMs?: number;
  /** Most live event streams (default 32). */
  maxEventClients?: number;
  /** The policy of the server this handler is mounted in, when it is mounted in another one. */
  guard?: EndpointGuard;
  log?: (line: string) => void;
}

export interface DashboardServer {
  url: string;
  port: number;
  readOnly: boolean;
  server: Server;
  close(): Promise<void>;
}

const BODY_LIMIT = 16 * 1024;

interface Context {
  backend: DashboardBackend;
  auth: Authorizer;
  events: EventHub;
  uiDir: string;
  guard: EndpointGuard;
  log: (line: string) => void;
}

const CANARY = /^\/api\/canaries\/([^/]+)\/([^/]+)(\/history|\/actions)?$/;

async function handleApi(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (path === '/api/info' && method === 'GET') {
    sendJson(res, 200, { platform: ctx.backend.platform, readOnly: ctx.auth.readOnly });
    return;
  }
  if (path === '/api/canaries' && method === 'GET') {
    sendJson(res, 200, { items: await ctx.backend.list() });
    return;
  }
  if (path === '/api/events' && method === 'GET') {
    ctx.events.connect(req, res);
    return;
  }
  const match = CANARY.exec(path);
  if (!match?.[1] || !match[2]) throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  const { namespace, name } = parseRef(match[1], match[2]);
  const sub = match[3];
  if (sub === '/actions') {
    if (method !== 'POST') throw new HttpError(405, 'use POST for actions', {}, { Allow: 'POST' });
    await handleAction(ctx, req, res, namespace, name);
    return;
  }
  if (method !== 'GET') throw new HttpError(405, `use GET for ${path}`, {}, { Allow: 'GET' });
  const detail = await ctx.backend.get(namespace, name);
  if (!detail) throw new HttpError(404, `canary ${namespace}/${name} not found`);
  if (sub === '/history') {
    sendJson(res, 200, { items: await ctx.backend.history(namespace, name) });
    return;
  }
  // The spec carries webhook URLs, which can carry credentials: shown as the logs show them.
  sendJson(res, 200, redactForRead(detail));
}

async function handleAction(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
): Promise<void> {
  // Authenticate before reading the body: an anonymous caller learns nothing about the request shape.
  const by = ctx.auth.authorize(req);
  const { action, reason } = parseActionRequest(await readJsonBody(req, BODY_LIMIT));
  if (!(await ctx.backend.get(namespace, name)))
    throw new HttpError(404, `canary ${namespace}/${name} not found`);
  const result = await ctx.backend.act(namespace, name, action, by, reason);
  ctx.log(
    `action ${action.type} on ${namespace}/${name} by ${by}: ${result.accepted ? 'accepted' : 'refused'}`,
  );
  sendJson(res, result.accepted ? 202 : 409, { ...result, by });
}

function requestPath(req: IncomingMessage): string {
  const problem = pathProblem(req.url);
  if (problem !== undefined) throw new HttpError(400, problem);
  return new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    // Refusing foreign Host names stops DNS-rebinding pages from reading a loopback dashboard.
    const refused = ctx.guard.refusal(req, req.url?.startsWith('/api/events') === true);
    if (refused !== undefined) throw new HttpError(403, refused);
    const path = requestPath(req);
    if (path === '/api' || path.startsWith('/api/')) {
      await handleApi(ctx, req, res, path);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'the UI is read with GET');
    await serveStatic(ctx.uiDir, path, res);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) {
      sendError(res, error);
      return;
    }
    ctx.log(`dashboard error: ${error instanceof Error ? error.message : String(error)}`);
    sendError(res, new HttpError(500, 'internal error'));
  }
}

async function prepareUi(
  options: DashboardServerOptions,
  uiDir: string,
  log: (line: string) => void,
): Promise<void> {
  const build = options.buildUiIfMissing ?? uiDir === DEFAULT_UI_DIR;
  if (!build || uiIsBuilt(uiDir)) return;
  log('dashboard: the web UI is not built yet; building it now');
  try {
    await buildUi(uiDir);
  } catch (error) {
    log(
      `dashboard: could not build the web UI (${error instanceof Error ? error.message : String(error)}); ` +
        'run `npm run build:dashboard`. The API works meanwhile.',
    );
  }
}

export interface DashboardHandler {
  /** Answers one request; mount it inside another server to share its port. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  readOnly: boolean;
  /** Ends live streams and stops listening to the backend. */
  close(): void;
}

/** The dashboard as a request handler, for platforms that serve it on a port of their own. */
export async function createDashboardHandler(
  options: Omit<DashboardServerOptions, 'port'>,
): Promise<DashboardHandler> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  await prepareUi(options, uiDir, log);
  const auth = createAuthorizer(options);
  const guard = options.guard ?? guardFor(options, host);
  const events = createEventHub({ heartbeatMs: options.heartbeatMs ?? 15_000, guard });
  const ctx: Context = { backend: options.backend, auth, events, uiDir, guard, log };
  const unsubscribe = options.backend.subscribe((change) => {
    events.broadcast(change);
  });
  return {
    handle: (req, res) => void handle(ctx, req, res),
    readOnly: auth.readOnly,
    close() {
      unsubscribe();
      events.closeAll();
    },
  };
}

function guardFor(options: Omit<DashboardServerOptions, 'port'>, host: string): EndpointGuard {
  return createEndpointGuard({
    bindHost: host,
    allowedHosts: options.allowedHosts,
    maxStreams: options.maxEventClients,
  });
}

/** Starts the server and resolves once it listens. */
export async function createDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const guard = options.guard ?? guardFor(options, host);
  const dashboard = await createDashboardHandler({ ...options, guard });
  const server = createGuardedServer(guard, dashboard.handle);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    readOnly: dashboard.readOnly,
    server,
    close: () =>
      new Promise<void>((resolveClose) => {
        dashboard.close();
        server.close(() => {
          resolveClose();
        });
        server.closeAllConnections();
      }),
  };
}
