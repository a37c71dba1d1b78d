/**
 * One policy for every port Serin serves (dashboard, local API, /metrics, gates, the controller's
 * endpoints): which Host names are answered, which Origins may mutate or stream, how many
 * connections and event streams one server holds, and how long a slow client may take. Each
 * server is created through {@link createGuardedServer}, so no route can skip it.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { isIP, type Socket } from 'node:net';

export interface EndpointPolicyOptions {
  /** The address the server listens on; a loopback address answers loopback names only. */
  bindHost: string;
  /** Further Host names to answer (without port); `*` answers any name. */
  allowedHosts?: readonly string[] | undefined;
  /** The namespace the server runs in on a cluster: `<service>.<namespace>[.svc[.cluster.local]]` is answered. */
  namespace?: string | undefined;
  /** Most open connections; the next one is answered 503 and closed (default 256). */
  maxConnections?: number | undefined;
  /** Most event streams at once; the next is answered 503 while other requests still are (default 32). */
  maxStreams?: number | undefined;
  /** Time to receive a request's headers (default 10 s) and whole request (default 30 s). */
  headersTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
  /** How long an idle keep-alive connection stays open (default 5 s). */
  keepAliveTimeoutMs?: number | undefined;
}

export const ENDPOINT_DEFAULTS = {
  maxConnections: 256,
  maxStreams: 32,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
} as const;

export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1', '[::1]'];

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/** The Host header's name without its port, lower-cased (`[::1]:80` → `[::1]`). */
export function hostName(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? value : value.slice(0, end + 1);
  }
  return value.replace(/:\d*$/, '');
}

export interface EndpointGuard {
  /** Whether the request's Host (and, for mutating or streaming calls, Origin) is acceptable. */
  refusal(req: IncomingMessage, streaming?: boolean): string | undefined;
  /** Takes one event-stream slot, or answers 503 and returns undefined when none is free. */
  openStream(res: ServerResponse): (() => void) | undefined;
  readonly streams: number;
  /** False for a connection answered 503 over the cap: its requests must not reach a handler. */
  admitted(socket: Socket): boolean;
  /** Applies the connection cap and timeouts to a server. */
  protect(server: Server): void;
}

function hostAllowed(host: string, options: EndpointPolicyOptions): boolean {
  const extra = options.allowedHosts ?? [];
  if (extra.includes('*') || extra.includes(host) || LOOPBACK_NAMES.includes(host)) return true;
  // A loopback server is for this machine only: any other name is a DNS-rebinding page.
  if (isLoopback(options.bindHost)) return false;
  // Reachable from a network: addresses (rebinding needs a name) and cluster-internal names.
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return true;
  const labels = host.split('.');
  if (labels.length === 1 && host !== '') return true;
  const ns = options.namespace?.toLowerCase();
  if (host.endsWith('.svc') || host.endsWith('.svc.cluster.local')) return true;
  return ns !== undefined && labels.length === 2 && labels[1] === ns;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createEndpointGuard(options: EndpointPolicyOptions): EndpointGuard {
  const maxStreams = options.maxStreams ?? ENDPOINT_DEFAULTS.maxStreams;
  const maxConnections = options.maxConnections ?? ENDPOINT_DEFAULTS.maxConnections;
  let streams = 0;
  const refusedSockets = new WeakSet<Socket>();
  return {
    refusal(req, streaming = false) {
      const host = hostName(req.headers.host);
      if (!hostAllowed(host, options)) return `unexpected Host header "${host}"`;
      const origin = req.headers.origin;
      if (origin === undefined || (!streaming && !MUTATING.has(req.method ?? 'GET'))) return undefined;
      // A browser names the page that sent the request: only this server's own pages may act.
      const expected = (req.headers.host ?? '').toLowerCase();
      let given: string;
      try {
        given = new URL(origin).host.toLowerCase();
      } catch {
        return `unexpected Origin "${origin}"`;
      }
      return given === expected ? undefined : `unexpected Origin "${origin}": not this server's own page`;
    },
    openStream(res) {
      if (streams >= maxStreams) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '10' });
        res.end(`too many live streams (the limit is ${maxStreams})\n`);
        return undefined;
      }
      streams += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        streams -= 1;
      };
    },
    get streams() {
      return streams;
    },
    admitted(socket) {
      return !refusedSockets.has(socket);
    },
    protect(server) {
      server.headersTimeout = options.headersTimeoutMs ?? ENDPOINT_DEFAULTS.headersTimeoutMs;
      server.requestTimeout = options.requestTimeoutMs ?? ENDPOINT_DEFAULTS.requestTimeoutMs;
      server.keepAliveTimeout = options.keepAliveTimeoutMs ?? ENDPOINT_DEFAULTS.keepAliveTimeoutMs;
      const open = new Set<Socket>();
      server.on('connection', (socket: Socket) => {
        if (open.size >= maxConnections) {
          refusedSockets.add(socket);
          refuseConnection(socket, maxConnections);
          return;
        }
        open.add(socket);
        socket.once('close', () => open.delete(socket));
      });
    },
  };
}

/** Answers a connection over the cap with a complete 503 instead of leaving it unanswered. */
function refuseConnection(socket: Socket, limit: number): void {
  const body = `too many connections (the limit is ${limit})\n`;
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.setTimeout(1000, () => socket.destroy());
}

/** Sends a refusal as JSON, as every Serin API answers errors. */
export function sendRefusal(res: ServerResponse, status: number, message: string): void {
  const text = JSON.stringify({ error: message });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/**
 * An HTTP server with the policy applied before any route: a request with a foreign Host, or a
 * foreign Origin on a mutating call, is answered 403 and never reaches `handler`.
 */
export function createGuardedServer(guard: EndpointGuard, handler: RequestListener): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!guard.admitted(req.socket)) return; // already answered 503 and closing
    const refused = guard.refusal(req, isEventStream(req));
    if (refused !== undefined) {
      sendRefusal(res, 403, refused);
      return;
    }
    const badPath = pathProblem(req.url);
    if (badPath !== undefined) {
      sendRefusal(res, 400, badPath);
      return;
    }
    handler(req, res);
  });
  guard.protect(server);
  return server;
}

/** Requests that ask for a server-sent-events stream. */
export function isEventStream(req: IncomingMessage): boolean {
  return /text\/event-stream/i.test(req.headers.accept ?? '') || /\/events(\?|$)/.test(req.url ?? '');
}

/** Why a request target cannot be read (a malformed percent-escape, no path), if it cannot. */
export function pathProblem(url: string | undefined): string | undefined {
  let path: string;
  try {
    path = new URL(url ?? '/', 'http://request.invalid').pathname;
  } catch {
    return 'the request target is not a valid URL path';
  }
  try {
    decodeURIComponent(path);
  } catch {
    return 'the request path has a malformed percent-escape';
  }
  return undefined;
}
