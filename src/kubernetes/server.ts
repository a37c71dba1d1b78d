/**
 * The controller's HTTP endpoints: /metrics (Prometheus), /healthz (alive), /readyz (caches synced;
 * its body says what is watched, so a 200 never hides a Canary group nobody watches).
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { createEndpointGuard, createGuardedServer, type EndpointPolicyOptions } from '../http/guard.js';

/** The endpoint policy (src/http/guard.ts) without the bind address, which comes from `address`. */
export type EndpointPolicy = Omit<EndpointPolicyOptions, 'bindHost'>;

/** Ready or not, and the lines /readyz prints under its verdict. */
export interface ReadyReport {
  ready: boolean;
  detail: string[];
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(
  address: string,
  registry: Registry,
  ready: () => boolean | ReadyReport,
  policy: EndpointPolicy = {},
): Promise<HealthServer> {
  const handler: http.RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const verdict = ready();
      const { ready: ok, detail } = typeof verdict === 'boolean' ? { ready: verdict, detail: [] } : verdict;
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' });
      res.end([ok ? 'ok' : 'not ready', ...detail].join('\n') + '\n');
      return;
    }
    res.writeHead(404);
    res.end();
  };
  return serve(address, handler, policy);
}

/** Serves any handler on `host:port` under the endpoint policy (the gate API uses it too). */
export async function serve(
  address: string,
  handler: http.RequestListener,
  policy: EndpointPolicy = {},
): Promise<HealthServer> {
  const [host, portText] = splitAddress(address);
  const server = createGuardedServer(createEndpointGuard({ ...policy, bindHost: host }), handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '' || host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        // Keep-alive and stream connections would otherwise hold a shutdown open.
        server.closeAllConnections();
      }),
  };
}

/** `:8080`, `0.0.0.0:8080`, `127.0.0.1:0`. */
export function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  if (i < 0 || !/^\d+$/.test(address.slice(i + 1))) {
    throw new Error(`--metrics-addr: expected host:port such as :8080, got "${address}"`);
  }
  return [address.slice(0, i) || '0.0.0.0', address.slice(i + 1)];
}
