import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminHandler } from './admin.js';
import { CompiledConfig } from './config.js';
import { createRequestHandler } from './handler.js';
import { RouterTelemetry, type TelemetrySnapshot } from './telemetry.js';
import type { RouterConfig, RouterIdentity, RouterOptions } from './types.js';
import { UpstreamPools } from './upstreams.js';

export interface Router {
  /** Starts the data-plane listener; resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Starts the admin listener (`/metrics`, `/healthz`, `/config`); resolves with its address. */
  listenAdmin(port?: number, host?: string): Promise<AddressInfo>;
  readonly address: AddressInfo | undefined;
  readonly adminAddress: AddressInfo | undefined;
  /**
   * Replaces the configuration atomically: the new one is compiled completely first (and an
   * invalid one throws, naming the field, leaving the old one in force), then one reference is
   * swapped. Requests already in flight finish on the configuration they started with.
   */
  update(config: RouterConfig): void;
  /**
   * Resolves once every configuration given so far is in force wherever requests are served
   * (at once for a router in this process; once every worker confirmed it for `createRouterWorkers`).
   */
  settled(): Promise<void>;
  /** Resolves once `snapshot()` includes every request recorded before the call (at once in this process). */
  flush(): Promise<void>;
  /** Version of the configuration in force (1 for the initial one). */
  readonly configVersion: number;
  readonly config: RouterConfig;
  /** Prometheus text exposition of the Istio-style metrics. */
  metrics(): Promise<string>;
  /** The same counters, per workload and reporter, without going through Prometheus. */
  snapshot(): TelemetrySnapshot;
  close(): Promise<void>;
}

const DEFAULT_IDENTITY: RouterIdentity = { namespace: 'default', workload: 'unknown' };

export function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function closeServer(server: Server | undefined): Promise<void> {
  if (server?.listening !== true) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeIdleConnections();
    // Give in-flight responses a moment, then cut whatever is left (hanging clients).
    setTimeout(() => {
      server.closeAllConnections();
    }, 2000).unref();
  });
}

/** The router's identity: the options' fields over the defaults. */
export function routerIdentity(options: RouterOptions): RouterIdentity {
  return { ...DEFAULT_IDENTITY, ...options.identity };
}

/**
 * A router serving in this process. `telemetry` is where it records requests (a router worker
 * passes its own, to send its primary the series).
 */
export function createRouter(
  initial: RouterConfig,
  options: RouterOptions = {},
  telemetry: RouterTelemetry = new RouterTelemetry(routerIdentity(options)),
): Router {
  const identity = routerIdentity(options);
  const random = options.random ?? Math.random;
  const pools = new UpstreamPools({ maxConnections: options.maxConnectionsPerEndpoint ?? 256 });
  const compile = (config: RouterConfig, version: number) =>
    new CompiledConfig(version, config, {
      pools,
      random,
      weightedChoice: options.weightedChoice ?? 'random',
      identity,
    });
  let current = compile(initial, 1);
  let server: Server | undefined;
  let adminServer: Server | undefined;

  const handler = createRequestHandler({
    current: () => current,
    telemetry,
    random,
    defaultTimeoutMs: options.upstreamTimeoutMs ?? 0,
  });

  const admin = adminHandler({
    metrics: () => telemetry.metricsText(),
    contentType: telemetry.contentType,
    stats: () => Promise.resolve(telemetry.snapshot()),
    config: () => ({ version: current.version, config: current.config }),
  });

  return {
    async listen(port = 0, host = '127.0.0.1') {
      server = createServer(
        {
          maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
          headersTimeout: options.headersTimeoutMs ?? 30_000,
          requestTimeout: options.requestTimeoutMs ?? 300_000,
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 60_000,
        },
        handler,
      );
      // Malformed requests are answered by node:http with 400 and the socket closed; never rethrown.
      server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
        if (!socket.writable) {
          socket.destroy();
          return;
        }
        const status =
          error.code === 'HPE_HEADER_OVERFLOW'
            ? '431 Request Header Fields Too Large'
            : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
              ? '408 Request Timeout'
              : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      });
      return listenOn(server, port, host);
    },
    async listenAdmin(port = 0, host = '127.0.0.1') {
      adminServer = createServer(admin);
      return listenOn(adminServer, port, host);
    },
    get address() {
      return server?.address() as AddressInfo | undefined;
    },
    get adminAddress() {
      return adminServer?.address() as AddressInfo | undefined;
    },
    update(config) {
      const next = compile(config, current.version + 1);
      current = next;
      pools.retain(next.liveEndpoints);
    },
    settled: () => Promise.resolve(),
    flush: () => Promise.resolve(),
    get configVersion() {
      return current.version;
    },
    get config() {
      return current.config;
    },
    metrics: () => telemetry.metricsText(),
    snapshot: () => telemetry.snapshot(),
    async close() {
      await Promise.all([closeServer(server), closeServer(adminServer)]);
      await pools.close();
    },
  };
}
